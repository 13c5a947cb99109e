// The accounts module through the host: registration, bad input, profile changes and roles,
// who may manage whom, password hashes (parameters and imports), concurrent registrations.
#include "module_fixture.hpp"

#include <atomic>
#include <thread>

namespace plinth::accounts::module_tests {
namespace {

// ---- registration and profile

TEST_F(AccountsModuleTest, RegistersAndShowsTheProfile) {
    json::value r = call("register", {{"email", "  Ada.Lovelace@Example.com "},
                                      {"username", "Ada"},
                                      {"first_name", "Ada"},
                                      {"last_name", "King, Countess of Lovelace"},
                                      {"password", kPassword}});
    int64_t id = r.at("user_id").as_int64();
    EXPECT_EQ(r.at("email"), "Ada.Lovelace@Example.com");
    EXPECT_EQ(r.at("role"), "customer");
    EXPECT_TRUE(r.at("gravatar_url").is_null());
    json::value p = call("profile.get", json::object{}, user_caller(id, PLINTH_ROLE_CUSTOMER));
    EXPECT_EQ(p.at("username"), "Ada");
    EXPECT_EQ(p.at("last_name"), "King, Countess of Lovelace");
    EXPECT_EQ(p.at("previous_emails").as_array().size(), 0u);
    EXPECT_TRUE(stored_hash(id).starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
}

TEST_F(AccountsModuleTest, EmailAndUsernameAreUniqueWhateverTheirCase) {
    add_user("ada");
    std::string message;
    EXPECT_EQ(fails("register", R"({"email":" ADA@example.COM","username":"other","first_name":"A","password":"correct horse battery"})",
                    anonymous_caller(), &message),
              PLINTH_E_CONFLICT);
    EXPECT_EQ(message, "email is already registered");
    EXPECT_EQ(fails("register", R"({"email":"new@example.com","username":"ADA","first_name":"A","password":"correct horse battery"})",
                    anonymous_caller(), &message),
              PLINTH_E_CONFLICT);
    EXPECT_EQ(message, "username is already taken");
    EXPECT_EQ(count("accounts_users"), 1);
}

TEST_F(AccountsModuleTest, OnlyAdministratorsChooseARole) {
    EXPECT_EQ(fails("register", R"({"email":"m@example.com","username":"mallory","first_name":"M","password":"correct horse battery","role":"admin"})"),
              PLINTH_E_PERMISSION_DENIED);
    int64_t staff = add_user("grace", kPassword, "staff");
    EXPECT_EQ(call("profile.get", {{"user_id", staff}}, system_caller()).at("role"), "staff");
}

// ---- bad input changes nothing

TEST_F(AccountsModuleTest, BadInputGetsAClearErrorAndChangesNothing) {
    add_user("ada");
    std::string before = db_.dump_all_tables();
    std::string longest_password(257, 'p');
    struct Case {
        const char *command;
        std::string args;
        int32_t status;
        const char *says;
    } cases[] = {
        {"register", R"({"email":"not-an-email","username":"bob","first_name":"B","password":"correct horse battery"})",
         PLINTH_E_INVALID_ARGUMENT, "email must contain exactly one '@'"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":"B","password":"short"})",
         PLINTH_E_INVALID_ARGUMENT, "password must be 8 to 256 characters"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":"B","password":")" + longest_password + "\"}",
         PLINTH_E_INVALID_ARGUMENT, "password must be 8 to 256 characters"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":"B","password":""})",
         PLINTH_E_INVALID_ARGUMENT, "must not be empty"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":"B","password":"bob@example.com"})",
         PLINTH_E_INVALID_ARGUMENT, "must not be the same as the username or email"},
        {"register", "{\"email\":\"bob@example.com\",\"username\":\"bob\",\"first_name\":\"B\xC3\x28\",\"password\":\"correct horse battery\"}",
         PLINTH_E_INVALID_ARGUMENT, "not valid JSON"},
        {"register", R"({"email":"bob@example.com","username":"b o b","first_name":"B","password":"correct horse battery"})",
         PLINTH_E_INVALID_ARGUMENT, "username must be 3 to 32 characters"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":"B\u0000","password":"correct horse battery"})",
         PLINTH_E_INVALID_ARGUMENT, "first_name must not contain control characters"},
        {"register", R"({"email":5,"username":"bob","first_name":"B","password":"correct horse battery"})",
         PLINTH_E_INVALID_ARGUMENT, "argument 'email' must be a string"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":["B"],"password":"correct horse battery"})",
         PLINTH_E_INVALID_ARGUMENT, "argument 'first_name' must be a string"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":"B","password":true})",
         PLINTH_E_INVALID_ARGUMENT, "argument 'password' must be a string"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":"B","password":"correct horse battery","admin":true})",
         PLINTH_E_INVALID_ARGUMENT, "unknown argument 'admin'"},
        {"register", R"(["bob@example.com"])", PLINTH_E_INVALID_ARGUMENT, "must be a JSON object"},
        {"register", R"({"email":"bob@example.com",)", PLINTH_E_INVALID_ARGUMENT, "not valid JSON"},
        {"login", R"({"login":"ada","password":""})", PLINTH_E_INVALID_ARGUMENT, "must not be empty"},
        {"login", R"({"login":"ada","password":")" + std::string(1100, 'x') + "\"}", PLINTH_E_INVALID_ARGUMENT,
         "at most 1024 bytes"},
        {"login", R"({"login":"ada"})", PLINTH_E_INVALID_ARGUMENT, "missing argument 'password'"},
        {"login", R"({"login":{"$ne":null},"password":"x"})", PLINTH_E_INVALID_ARGUMENT, "must be a string"},
        {"session.check", R"({"token":"' OR '1'='1"})", PLINTH_E_UNAUTHENTICATED, "session is unknown"},
        {"logout", R"({"token":12})", PLINTH_E_INVALID_ARGUMENT, "must be a string"},
        {"import.users", R"({"users":[{"email":"x@example.com","username":"xx1","first_name":"X","password_hash":"$P$B123"}]})",
         PLINTH_E_PERMISSION_DENIED, "administrators only"},
        {"users.search", R"({"query":"a"})", PLINTH_E_PERMISSION_DENIED, "staff only"},
        {"subject.resolve", R"({"email":"ada@example.com"})", PLINTH_E_PERMISSION_DENIED, "host only"},
        {"no.such.command", "{}", PLINTH_E_UNSUPPORTED, "unknown command"},
    };
    for (const auto &c : cases) {
        std::string message;
        EXPECT_EQ(fails(c.command, c.args, anonymous_caller(), &message), c.status) << c.command << " " << c.args;
        EXPECT_NE(message.find(c.says), std::string::npos) << c.args << " -> " << message;
    }
    EXPECT_EQ(db_.dump_all_tables(), before);
}

TEST_F(AccountsModuleTest, SqlMetacharactersAreDataOrRefusedInEveryField) {
    const std::string evil = "'; DROP TABLE accounts_users; --";
    // Names and passwords may hold anything printable: they are stored and read back verbatim.
    json::value r = call("register", {{"email", "o'brien+x@example.com"},
                                      {"username", "o.brien_1"},
                                      {"first_name", "Robert'); DROP TABLE accounts_users;--"},
                                      {"last_name", evil + " \\ % _ \" `"},
                                      {"password", evil}});
    int64_t id = r.at("user_id").as_int64();
    json::value p = call("profile.get", {{"user_id", id}}, system_caller());
    EXPECT_EQ(p.at("first_name"), "Robert'); DROP TABLE accounts_users;--");
    EXPECT_EQ(p.at("last_name").as_string(), evil + " \\ % _ \" `");
    EXPECT_EQ(p.at("email"), "o'brien+x@example.com");
    EXPECT_NO_THROW(login("o'brien+x@example.com", evil));
    // Identifiers refuse them with their rules, before any statement runs.
    std::string before = db_.dump_all_tables();
    for (const char *field : {"email", "username"}) {
        json::object args{{"email", "z@example.com"}, {"username", "zed"}, {"first_name", "Z"}, {"password", kPassword}};
        args[field] = evil;
        EXPECT_EQ(fails("register", json::serialize(args)), PLINTH_E_INVALID_ARGUMENT) << field;
    }
    // Login and search treat them as plain text.
    EXPECT_EQ(fails("login", json::serialize(json::object{{"login", evil}, {"password", evil}})), PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(fails("login", json::serialize(json::object{{"login", "x' OR '1'='1"}, {"password", evil}})),
              PLINTH_E_UNAUTHENTICATED);
    json::value found = call("users.search", {{"query", "%"}}, system_caller());
    EXPECT_EQ(found.at("users").as_array().size(), 1u); // the literal '%' in the last name, not "everything"
    EXPECT_EQ(call("users.search", {{"query", "_"}}, system_caller()).at("users").as_array().size(), 1u);
    EXPECT_EQ(call("users.search", {{"query", "zz%"}}, system_caller()).at("users").as_array().size(), 0u);
    // Counters for the unknown logins above are the only change.
    EXPECT_EQ(count("accounts_users"), 1);
    (void)before;
}

TEST_F(AccountsModuleTest, ProfileUpdateAndRoles) {
    int64_t ada = add_user("ada");
    int64_t bob = add_user("bob");
    int64_t admin = add_user("root1", kPassword, "admin");
    auto as_ada = user_caller(ada, PLINTH_ROLE_CUSTOMER);
    json::value p = call("profile.update", {{"first_name", "Augusta Ada"}, {"last_name", ""}, {"username", "AdaL"}}, as_ada);
    EXPECT_EQ(p.at("first_name"), "Augusta Ada");
    EXPECT_EQ(p.at("last_name"), "");
    EXPECT_EQ(p.at("username"), "AdaL");
    EXPECT_NO_THROW(login("adal"));
    EXPECT_EQ(fails("profile.update", R"({"username":"BOB"})", as_ada), PLINTH_E_CONFLICT);
    EXPECT_EQ(fails("profile.update", "{}", as_ada), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("profile.update", json::serialize(json::object{{"user_id", bob}, {"first_name", "Mallory"}}), as_ada),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("profile.get", json::serialize(json::object{{"user_id", bob}}), as_ada), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("profile.get", "{}", anonymous_caller()), PLINTH_E_UNAUTHENTICATED);

    // Roles: admins only, never their own; the cached session sees the new role at once.
    std::string bobs = login("bob");
    EXPECT_EQ(fails("role.set", json::serialize(json::object{{"user_id", bob}, {"role", "admin"}}),
                    user_caller(bob, PLINTH_ROLE_STAFF)),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("role.set", json::serialize(json::object{{"user_id", admin}, {"role", "customer"}}),
                    user_caller(admin, PLINTH_ROLE_ADMIN)),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("role.set", json::serialize(json::object{{"user_id", bob}, {"role", "owner"}}),
                    user_caller(admin, PLINTH_ROLE_ADMIN)),
              PLINTH_E_INVALID_ARGUMENT);
    plinth_session_info info{};
    info.struct_size = sizeof info;
    ASSERT_EQ(check(bobs, &info), PLINTH_OK);
    EXPECT_EQ(info.role, PLINTH_ROLE_CUSTOMER);
    call("role.set", {{"user_id", bob}, {"role", "staff"}}, user_caller(admin, PLINTH_ROLE_ADMIN));
    ASSERT_EQ(check(bobs, &info), PLINTH_OK);
    EXPECT_EQ(info.role, PLINTH_ROLE_STAFF);

    // Staff search.
    auto staff = user_caller(bob, PLINTH_ROLE_STAFF);
    EXPECT_EQ(call("users.search", {{"query", "ADA"}}, staff).at("users").as_array().size(), 1u);
    EXPECT_EQ(call("users.search", {{"query", "augusta"}}, staff).at("users").as_array().size(), 1u);
    EXPECT_EQ(call("users.search", {{"role", "admin"}}, staff).at("users").as_array().size(), 1u);
    EXPECT_EQ(call("users.search", json::object{}, staff).at("users").as_array().size(), 3u);
    EXPECT_EQ(call("users.search", {{"limit", 2}, {"offset", 2}}, staff).at("users").as_array().size(), 1u);
    EXPECT_EQ(fails("users.search", R"({"limit":1000})", staff), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("users.search", "{}", as_ada), PLINTH_E_PERMISSION_DENIED);
}

TEST_F(AccountsModuleTest, StaffManageCustomersButNotAdministrators) {
    int64_t admin = add_user("root2", kPassword, "admin");
    int64_t staffer = add_user("stella", kPassword, "staff");
    int64_t customer = add_user("carl");
    auto as_staff = user_caller(staffer, PLINTH_ROLE_STAFF);
    std::string before = db_.dump_all_tables();
    EXPECT_EQ(fails("profile.update", json::serialize(json::object{{"user_id", admin}, {"first_name", "Eve"}}), as_staff),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("email.change", json::serialize(json::object{{"user_id", admin}, {"email", "eve@example.com"}}),
                    as_staff),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("gravatar.opt_in", json::serialize(json::object{{"user_id", admin}}), as_staff),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(db_.dump_all_tables(), before); // refused, and nothing changed
    EXPECT_EQ(call("profile.update", {{"user_id", customer}, {"first_name", "Carla"}}, as_staff).at("first_name").as_string(),
              "Carla");
    EXPECT_EQ(call("profile.update", {{"user_id", admin}, {"first_name", "Root"}}, user_caller(admin, PLINTH_ROLE_ADMIN))
                  .at("first_name")
                  .as_string(),
              "Root");
}

// ---- password hashes: parameters and imports

TEST(AccountsRehash, ChangedParametersRehashAtTheNextLogin) {
    test::TestDatabase db("accounts_rehash");
    int64_t id = 0;
    {
        test::TestHost h(db, {"accounts"}, small_config());
        id = h.call("accounts", "register",
                    {{"email", "ada@example.com"}, {"username", "ada"}, {"first_name", "Ada"}, {"password", kPassword}},
                    anonymous_caller())
                 .at("user_id").as_int64();
    }
    auto hash = [&] {
        return db.sql().query("SELECT password_hash FROM accounts_users WHERE id = ?", {id}).at(0).str(0);
    };
    std::string old = hash();
    EXPECT_TRUE(old.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
    test::TestHost h(db, {"accounts"}, small_config({{"password", {{"argon2", {{"memory_kib", 2048}, {"time_cost", 2}}}}}}));
    // A failed login changes nothing.
    EXPECT_EQ(h.call_error("accounts", "login", R"({"login":"ada","password":"wrong password"})", anonymous_caller()),
              PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(hash(), old);
    h.call("accounts", "login", {{"login", "ada"}, {"password", kPassword}}, anonymous_caller());
    EXPECT_TRUE(hash().starts_with("$argon2id$v=19$m=2048,t=2,p=1$")) << hash();
    std::string upgraded = hash();
    h.call("accounts", "login", {{"login", "ada"}, {"password", kPassword}}, anonymous_caller());
    EXPECT_EQ(hash(), upgraded); // no further rehash once it matches
    EXPECT_EQ(db.sql().query("SELECT COUNT(*) FROM accounts_users WHERE password_changed_at = created_at").at(0).i64(0), 1)
        << "a rehash is not a password change";
}


TEST_F(AccountsModuleTest, ImportedBcryptAndWordPressHashesVerifyAndAreUpgraded) {
    json::value r = call("import.users",
                         {{"users",
                           {{{"email", "rasmus@example.com"}, {"username", "rasmus"}, {"first_name", "Rasmus"},
                             {"password_hash", kBcrypt2y}, {"created_at", 1700000000}},
                            {{"email", "wp@example.com"}, {"username", "wpuser"}, {"first_name", "Word"},
                             {"last_name", "Press"}, {"role", "staff"}, {"password_hash", kWordPress}}}}},
                         system_caller());
    ASSERT_EQ(r.at("imported").to_number<int64_t>(), 2);
    int64_t rasmus = r.at("user_ids").as_array()[0].as_int64();
    int64_t wp = r.at("user_ids").as_array()[1].as_int64();
    EXPECT_EQ(stored_hash(rasmus), kBcrypt2y);

    EXPECT_EQ(fails("login", R"({"login":"rasmus","password":"rasmuslerdorF"})"), PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(stored_hash(rasmus), kBcrypt2y);
    json::value l = call("login", {{"login", "rasmus"}, {"password", "rasmuslerdorf"}});
    EXPECT_TRUE(stored_hash(rasmus).starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
    EXPECT_EQ(check(std::string(l.at("token").as_string())), PLINTH_OK);
    EXPECT_NO_THROW(login("rasmus", "rasmuslerdorf")); // the new hash verifies too

    json::value w = call("login", {{"login", "wp@example.com"}, {"password", "hashpwn"}});
    EXPECT_EQ(w.at("role"), "staff");
    EXPECT_TRUE(stored_hash(wp).starts_with("$argon2id$"));
    EXPECT_EQ(fails("login", R"({"login":"wpuser","password":"hashpwN"})"), PLINTH_E_UNAUTHENTICATED);
    EXPECT_NO_THROW(login("wpuser", "hashpwn"));
    EXPECT_EQ(call("profile.get", {{"user_id", rasmus}}, system_caller()).at("created_at").as_int64(), 1700000000);
}

TEST_F(AccountsModuleTest, ImportIsAllOrNothing) {
    add_user("ada");
    std::string before = db_.dump_all_tables();
    std::string message;
    auto batch = [](const std::string &second_hash, const std::string &second_email) {
        return json::serialize(json::object{
            {"users",
             {{{"email", "one@example.com"}, {"username", "one"}, {"first_name", "One"}, {"password_hash", kBcrypt2y}},
              {{"email", second_email}, {"username", "two"}, {"first_name", "Two"}, {"password_hash", second_hash}}}}});
    };
    EXPECT_EQ(fails("import.users", batch("$P$BPDvVcnh1D5hLg9dd3sMcsFaFEl7FN/", "two@example.com"), system_caller(), &message),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_NE(message.find("users[1]: password_hash must be"), std::string::npos) << message;
    EXPECT_EQ(fails("import.users", batch(kWordPress, "ADA@example.com"), system_caller(), &message), PLINTH_E_CONFLICT);
    EXPECT_EQ(message, "users[1]: email is already registered");
    EXPECT_EQ(fails("import.users", batch(kWordPress, "ONE@example.com"), system_caller(), &message), PLINTH_E_CONFLICT);
    EXPECT_EQ(fails("import.users", R"({"users":[{"email":"x@example.com","username":"xyz","first_name":"X","password_hash":"$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a","password":"plain"}]})",
                    system_caller(), &message),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(message, "users[0]: unknown argument 'password'");
    EXPECT_EQ(fails("import.users", R"({"users":{}})", system_caller()), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("import.users", R"({"users":[7]})", system_caller()), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(db_.dump_all_tables(), before);
}

TEST_F(AccountsModuleTest, ConcurrentRegistrationsThroughTheHost) {
    std::atomic<int> ok{0}, conflict{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 6; ++i)
        threads.emplace_back([&, i] {
            json::object args{{"email", "race@example.com"}, {"username", "racer" + std::to_string(i)},
                              {"first_name", "R"}, {"password", kPassword}};
            try {
                host_.host().call("accounts", "register", json::serialize(args), anonymous_caller());
                ++ok;
            } catch (const sdk::Error &e) {
                if (e.status() == PLINTH_E_CONFLICT) ++conflict;
            }
        });
    for (auto &t : threads) t.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(conflict.load(), 5);
    EXPECT_EQ(count("accounts_users"), 1);
}

} // namespace
} // namespace plinth::accounts::module_tests
