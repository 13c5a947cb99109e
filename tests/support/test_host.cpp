#include "support/test_host.hpp"

#include "support/database_pool.hpp"

#include <plinth/sdk/host.hpp>

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace plinth::test {

namespace {

// PLINTH_TEST_DB_SOCKET, or the socket of the sandbox folder PLINTH_TEST_DB_DIR that CTest sets.
std::string sandbox_socket() {
    const char *s = std::getenv("PLINTH_TEST_DB_SOCKET");
    if (s != nullptr && *s != '\0') return s;
    const char *dir = std::getenv("PLINTH_TEST_DB_DIR");
    if (dir != nullptr && *dir != '\0') return std::string(dir) + "/mysqld.sock";
    throw std::runtime_error("PLINTH_TEST_DB_DIR is not set: run the suites through ctest "
                             "(the 'database' fixture starts the sandbox)");
}

std::string sanitize(std::string_view suite) {
    std::string out;
    for (char c : suite) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
    return out.substr(0, 30);
}

storage::DbConfig config_for(const std::string &socket, const std::string &database) {
    storage::DbConfig c;
    c.socket = socket;
    c.database = database;
    c.user = "root";
    return c;
}

} // namespace

TestDatabase::TestDatabase(std::string_view suite) : socket_(sandbox_socket()) {
    admin_ = std::make_unique<storage::Connection>(config_for(socket_, "mysql"), &counter_);
    name_ = database_pool::claim(*admin_, sanitize(suite));
    if (database_pool::reset(*admin_, name_)) return;
    admin_->execute_trusted("DROP DATABASE IF EXISTS `" + name_ + "`");
    admin_->execute_trusted("CREATE DATABASE `" + name_ + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
}

// The database stays on the sandbox for the next test of the suite (see database_pool.hpp);
// closing the admin session ends this test's claim on it.
TestDatabase::~TestDatabase() = default;

boost::json::object TestDatabase::config() const {
    return {{"socket", socket_}, {"database", name_}, {"user", "root"}};
}

storage::DbConfig TestDatabase::db_config() const { return config_for(socket_, name_); }

const plinth_host *TestDatabase::db_host(const std::string &module_id) {
    if (!standalone_) standalone_ = std::make_unique<storage::StandaloneDb>(config(), module_id);
    return standalone_->host();
}

storage::Connection &TestDatabase::sql() {
    if (!sql_) sql_ = std::make_unique<storage::Connection>(db_config(), &counter_);
    if (sql_->broken()) sql_->reconnect();
    return *sql_;
}

std::string TestDatabase::dump_all_tables() {
    std::string dump;
    storage::Connection &c = sql();
    storage::Rows tables = c.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name", {name_});
    for (const auto &t : tables) {
        const std::string &table = t.str(0);
        storage::Rows columns = c.query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position",
            {name_, table});
        std::string select = "SELECT ";
        for (size_t i = 0; i < columns.size(); ++i)
            select += (i ? ", `" : "`") + columns[i].str(0) + "`";
        select += " FROM `" + table + "`";
        dump += "## " + table + "\n";
        for (const auto &row : c.query(select)) {
            for (size_t i = 0; i < row.size(); ++i) dump += (i ? "\t" : "") + (row.is_null(i) ? "NULL" : row.str(i));
            dump += "\n";
        }
    }
    return dump;
}

TestHost::TestHost(TestDatabase &db, std::vector<std::string> modules, boost::json::object module_config,
                   const std::vector<std::string> &test_fixtures) {
    state_dir_ = std::string(PLINTH_TEST_STATE_DIR) + "/" + db.name() + "_" +
                 std::to_string(reinterpret_cast<uintptr_t>(this) % 100000);
    // A test that crashed may have left its state (secrets) under the same name: start empty.
    std::error_code ignored;
    std::filesystem::remove_all(state_dir_, ignored);
    std::filesystem::create_directories(state_dir_);
    host::HostOptions o;
    o.module_paths.push_back(PLINTH_TEST_MODULE_DIR);
    o.only_modules = std::move(modules);
    for (const auto &fixture : test_fixtures) {
        o.module_paths.push_back(std::string(PLINTH_TEST_FIXTURE_DIR) + "/plinth_" + fixture + ".so");
        o.only_modules.push_back(fixture);
    }
    o.config = std::move(module_config);
    o.config["database"] = db.config();
    o.state_dir = state_dir_;
    host_ = std::make_unique<host::Host>(std::move(o));
    host_->set_clock([this] { return now_us_.load(); });
    host_->load();
    for (const auto &wanted : host_->options().only_modules) {
        bool loaded = host_->module(wanted) != nullptr;
        if (!loaded) {
            std::string why = "not found in " PLINTH_TEST_MODULE_DIR;
            for (const auto &m : host_->modules())
                if (m.id == wanted) why = m.refusal;
            ADD_FAILURE() << "module '" << wanted << "' did not load: " << why;
        }
    }
}

TestHost::~TestHost() {
    host_.reset();
    std::error_code ec;
    std::filesystem::remove_all(state_dir_, ec);
}

boost::json::value TestHost::call(std::string_view module, std::string_view command, const boost::json::value &args,
                                  const plinth_call_context &caller) {
    return host_->call(module, command, boost::json::serialize(args), caller);
}

int32_t TestHost::call_error(std::string_view module, std::string_view command, std::string_view raw_args,
                             const plinth_call_context &caller, std::string *message) {
    try {
        boost::json::value v = host_->call(module, command, raw_args, caller);
        ADD_FAILURE() << module << " " << command << " " << raw_args << " should have failed but returned "
                      << boost::json::serialize(v);
        return PLINTH_OK;
    } catch (const sdk::Error &e) {
        if (message) *message = e.what();
        return e.status();
    }
}

} // namespace plinth::test
