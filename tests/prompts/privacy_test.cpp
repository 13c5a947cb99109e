// Objection and restriction recorded in the real privacy module stop prompt recording.
//
// Skipped until plinth_privacy.so (and plinth_accounts.so, through which privacy resolves an
// email to the account that prompts are linked to) are built. Assumed commands, run as the host:
//   accounts  register          {"email","username","first_name","last_name","password"}
//   privacy   consent.object    {"email","purpose"}
//   privacy   consent.restrict  {"email"}
//   privacy   consent.lift_restriction {"email"}   (staff)
//   privacy   inventory         {"format":"json"}   (staff)
//   privacy   erase.run         {"email"}           (system)
#include "fixture.hpp"

namespace plinth::prompts::testing {
namespace {

bool built(const char *module) {
    return std::filesystem::exists(std::filesystem::path(PLINTH_TEST_MODULE_DIR) / (std::string("plinth_") + module + ".so"));
}

int64_t id_from(const value &v) {
    for (const char *key : {"user_id", "id"})
        if (const value *id = v.as_object().if_contains(key); id && id->is_int64()) return id->as_int64();
    if (const value *user = v.as_object().if_contains("user"); user && user->is_object())
        return id_from(*user);
    ADD_FAILURE() << "no user id in " << v;
    return 0;
}

class PromptsWithPrivacy : public ::testing::Test {
protected:
    void SetUp() override {
        if (!built("privacy") || !built("accounts"))
            GTEST_SKIP() << "plinth_privacy.so or plinth_accounts.so is not built yet";
        db_ = std::make_unique<test::TestDatabase>("prompts_privacy");
        host_ = std::make_unique<test::TestHost>(*db_, std::vector<std::string>{"accounts", "privacy", "prompts"});
        ASSERT_NE(host_->host().module("privacy"), nullptr);
    }

    int64_t register_user(const std::string &name) {
        return id_from(host_->call("accounts", "register",
                                   object{{"email", name + "@example.com"},
                                          {"username", name},
                                          {"first_name", "Test"},
                                          {"last_name", "User"},
                                          {"password", "correct horse battery staple"}},
                                   system()));
    }
    value record(int64_t user_id, const std::string &text) {
        return host_->call("prompts", "prompt.record", prompt_args(text), customer(user_id));
    }

    std::unique_ptr<test::TestDatabase> db_;
    std::unique_ptr<test::TestHost> host_;
};

TEST_F(PromptsWithPrivacy, ObjectionAndRestrictionStopRecording) {
    const int64_t objector = register_user("objector");
    const int64_t restricted = register_user("restricted");
    const int64_t other = register_user("other");
    ASSERT_EQ(record(objector, "before objecting").at("stored"), true);

    host_->call("privacy", "consent.object",
                object{{"email", "objector@example.com"}, {"purpose", "ai-prompt-analysis"}}, system());
    host_->call("privacy", "consent.restrict", object{{"email", "restricted@example.com"}}, system());

    const int64_t rows = count_rows(*db_, "prompts_log");
    const int64_t daily = db_->sql().query("SELECT COALESCE(SUM(prompt_count), 0) FROM prompts_daily").at(0).i64(0);
    value r = record(objector, "after objecting");
    EXPECT_EQ(r.at("stored"), false) << r;
    EXPECT_TRUE(r.as_object().contains("reason"));
    EXPECT_EQ(record(restricted, "while restricted").at("stored"), false);
    EXPECT_EQ(count_rows(*db_, "prompts_log"), rows);
    EXPECT_EQ(db_->sql().query("SELECT COALESCE(SUM(prompt_count), 0) FROM prompts_daily").at(0).i64(0), daily);
    EXPECT_EQ(db_->dump_all_tables().find("after objecting"), std::string::npos);

    EXPECT_EQ(record(other, "nobody objected").at("stored"), true);

    // Privacy told prompts (plinth.consent-listener/1): the objector's earlier prompt is out of
    // staff analysis, yet still theirs to see.
    EXPECT_TRUE(host_->call("prompts", "prompt.search", object{{"user_id", objector}}, staff())
                    .at("prompts").as_array().empty());
    EXPECT_EQ(host_->call("prompts", "prompt.list", object{}, customer(objector)).at("prompts").as_array().size(), 1u);

    // Once staff lift the restriction, recording resumes.
    host_->call("privacy", "consent.lift_restriction", object{{"email", "restricted@example.com"}}, staff());
    EXPECT_EQ(record(restricted, "after the restriction").at("stored"), true);
}

TEST_F(PromptsWithPrivacy, PrivacyFindsPromptsThroughTheRegistryAlone) {
    // The register of processing lists the category prompts declares.
    const std::string inventory =
        boost::json::serialize(host_->call("privacy", "inventory", object{{"format", "json"}}, staff()));
    EXPECT_NE(inventory.find("AI prompts"), std::string::npos) << inventory;
    EXPECT_NE(inventory.find("analysed as a collection to improve the service"), std::string::npos);
    EXPECT_NE(inventory.find("legitimate interest (Art. 6(1)(f))"), std::string::npos);

    // Erasing a person through privacy erases their prompts and keeps the statistics.
    const int64_t leaving = register_user("leaving");
    const int64_t staying = register_user("staying");
    ASSERT_EQ(record(leaving, "a prompt that must go").at("stored"), true);
    ASSERT_EQ(record(staying, "a prompt that stays").at("stored"), true);
    const value stats_before = host_->call("prompts", "stats", object{}, staff());
    host_->call("privacy", "erase.run", object{{"email", "leaving@example.com"}}, system());
    const std::string dump = db_->dump_all_tables();
    EXPECT_EQ(dump.find("a prompt that must go"), std::string::npos);
    EXPECT_NE(dump.find("a prompt that stays"), std::string::npos);
    EXPECT_EQ(host_->call("prompts", "stats", object{}, staff()), stats_before);
}

} // namespace
} // namespace plinth::prompts::testing
