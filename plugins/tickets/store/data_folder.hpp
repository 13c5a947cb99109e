// tickets/store/data_folder.hpp — how much room the database server has left for its files.
//
// MariaDB aborts when the file system under its data folder fills (it restarts cleanly, but every
// connection is gone meanwhile), and attachments are the largest thing a customer can write. So
// before storing one the module asks the server where its data folder is (SELECT @@datadir) and,
// when the server runs on this machine, measures that file system with statvfs(3).
//
// "On this machine" means the server sees this connection as coming from localhost (a unix
// socket or loopback TCP, as for the host's sandbox), its @@hostname is this machine's name (an
// SSH tunnel or a database container also looks like localhost), and the folder exists here. A remote server's
// path means nothing locally, so no measurement is made for it: its operators monitor its disk
// (docs/operations.md).
#pragma once

#include <plinth/sdk/db.hpp>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace plinth::tickets {

struct DataFolderSpace {
    std::string path;          // the server's @@datadir
    uint64_t free_bytes = 0;   // available to unprivileged writers (f_bavail), as the server sees it
};

class DataFolder {
public:
    explicit DataFolder(sdk::db::Database &pool) : pool_(pool) {}

    // The data folder's free space, or nullopt when the server is not local or the folder cannot
    // be measured from here. The folder's location is asked once; the space is measured on every
    // call (one statvfs). [thread-safe]
    std::optional<DataFolderSpace> space();

private:
    // The local path of the data folder; empty when the server is not on this machine.
    std::string locate();

    sdk::db::Database &pool_;
    std::mutex mutex_;
    std::optional<std::string> path_; // set once located
};

} // namespace plinth::tickets
