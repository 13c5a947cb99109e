#include "readiness.hpp"

#include <iostream>

namespace plinth::http {

Readiness::Readiness(const host::Host &host, const boost::json::object *database) : host_(host) {
    if (database != nullptr) config_ = storage::DbConfig::from_json(*database);
}

Readiness::~Readiness() = default;

Readiness::Report Readiness::check() {
    Report r;
    for (const auto &m : host_.modules()) {
        if (m.loaded) ++r.modules_loaded;
        else if (m.refusal != "not selected by the configuration")
            r.modules_refused.push_back(m.id.empty() ? m.path.filename().string() : m.id);
    }
    if (config_) {
        sdk::MutexLock lock(mutex_);
        try {
            if (!connection_) connection_ = std::make_unique<storage::Connection>(*config_, &statements_);
            else if (connection_->broken()) connection_->reconnect();
            connection_->query("SELECT 1");
            r.database = true;
        } catch (const std::exception &e) {
            // The server's text can name hosts and users: it goes to the log, not to the client.
            std::cerr << "[warning] http: readiness: database check failed: " << e.what() << "\n";
            connection_.reset();
        }
    } else {
        r.database = true; // nothing configured to check
    }
    if (!r.database) r.problem = "the database does not answer";
    else if (r.modules_loaded == 0) r.problem = "no module is loaded";
    else if (!r.modules_refused.empty()) r.problem = "some modules were refused";
    r.ready = r.problem.empty();
    return r;
}

} // namespace plinth::http
