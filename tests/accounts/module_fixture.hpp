// tests/accounts/module_fixture.hpp — the accounts module as a host loads it, against a real
// database: the fixture the module suites share (registration_test.cpp, sessions_test.cpp,
// personal_data_test.cpp).
#pragma once

#include "support/test_host.hpp"

#include <plinth/ext/session_check.h>
#include <plinth/host/host.hpp>
#include <plinth/sdk/host.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>

namespace plinth::accounts::module_tests {

namespace json = boost::json;
using host::anonymous_caller;
using host::system_caller;
using host::user_caller;

// Small Argon2 parameters unless a test is about them; the throttle frees three failures.
inline json::object small_config(json::object extra = {}) {
    json::object accounts{{"password", {{"argon2", {{"memory_kib", 1024}, {"time_cost", 1}}}}},
                          {"throttle", {{"free_failures", 3}, {"base_delay_s", 10}, {"max_delay_s", 80}}},
                          {"session", {{"idle_timeout_s", 3600}, {"absolute_timeout_s", 86400}}}};
    for (auto &kv : extra) accounts[kv.key()] = kv.value();
    return {{"accounts", accounts}};
}

inline constexpr const char *kPassword = "correct horse battery";
// Hashes made by other systems, as an import brings them (their passwords in the comments).
inline constexpr const char *kBcrypt2y = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"; // rasmuslerdorf
inline constexpr const char *kWordPress = "$wp$2y$10$607XKVrBjPEqujeOXNwbYuOJ.gPMd2TelMMknmeV70Kap1E81Ovo6"; // hashpwn

class AccountsModuleTest : public ::testing::Test {
protected:
    explicit AccountsModuleTest(json::object config = small_config()) : host_(db_, {"accounts"}, std::move(config)) {}

    json::value call(std::string_view command, const json::value &args,
                     const plinth_call_context &caller = anonymous_caller()) {
        return host_.call("accounts", command, args, caller);
    }
    int32_t fails(std::string_view command, std::string_view raw, const plinth_call_context &caller = anonymous_caller(),
                  std::string *message = nullptr) {
        return host_.call_error("accounts", command, raw, caller, message);
    }

    int64_t add_user(const std::string &name, const std::string &password = kPassword, const char *role = nullptr) {
        json::object args{{"email", name + "@example.com"}, {"username", name}, {"first_name", "First"},
                          {"last_name", "Last"}, {"password", password}};
        if (role) args["role"] = role;
        return call("register", args, system_caller()).at("user_id").as_int64();
    }

    std::string login(const std::string &who, const std::string &password = kPassword) {
        return std::string(call("login", {{"login", who}, {"password", password}}).at("token").as_string());
    }

    // The typed fast path, as the host's --token handling uses it.
    int32_t check(const std::string &token, plinth_session_info *info = nullptr) {
        auto *table = host_.host().interface_as<plinth_session_check_v1>("accounts", PLINTH_EXT_SESSION_CHECK);
        EXPECT_NE(table, nullptr);
        plinth_session_info local{};
        local.struct_size = sizeof local;
        plinth_error error = sdk::make_error();
        int32_t rc = table->check(host_.host().module("accounts"), sdk::to_str(token), info ? info : &local, &error);
        if (rc != PLINTH_OK) {
            EXPECT_STREQ(error.message, "session is unknown, revoked or expired");
        }
        return rc;
    }

    int64_t count(const char *table) {
        return db_.sql().query(std::string("SELECT COUNT(*) FROM ") + table).at(0).i64(0);
    }
    std::string stored_hash(int64_t user_id) {
        return db_.sql().query("SELECT password_hash FROM accounts_users WHERE id = ?", {user_id}).at(0).str(0);
    }
    json::array events_of(int64_t user_id) {
        return call("events.list", {{"user_id", user_id}}, system_caller()).at("events").as_array();
    }

    test::TestDatabase db_{"accounts_module"};
    test::TestHost host_;
};

} // namespace plinth::accounts::module_tests
