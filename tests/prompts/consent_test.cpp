// Objection and restriction: prompts asks every plinth.consent/1 provider before storing.
//
// These tests use a test-only consent provider (test_consent_module.cpp) so they pin down exactly
// what prompts asks and how it treats each answer; privacy_test.cpp checks the same with the real
// privacy module when it is built.
#include "fixture.hpp"

namespace plinth::prompts::testing {
namespace {

class PromptsWithConsent : public ::testing::Test {
protected:
    PromptsWithConsent()
        : db_("prompts_consent"),
          host_(db_,
                {std::filesystem::path(PLINTH_TEST_MODULE_DIR) / "plinth_prompts.so",
                 std::filesystem::path(PLINTH_TEST_FIXTURE_DIR) / "plinth_prompts_test_consent.so"},
                {"prompts", "prompts_test_consent"}) {}

    void SetUp() override {
        ASSERT_NE(host_.host().module("prompts"), nullptr);
        ASSERT_NE(host_.host().module("prompts_test_consent"), nullptr);
    }

    value record(int64_t user_id, const std::string &text) {
        return host_.call("prompts", "prompt.record", prompt_args(text), customer(user_id));
    }
    array questions() { return host_.call("prompts_test_consent", "questions", object{}, system()).as_array(); }

    test::TestDatabase db_;
    CustomHost host_;
};

TEST_F(PromptsWithConsent, AsksForAIPromptAnalysisWithoutRequiringOptIn) {
    EXPECT_EQ(record(7, "allowed prompt").at("stored"), true);
    array q = questions();
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(q[0].at("user_id"), 7);
    EXPECT_EQ(q[0].at("purpose"), "ai-prompt-analysis");
    EXPECT_EQ(q[0].at("requires_opt_in"), 0);
    EXPECT_EQ(count_rows(db_, "prompts_log"), 1);
}

TEST_F(PromptsWithConsent, StoresNothingForASubjectWhoObjectedOrRestricted) {
    record(8, "someone else's prompt");
    const std::string before = db_.dump_all_tables();
    const value stats_before = host_.call("prompts", "stats", object{}, staff());

    host_.call("prompts_test_consent", "deny", object{{"user_id", 7}}, system());
    value r = record(7, "objected prompt");
    EXPECT_EQ(r.at("stored"), false);
    EXPECT_FALSE(r.as_object().contains("id"));
    EXPECT_NE(std::string(r.at("reason").as_string()).find("objected to or restricted"), std::string::npos) << r;
    // Not the prompt, not the link, not even a count in the aggregates.
    EXPECT_EQ(db_.dump_all_tables(), before);
    EXPECT_EQ(host_.call("prompts", "stats", object{}, staff()), stats_before);
    EXPECT_TRUE(host_.call("prompts", "prompt.list", object{}, customer(7)).at("prompts").as_array().empty());

    // Staff or the host recording on the subject's behalf are refused the same way.
    EXPECT_EQ(host_.call("prompts", "prompt.record", with(prompt_args(), "user_id", 7), system()).at("stored"), false);
    EXPECT_EQ(db_.dump_all_tables(), before);

    // Others are unaffected.
    EXPECT_EQ(record(8, "still fine").at("stored"), true);
}

TEST_F(PromptsWithConsent, AProviderThatCannotAnswerStopsTheRecording) {
    host_.call("prompts_test_consent", "fail", object{{"on", true}}, system());
    const std::string before = db_.dump_all_tables();
    try {
        record(7, "unanswered");
        ADD_FAILURE() << "recorded without an answer";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), PLINTH_E_UNAVAILABLE);
        EXPECT_NE(std::string(e.what()).find("prompts_test_consent"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("consent ledger unreachable"), std::string::npos) << e.what();
    }
    EXPECT_EQ(db_.dump_all_tables(), before);
    host_.call("prompts_test_consent", "fail", object{{"on", false}}, system());
    EXPECT_EQ(record(7, "answered").at("stored"), true);
}

TEST_F(PromptsWithConsent, BadInputIsRefusedBeforeAnyoneIsAsked) {
    try {
        host_.call("prompts", "prompt.record", with(prompt_args(), "feature", "Bad Feature"), customer(7));
        ADD_FAILURE();
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), PLINTH_E_INVALID_ARGUMENT);
    }
    EXPECT_TRUE(questions().empty());
}

} // namespace
} // namespace plinth::prompts::testing
