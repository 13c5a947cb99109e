// plinth-host as an operator uses it: JSON in, JSON out, clear errors, non-zero exits, and a
// refused command changes nothing.
#include "support/test_host.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>

namespace {

struct Result {
    int exit_code = -1;
    std::string out;
    boost::json::value json() const { return boost::json::parse(out); }
};

class Cli : public ::testing::Test {
protected:
    static void SetUpTestSuite() { db_ = new plinth::test::TestDatabase("cli"); }
    static void TearDownTestSuite() { delete db_; }

    void SetUp() override {
        home_ = std::string(PLINTH_TEST_STATE_DIR) + "/cli-" + std::to_string(::getpid());
        std::filesystem::create_directories(home_);
        boost::json::object config{
            {"modules", {{"paths", {std::string(PLINTH_TEST_FIXTURE_DIR) + "/plinth_counter.so",
                                    std::string(PLINTH_TEST_MODULE_DIR) + "/plinth_example_c.so",
                                    std::string(PLINTH_TEST_MODULE_DIR) + "/plinth_accounts.so"}}}},
            {"counter", {{"greeting", "from file"}, {"limit", 3}}},
            {"accounts", {{"password", {{"argon2", {{"memory_kib", 1024}, {"time_cost", 1}}}}}}}};
        std::ofstream(home_ + "/plinth.json") << boost::json::serialize(config);
    }
    void TearDown() override { std::filesystem::remove_all(home_); }

    // Runs plinth-host with `args` (already shell-quoted) and optional stdin text.
    Result run(const std::string &args, const std::string &env = "") {
        std::string command = "env -u PLINTH_MODULE_DIR PLINTH_HOME='" + home_ + "' PLINTH_DB_SOCKET='" + db_->socket() +
                              "' PLINTH_DB_NAME='" + db_->name() + "' " + env + " " PLINTH_HOST_BINARY " " + args +
                              " 2>/dev/null";
        Result r;
        FILE *pipe = popen(command.c_str(), "r");
        std::array<char, 4096> buffer{};
        size_t n;
        while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.out.append(buffer.data(), n);
        int status = pclose(pipe);
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return r;
    }

    void expect_error(const Result &r, const std::string &code, const std::string &fragment) {
        EXPECT_NE(r.exit_code, 0) << r.out;
        auto v = r.json();
        ASSERT_TRUE(v.is_object() && v.as_object().contains("error")) << r.out;
        EXPECT_EQ(v.at("error").at("code").as_string(), code) << r.out;
        EXPECT_NE(std::string(v.at("error").at("message").as_string()).find(fragment), std::string::npos) << r.out;
    }

    int64_t counter(const std::string &name) {
        auto rows = db_->sql().query("SELECT value FROM counters WHERE name = ?", {name});
        return rows.empty() ? -1 : rows[0].i64(0);
    }

    static plinth::test::TestDatabase *db_;
    std::string home_;
};

plinth::test::TestDatabase *Cli::db_ = nullptr;

TEST_F(Cli, ModulesJsonListsTheCModuleWithItsInterface) {
    Result r = run("modules --json");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    bool found = false;
    boost::json::value list = r.json();
    for (const auto &m : list.as_array()) {
        if (m.at("id").as_string() != "example_c") continue;
        found = true;
        EXPECT_TRUE(m.at("loaded").as_bool());
        EXPECT_EQ(m.at("abi").as_string(), "1.1");
        EXPECT_EQ(m.at("interfaces").as_array().at(0).as_string(), "plinth.command/1");
    }
    EXPECT_TRUE(found) << r.out;
}

TEST_F(Cli, CallRunsACommandOfTheCModule) {
    Result r = run("call example_c add '{\"a\": 40, \"b\": 2}'");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(r.json().at("sum").as_int64(), 42);
}

TEST_F(Cli, ArgumentsFromFileAndStdin) {
    std::ofstream(home_ + "/args.json") << R"({"name":"from-file","by":5})";
    EXPECT_EQ(run("call counter add @" + home_ + "/args.json").exit_code, 0);
    Result r = run("call counter add - < " + home_ + "/args.json");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(r.json().at("value").as_int64(), 10);
}

TEST_F(Cli, MalformedJsonIsRefusedAndChangesNothing) {
    ASSERT_EQ(run("call counter add '{\"name\":\"m\",\"by\":2}'").exit_code, 0);
    expect_error(run("call counter add '{\"name\":\"m\",\"by\":'"), "invalid_argument", "not valid JSON");
    expect_error(run("call counter add '[1,2]'"), "invalid_argument", "JSON object");
    EXPECT_EQ(counter("m"), 2);
}

TEST_F(Cli, UnknownModuleAndUnknownCommandAreClearErrors) {
    expect_error(run("call nosuch add '{}'"), "not_found", "nosuch");
    expect_error(run("call counter explode '{}'"), "unsupported", "explode");
}

TEST_F(Cli, WrongArgumentTypesAreRefusedAndChangeNothing) {
    ASSERT_EQ(run("call counter add '{\"name\":\"w\",\"by\":1}'").exit_code, 0);
    expect_error(run("call counter add '{\"name\":\"w\",\"by\":\"3\"}'"), "invalid_argument", "'by'");
    expect_error(run("call counter add '{\"name\":7,\"by\":3}'"), "invalid_argument", "'name'");
    expect_error(run("call counter add '{\"name\":\"w\",\"by\":5000}'"), "invalid_argument", "between");
    expect_error(run("call counter add '{\"name\":\"w\",\"by\":1,\"extra\":true}'"), "invalid_argument", "extra");
    expect_error(run("call counter add '{\"name\":\"w\"}'"), "invalid_argument", "missing");
    EXPECT_EQ(counter("w"), 1);
}

TEST_F(Cli, InvalidUtf8IsRefused) {
    std::ofstream(home_ + "/bad.json", std::ios::binary) << "{\"name\":\"\xC3\x28\",\"by\":1}";
    expect_error(run("call counter add @" + home_ + "/bad.json"), "invalid_argument", "not valid JSON");
}

TEST_F(Cli, InjectionStringsAreJustData) {
    Result r = run("call counter add '{\"name\":\"x\\u0027; DROP TABLE counters; --\",\"by\":1}'");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(counter("x'; DROP TABLE counters; --"), 1);
}

TEST_F(Cli, CallerComesFromTheHostNeverFromTheBody) {
    Result system = run("call counter whoami");
    EXPECT_EQ(system.json().at("principal").as_int64(), PLINTH_PRINCIPAL_SYSTEM);
    Result staff = run("call counter whoami --as 7 --role staff");
    EXPECT_EQ(staff.json().at("principal").as_int64(), PLINTH_PRINCIPAL_USER);
    EXPECT_EQ(staff.json().at("user_id").as_int64(), 7);
    EXPECT_EQ(staff.json().at("role").as_int64(), PLINTH_ROLE_STAFF);
    expect_error(run("call counter whoami '{\"user_id\":1}'"), "invalid_argument", "user_id");
    expect_error(run("call counter config --as 7"), "permission_denied", "host only");
}

TEST_F(Cli, TokenIsResolvedThroughTheSessionCheckInterface) {
    Result reg = run("call accounts register '{\"email\":\"tok@example.com\",\"username\":\"tok\","
                     "\"first_name\":\"T\",\"password\":\"a long passphrase\"}'");
    ASSERT_EQ(reg.exit_code, 0) << reg.out;
    int64_t id = reg.json().at("user_id").as_int64();
    Result login = run("call accounts login '{\"login\":\"tok\",\"password\":\"a long passphrase\"}'");
    ASSERT_EQ(login.exit_code, 0) << login.out;
    std::string token(login.json().at("token").as_string());
    Result who = run("call counter whoami --token '" + token + "'");
    ASSERT_EQ(who.exit_code, 0) << who.out;
    EXPECT_EQ(who.json().at("principal").as_int64(), PLINTH_PRINCIPAL_USER);
    EXPECT_EQ(who.json().at("user_id").as_int64(), id);
    EXPECT_EQ(who.json().at("role").as_int64(), PLINTH_ROLE_CUSTOMER);
    expect_error(run("call counter whoami --token 'not-a-token'"), "unauthenticated", "");
}

TEST_F(Cli, MigrateTwiceChangesNothing) {
    Result first = run("migrate");
    ASSERT_EQ(first.exit_code, 0) << first.out;
    Result second = run("migrate");
    ASSERT_EQ(second.exit_code, 0) << second.out;
    boost::json::value report_json = second.json();
    for (const auto &report : report_json.at("migrations").as_array())
        EXPECT_TRUE(report.at("applied").as_array().empty()) << second.out;
}

TEST_F(Cli, EnvironmentOverridesTheConfigFile) {
    Result r = run("call counter config");
    EXPECT_EQ(r.json().at("greeting").as_string(), "from file");
    Result over = run("call counter config", "PLINTH__counter__greeting=from-env PLINTH__counter__limit=9");
    ASSERT_EQ(over.exit_code, 0) << over.out;
    EXPECT_EQ(over.json().at("greeting").as_string(), "from-env");
    EXPECT_EQ(over.json().at("limit").as_int64(), 9);
}

TEST_F(Cli, SecretsAreGeneratedOnceWithOwnerOnlyPermissions) {
    Result first = run("call counter secret '{\"name\":\"signing\"}'");
    ASSERT_EQ(first.exit_code, 0) << first.out;
    Result again = run("call counter secret '{\"name\":\"signing\"}'");
    EXPECT_EQ(first.out, again.out);
    struct stat st {};
    ASSERT_EQ(::stat((home_ + "/secrets/counter/signing.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600);
    EXPECT_EQ(st.st_size, 32);
    expect_error(run("call counter secret '{\"name\":\"../escape\"}'"), "invalid_argument", "secret names");
    ::chmod((home_ + "/secrets/counter/signing.key").c_str(), 0644);
    expect_error(run("call counter secret '{\"name\":\"signing\"}'"), "permission_denied", "chmod 600");
}

} // namespace
