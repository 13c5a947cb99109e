// /readyz: can this process serve? Every module it found is loaded and the database answers.
#pragma once

#include <plinth/host/host.hpp>
#include <plinth/storage/database.hpp>

#include <plinth/sdk/thread_annotations.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace plinth::http {

class Readiness {
public:
    // `database`: the host's "database" section; none means no database check.
    Readiness(const host::Host &host, const boost::json::object *database);
    ~Readiness();

    struct Report {
        bool ready = false;
        bool database = false;
        size_t modules_loaded = 0;
        std::vector<std::string> modules_refused;
        std::string problem; // empty when ready; never a credential or a server message
    };
    // Runs `SELECT 1` on the probe's own connection (reconnecting when it broke); answers within
    // the database's connect timeout. [thread-safe]
    Report check() PLINTH_EXCLUDES(mutex_);

private:
    const host::Host &host_;
    std::optional<storage::DbConfig> config_;
    sdk::Mutex mutex_; // one probe at a time on the probe's connection
    std::atomic<uint64_t> statements_{0};
    std::unique_ptr<storage::Connection> connection_ PLINTH_GUARDED_BY(mutex_);
};

} // namespace plinth::http
