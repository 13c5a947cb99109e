#include "data_folder.hpp"

#include "../domain/attachment_policy.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

namespace plinth::tickets {

std::string DataFolder::locate() {
    char here[256] = {};
    if (gethostname(here, sizeof here - 1) != 0) return {};
    return pool_.run([&](sdk::db::Connection &c) -> std::string {
        sdk::db::Rows rows = c.query("SELECT @@datadir, SUBSTRING_INDEX(USER(), '@', -1), @@hostname");
        if (rows.empty() || rows[0].is_null(0)) return {};
        return database_on_this_machine(rows[0].str(1), rows[0].str(2), here) ? rows[0].str(0) : std::string();
    });
}

std::optional<DataFolderSpace> DataFolder::space() {
    std::string path;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!path_) path_ = locate();
        path = *path_;
    }
    if (path.empty()) return std::nullopt;
    struct statvfs fs {};
    if (statvfs(path.c_str(), &fs) != 0) return std::nullopt; // not visible from here
    return DataFolderSpace{path, static_cast<uint64_t>(fs.f_bavail) * static_cast<uint64_t>(fs.f_frsize)};
}

} // namespace plinth::tickets
