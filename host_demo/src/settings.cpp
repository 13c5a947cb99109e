#include "settings.hpp"

#include <plinth/sdk/error.hpp>
#include <plinth/storage/database.hpp>

#include <algorithm>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace plinth::host {

namespace {

std::optional<std::string> env(const char *name) {
    const char *v = std::getenv(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
}

// A database name goes into CREATE DATABASE, which cannot take a bound parameter.
void check_identifier(const std::string &name) {
    if (name.empty() || name.size() > 64) throw sdk::invalid_argument("database name must be 1-64 characters");
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            throw sdk::invalid_argument("database name '" + name + "' may only contain letters, digits and _");
}

boost::json::value parse_env_value(const std::string &text) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text, ec);
    if (ec) return boost::json::string(text);
    return v;
}

void apply_path(boost::json::object &root, const std::vector<std::string> &keys, boost::json::value value) {
    boost::json::object *node = &root;
    for (size_t i = 0; i + 1 < keys.size(); ++i) {
        boost::json::value &child = (*node)[keys[i]];
        if (!child.is_object()) child = boost::json::object{};
        node = &child.get_object();
    }
    (*node)[keys.back()] = std::move(value);
}

std::string sandbox_script() {
    if (auto s = env("PLINTH_SANDBOX_SCRIPT")) return *s;
    return PLINTH_SANDBOX_SCRIPT;
}

} // namespace

boost::json::value read_json_file(const std::filesystem::path &file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw sdk::invalid_argument("cannot read " + file.string());
    std::stringstream buffer;
    buffer << in.rdbuf();
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(buffer.str(), ec);
    if (ec) throw sdk::invalid_argument(file.string() + " is not valid JSON: " + ec.message());
    return v;
}

Settings load_settings(const std::optional<std::filesystem::path> &config_file,
                       const std::filesystem::path &default_module_dir) {
    Settings s;
    s.home = std::filesystem::absolute(env("PLINTH_HOME").value_or("var"));
    s.sandbox_dir = s.home / "db";

    if (config_file) s.config_file = *config_file;
    else if (auto c = env("PLINTH_CONFIG")) s.config_file = *c;
    else if (std::filesystem::exists(s.home / "plinth.json")) s.config_file = s.home / "plinth.json";
    if (!s.config_file.empty()) {
        boost::json::value v = read_json_file(s.config_file);
        if (!v.is_object()) throw sdk::invalid_argument(s.config_file.string() + " must hold a JSON object");
        s.config = std::move(v.get_object());
    }

    // Environment overrides.
    boost::json::object db;
    if (auto *d = s.config.if_contains("database"); d && d->is_object()) db = d->get_object();
    if (auto v = env("PLINTH_DB_SOCKET")) db["socket"] = *v;
    if (auto v = env("PLINTH_DB_HOST")) db["host"] = *v;
    if (auto v = env("PLINTH_DB_PORT")) db["port"] = std::atoi(v->c_str());
    if (auto v = env("PLINTH_DB_USER")) db["user"] = *v;
    if (auto v = env("PLINTH_DB_PASSWORD")) db["password"] = *v;
    if (auto v = env("PLINTH_DB_NAME")) db["database"] = *v;
    for (char **e = environ; *e != nullptr; ++e) {
        std::string entry(*e);
        if (entry.rfind("PLINTH__", 0) != 0) continue;
        size_t eq = entry.find('=');
        if (eq == std::string::npos) continue;
        std::string path = entry.substr(8, eq - 8);
        std::vector<std::string> keys;
        for (size_t pos = 0;;) {
            size_t next = path.find("__", pos);
            keys.push_back(path.substr(pos, next - pos));
            if (next == std::string::npos) break;
            pos = next + 2;
        }
        if (keys.empty() || keys.front().empty()) continue;
        if (keys.front() == "database") {
            boost::json::object wrapper{{"database", db}};
            apply_path(wrapper, keys, parse_env_value(entry.substr(eq + 1)));
            db = wrapper["database"].as_object();
        } else {
            apply_path(s.config, keys, parse_env_value(entry.substr(eq + 1)));
        }
    }

    s.use_sandbox = !db.contains("socket") && !db.contains("host");
    // Keys in <home>/secrets decrypt what is stored in the database: with a real database the
    // state folder must be named, or starting the host from another directory would silently
    // create new keys and lose access to encrypted data.
    bool home_implied = !s.config_file.empty() && s.config_file == s.home / "plinth.json";
    if (!s.use_sandbox && !env("PLINTH_HOME") && !home_implied) {
        const auto *dir = s.config.if_contains("state_dir");
        if (dir == nullptr || !dir->is_string())
            throw sdk::invalid_argument("a database is configured: set PLINTH_HOME or \"state_dir\" in the configuration "
                                        "to the folder that keeps this installation's secrets");
        s.home = std::filesystem::absolute(std::string(dir->get_string()));
        s.sandbox_dir = s.home / "db";
    }
    if (s.use_sandbox) db["socket"] = (s.sandbox_dir / "mysqld.sock").string();
    if (!db.contains("database")) db["database"] = "plinth";
    if (!db["database"].is_string()) throw sdk::invalid_argument("database.database must be a string");
    check_identifier(std::string(db["database"].get_string()));
    s.config["database"] = db;

    // Modules: PLINTH_MODULE_DIR, else config "modules": {"paths": [...], "load": [...]}, else the build's folder.
    if (auto dir = env("PLINTH_MODULE_DIR")) s.module_paths.push_back(*dir);
    if (auto *m = s.config.if_contains("modules"); m && m->is_object()) {
        if (auto *paths = m->get_object().if_contains("paths"); paths && paths->is_array() && s.module_paths.empty())
            for (const auto &p : paths->get_array())
                if (p.is_string()) s.module_paths.emplace_back(std::string(p.get_string()));
        if (auto *load = m->get_object().if_contains("load"); load && load->is_array())
            for (const auto &id : load->get_array())
                if (id.is_string()) s.only_modules.emplace_back(id.get_string());
    }
    if (s.module_paths.empty()) s.module_paths.push_back(default_module_dir);
    if (auto level = env("PLINTH_LOG_LEVEL")) {
        const char *names[] = {"debug", "info", "warning", "error"};
        auto it = std::find(std::begin(names), std::end(names), *level);
        if (it == std::end(names))
            throw sdk::invalid_argument("PLINTH_LOG_LEVEL must be debug, info, warning or error");
        s.log_level = static_cast<int32_t>(it - std::begin(names));
    }
    return s;
}

int sandbox_command(const Settings &settings, const std::string &action, bool narrate) {
    pid_t pid = fork();
    if (pid < 0) throw sdk::unavailable("cannot start the sandbox script");
    if (pid == 0) {
        std::string script = sandbox_script();
        std::string dir = settings.sandbox_dir.string();
        // The script narrates on stdout; plinth-host keeps stdout for JSON results.
        int quiet = narrate ? -1 : ::open("/dev/null", O_WRONLY);
        dup2(quiet >= 0 ? quiet : 2, 1);
        execl("/bin/bash", "bash", script.c_str(), action.c_str(), dir.c_str(), static_cast<char *>(nullptr));
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

void ensure_sandbox(const Settings &settings) {
    if (!settings.use_sandbox) return;
    // `ensure` prints only when it started the server: worth an info line, nothing otherwise.
    if (sandbox_command(settings, "ensure", settings.log_level <= 1) != 0)
        throw sdk::unavailable("the MariaDB sandbox did not start; see " +
                               (settings.sandbox_dir / "error.log").string());
    std::string database(settings.config.at("database").at("database").as_string());
    boost::json::object admin = settings.config.at("database").as_object();
    admin["database"] = "mysql";
    std::atomic<uint64_t> counter{0};
    storage::Connection c(storage::DbConfig::from_json(admin), &counter);
    check_identifier(database);
    c.execute_trusted("CREATE DATABASE IF NOT EXISTS `" + database + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
}

void recreate_database(const Settings &settings, const std::string &database) {
    check_identifier(database);
    boost::json::object admin = settings.config.at("database").as_object();
    admin["database"] = "mysql";
    std::atomic<uint64_t> counter{0};
    storage::Connection c(storage::DbConfig::from_json(admin), &counter);
    c.execute_trusted("DROP DATABASE IF EXISTS `" + database + "`");
    c.execute_trusted("CREATE DATABASE `" + database + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
}

} // namespace plinth::host
