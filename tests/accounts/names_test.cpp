// First and last names as the accounts module takes them, through a real host and database: a
// name that would display as something else (bidirectional overrides, control characters) is
// refused in every command that writes one, names the field, and changes nothing.
#include "support/test_host.hpp"

#include <plinth/host/host.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace plinth::accounts {
namespace {

namespace json = boost::json;
using host::system_caller;
using host::user_caller;

class AccountNamesTest : public ::testing::Test {
protected:
    AccountNamesTest()
        : host_(db_, {"accounts"},
                json::object{{"accounts", {{"password", {{"argon2", {{"memory_kib", 1024}, {"time_cost", 1}}}}}}}}) {}

    int32_t fails(std::string_view command, const json::object &args, const plinth_call_context &caller,
                  std::string *message) {
        return host_.call_error("accounts", command, json::serialize(args), caller, message);
    }

    test::TestDatabase db_{"accounts_names"};
    test::TestHost host_;
};

TEST_F(AccountNamesTest, BidiOverridesAndControlsInNamesAreRefusedEverywhereAndChangeNothing) {
    json::value ada = host_.call("accounts", "register",
                                 {{"email", "ada@example.com"}, {"username", "ada"}, {"first_name", "Ada"},
                                  {"password", "correct horse battery"}},
                                 system_caller());
    int64_t id = ada.at("user_id").as_int64();
    auto as_ada = user_caller(id, PLINTH_ROLE_CUSTOMER);
    auto person = [](std::string first, std::string last) {
        return json::object{{"email", "eve@example.com"}, {"username", "eve1"}, {"first_name", first},
                            {"last_name", last}, {"password", "correct horse battery"}};
    };
    const std::string rlo = "\u202E", fsi = "\u2068", csi = "\xC2\x9B", esc = "\x1B";

    struct Case {
        std::string command;
        json::object args;
        plinth_call_context caller;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"register", person("Eve" + rlo + "gnp.exe", "L"), system_caller(), "first_name must not contain bidirectional"},
        {"register", person("Eve", "Smith" + fsi), system_caller(), "last_name must not contain bidirectional"},
        {"register", person("Eve" + csi + "31m", "L"), system_caller(), "first_name must not contain control"},
        {"register", person("Eve", esc + "[2J"), system_caller(), "last_name must not contain control"},
        {"profile.update", {{"first_name", "Ada" + rlo}}, as_ada, "first_name must not contain bidirectional"},
        {"profile.update", {{"last_name", "L" + csi}}, as_ada, "last_name must not contain control"},
        {"import.users",
         {{"users", json::array{json::object{{"email", "imp@example.com"}, {"username", "imp"},
                                             {"first_name", "Imp" + rlo}, {"password_hash",
                                              "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"}}}}},
         user_caller(id, PLINTH_ROLE_ADMIN), "first_name must not contain bidirectional"},
    };
    std::string before = db_.dump_all_tables();
    for (const Case &c : cases) {
        std::string message;
        EXPECT_EQ(fails(c.command, c.args, c.caller, &message), PLINTH_E_INVALID_ARGUMENT) << c.says;
        EXPECT_NE(message.find(c.says), std::string::npos) << message;
    }
    EXPECT_EQ(db_.dump_all_tables(), before);

    // Right-to-left names, with the implicit marks they may carry, are names like any other.
    json::value p = host_.call("accounts", "profile.update",
                               {{"first_name", "\u05E2\u05D3\u05D4\u200F"}, {"last_name", "\u0644\u0627\u0641\u0644\u064A\u0633"}},
                               as_ada);
    EXPECT_EQ(p.at("first_name"), "\u05E2\u05D3\u05D4\u200F");
}

} // namespace
} // namespace plinth::accounts
