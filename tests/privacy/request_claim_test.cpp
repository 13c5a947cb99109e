// Issue 14: a request's execution is claimed in its row, not with GET_LOCK (which on a Galera
// cluster locks one node only). Another host's live claim refuses a second run; a lapsed one (its
// host died) is taken over; a finished run releases its claim.
#include "privacy_fixture.hpp"

namespace plinth::privacy {
namespace {

using namespace test_support;

TEST_F(PrivacyIntegration, ARequestClaimedByAnotherHostRunsOnlyOnceItsClaimHasLapsed) {
    REQUIRE_MODULES({"accounts", "privacy"});
    start({"accounts", "privacy"});
    const int64_t cleo = register_user("cleo@example.org", "cleo", "Cleo", "Claim");
    const int64_t id = create_and_confirm("cleo@example.org", "restrict", user(cleo), "cleo@example.org");

    // Another host runs it: its claim, as its conditional UPDATE leaves the row.
    db_->sql().execute("UPDATE privacy_requests SET run_claim = UNHEX(REPEAT('ee', 16)), "
                       "run_claimed_until = UNIX_TIMESTAMP() + 600 WHERE id = ?",
                       {id});
    std::string message;
    EXPECT_EQ(fails("privacy", "request.execute", {{"request_id", id}}, staff(1), &message), PLINTH_E_CONFLICT);
    EXPECT_NE(message.find("being executed"), std::string::npos) << message;
    EXPECT_EQ(privacy("request.get", {{"request_id", id}}, staff(1)).at("status").as_string(), "confirmed")
        << "nothing ran";

    // That host died: once its claim has lapsed the request runs here, and releases its own claim.
    db_->sql().execute("UPDATE privacy_requests SET run_claimed_until = UNIX_TIMESTAMP() - 1 WHERE id = ?", {id});
    EXPECT_EQ(privacy("request.execute", {{"request_id", id}}, staff(1)).at("kind").as_string(), "restrict");
    auto row = db_->sql().query("SELECT run_claim IS NULL, run_claimed_until IS NULL FROM privacy_requests WHERE id = ?",
                                {id});
    EXPECT_EQ(row.at(0).i64(0), 1);
    EXPECT_EQ(row.at(0).i64(1), 1);

    // An unknown request is reported as such, not as being executed.
    EXPECT_EQ(fails("privacy", "request.execute", {{"request_id", id + 1000}}, staff(1)), PLINTH_E_NOT_FOUND);
}

} // namespace
} // namespace plinth::privacy
