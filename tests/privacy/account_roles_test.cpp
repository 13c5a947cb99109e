// Privacy learns an account's role through plinth.account-roles/1 of whichever module offers it.
// A test-only provider (test_people_module.cpp) stands in for accounts here: its id is not
// "accounts" and it has no profile command, so these answers can reach privacy only through the
// registry and the typed interface. subject_requests_test.cpp checks the same rule with the real
// accounts module.
#include "privacy_fixture.hpp"

namespace plinth::privacy::test_support {
namespace {

class PrivacyWithTestPeople : public PrivacyIntegration {
protected:
    static constexpr int64_t kAda = 1, kSam = 2, kSid = 3, kCara = 4;

    void SetUp() override {
        REQUIRE_MODULES({"privacy"});
        db_ = std::make_unique<TestDatabase>("privacy");
        host_ = std::make_unique<TestHost>(*db_, std::vector<std::string>{"privacy"}, json::object{},
                                           std::vector<std::string>{"privacy_test_people"});
        deliver_mail(true);
        add(kAda, "ada@example.org", PLINTH_ROLE_ADMIN);
        add(kSam, "sam@example.org", PLINTH_ROLE_STAFF);
        add(kSid, "sid@example.org", PLINTH_ROLE_STAFF);
        add(kCara, "cara@example.org", PLINTH_ROLE_CUSTOMER);
    }

    void add(int64_t user_id, const std::string &email, std::optional<int64_t> role) {
        json::object person{{"user_id", user_id}, {"email", email}};
        if (role) person["role"] = *role;
        call("privacy_test_people", "person.add", person);
    }
    int64_t roles_asked() { return call("privacy_test_people", "roles.asked", json::object{}).as_int64(); }
    json::object erase_request(const std::string &email) { return {{"email", email}, {"kind", "erase"}}; }
};

TEST_F(PrivacyWithTestPeople, StaffAndAdministratorRolesComeThroughTheTypedInterface) {
    std::string message;
    EXPECT_EQ(fails("privacy", "request.create", erase_request("ada@example.org"), staff(kSam), &message),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_NE(message.find("administrator"), std::string::npos) << message;
    EXPECT_EQ(fails("privacy", "request.create", erase_request("sid@example.org"), staff(kSam)),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(roles_asked(), 2);

    // A customer's erasure is staff's to ask for; an administrator may ask for a staff member's.
    auto for_customer = privacy("request.create", erase_request("cara@example.org"), staff(kSam));
    EXPECT_EQ(mailed_token(for_customer.at("request_id").as_int64(), "cara@example.org").size(), 64u);
    auto by_admin = privacy("request.create", erase_request("sid@example.org"), admin(kAda));
    EXPECT_EQ(mailed_token(by_admin.at("request_id").as_int64(), "sid@example.org").size(), 64u);
    EXPECT_EQ(roles_asked(), 4);

    // One's own erasure, and an export of anyone's data, need no role.
    EXPECT_NO_THROW(privacy("request.create", erase_request("sam@example.org"), user(kSam)));
    EXPECT_NO_THROW(privacy("request.create", {{"email", "ada@example.org"}, {"kind", "export"}}, staff(kSam)));
    EXPECT_EQ(roles_asked(), 4);
}

TEST_F(PrivacyWithTestPeople, AnAccountWithoutARoleHasNoneToProtect) {
    // The resolver knows the account but the role question answers not_found, as for an account
    // erased between the two questions: nothing is left to shield.
    add(5, "gone@example.org", std::nullopt);
    auto made = privacy("request.create", erase_request("gone@example.org"), staff(kSam));
    EXPECT_EQ(mailed_token(made.at("request_id").as_int64(), "gone@example.org").size(), 64u);
    EXPECT_EQ(roles_asked(), 1);
}

TEST_F(PrivacyWithTestPeople, ARoleThatCannotBeToldLeavesTheRequestUnmade) {
    std::string message;
    call("privacy_test_people", "roles.fail", {{"on", true}});
    const std::string before = db_->dump_all_tables();
    EXPECT_EQ(fails("privacy", "request.create", erase_request("cara@example.org"), staff(kSam), &message),
              PLINTH_E_UNAVAILABLE);
    EXPECT_NE(message.find("privacy_test_people"), std::string::npos) << message;
    EXPECT_NE(message.find("unreachable"), std::string::npos) << message;
    EXPECT_EQ(db_->dump_all_tables(), before);

    // A role outside the three the header names is a broken answer, never guessed at.
    call("privacy_test_people", "roles.fail", {{"on", false}});
    add(6, "odd@example.org", 7);
    EXPECT_EQ(fails("privacy", "request.create", erase_request("odd@example.org"), staff(kSam), &message),
              PLINTH_E_UNAVAILABLE);
    EXPECT_NE(message.find("unknown role 7"), std::string::npos) << message;
    EXPECT_EQ(db_->dump_all_tables(), before);
}

} // namespace
} // namespace plinth::privacy::test_support
