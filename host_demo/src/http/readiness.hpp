// /readyz: can this process serve? Every module it found is loaded and the database answers.
#pragma once

#include <plinth/host/host.hpp>

#include <atomic>
#include <string>
#include <vector>

namespace plinth::http {

class Readiness {
public:
    explicit Readiness(const host::Host &host);

    struct Report {
        bool ready = false;
        bool database = false;
        size_t modules_loaded = 0;
        std::vector<std::string> modules_refused;
        std::string problem; // empty when ready; never a credential or a server message
    };
    // Runs `SELECT 1` on a connection of the host's one pool (Host::probe_database), so the
    // probe never holds a connection outside the process's budget; answers within the pool's
    // acquire and reconnect timeouts. [thread-safe]
    Report check() const;

private:
    const host::Host &host_;
    // Whether the last probe found the database answering. /readyz is anonymous: the failure is
    // logged when it starts (and the recovery when it ends), not once per request.
    mutable std::atomic<bool> database_was_answering_{true};
};

} // namespace plinth::http
