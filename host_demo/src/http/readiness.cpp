#include "readiness.hpp"

#include <iostream>

namespace plinth::http {

Readiness::Readiness(const host::Host &host) : host_(host) {}

Readiness::Report Readiness::check() const {
    Report r;
    for (const auto &m : host_.modules()) {
        if (m.loaded) ++r.modules_loaded;
        else if (m.refusal != "not selected by the configuration")
            r.modules_refused.push_back(m.id.empty() ? m.path.filename().string() : m.id);
    }
    std::string failure;
    std::optional<bool> answers = host_.probe_database(failure);
    r.database = answers.value_or(true); // nothing configured to check
    // The server's text can name hosts and users: it goes to the log, not to the client. Once
    // per outage: anyone may ask /readyz, as often as they like.
    if (database_was_answering_.exchange(r.database) != r.database) {
        if (!r.database) std::cerr << "[warning] http: readiness: database check failed: " << failure << "\n";
        else std::cerr << "[info] http: readiness: the database answers again\n";
    }
    if (!r.database) r.problem = "the database does not answer";
    else if (r.modules_loaded == 0) r.problem = "no module is loaded";
    else if (!r.modules_refused.empty()) r.problem = "some modules were refused";
    r.ready = r.problem.empty();
    return r;
}

} // namespace plinth::http
