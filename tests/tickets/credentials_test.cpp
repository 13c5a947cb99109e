// Credentials a customer leaves on a ticket: sealed before they reach the database, revealed to
// staff only and logged, expired, purged when the ticket closes.
#include "tickets_fixture.hpp"

#include <cstring>

namespace plinth::tickets::module_tests {
namespace {

// ---------------------------------------------------------------- credentials

TEST_F(TicketsTest, CredentialPlaintextNeverReachesTheDatabase) {
    int64_t t = open_ticket(kAlice);
    int64_t c = add_credential(t, kAlice);
    object revealed = call("credential.reveal", {{"credential_id", c}}, staff()).as_object();
    EXPECT_EQ(revealed.at("password"), "Tr0ub4dor&3-unique");
    EXPECT_EQ(revealed.at("username"), "alice-support-login");
    EXPECT_EQ(revealed.at("site_url"), "https://shop.alice.example/wp-admin");
    call("ticket.reply", {{"ticket_id", t}, {"body", "Logged in, looking now."}}, staff());

    std::string dump = db_.dump_all_tables();
    ASSERT_NE(dump.find("## tickets_credentials"), std::string::npos);
    for (const char *plain : {"Tr0ub4dor", "alice-support-login", "shop.alice.example", "remove after the fix"})
        EXPECT_EQ(dump.find(plain), std::string::npos) << plain;

    // Nor into what customers or staff read afterwards.
    std::string detail = json::serialize(call("ticket.get", {{"ticket_id", t}}, staff()));
    EXPECT_EQ(detail.find("Tr0ub4dor"), std::string::npos);
    EXPECT_EQ(detail.find("alice-support-login"), std::string::npos);

    call("ticket.set_status", {{"ticket_id", t}, {"status", "closed"}}, customer(kAlice));
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_credentials WHERE ciphertext IS NOT NULL OR nonce IS NOT NULL"), 0);
}

TEST_F(TicketsTest, AlteredOrMovedCiphertextFailsToDecryptClearly) {
    int64_t t1 = open_ticket(kAlice), t2 = open_ticket(kAlice, "second site");
    int64_t c1 = add_credential(t1, kAlice, "first-password");
    int64_t c2 = add_credential(t2, kAlice, "second-password");
    storage::Connection &sql = db_.sql();

    // One flipped bit.
    sql.execute("UPDATE tickets_credentials SET ciphertext = CONCAT(LEFT(ciphertext, 5), "
                "CHAR(ASCII(SUBSTRING(ciphertext, 6, 1)) ^ 1), SUBSTRING(ciphertext, 7)) WHERE id = ?",
                {c1});
    std::string message;
    EXPECT_EQ(fails("credential.reveal", {{"credential_id", c1}}, staff(), &message), PLINTH_E_INTERNAL);
    EXPECT_NE(message.find("credential " + std::to_string(c1) + " of ticket " + std::to_string(t1) +
                           " cannot be decrypted"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find("first-password"), std::string::npos);

    // A row moved to another ticket.
    sql.execute("UPDATE tickets_credentials SET ticket_id = ? WHERE id = ?", {t1, c2});
    EXPECT_EQ(fails("credential.reveal", {{"credential_id", c2}}, staff(), &message), PLINTH_E_INTERNAL);
    EXPECT_NE(message.find("belongs to another ticket"), std::string::npos) << message;
    sql.execute("UPDATE tickets_credentials SET ticket_id = ? WHERE id = ?", {t2, c2});
    EXPECT_EQ(call("credential.reveal", {{"credential_id", c2}}, staff()).at("password"), "second-password");

    // Ciphertext and nonce copied from one row into another.
    int64_t c3 = add_credential(t1, kAlice, "third-password");
    sql.execute("UPDATE tickets_credentials dst JOIN tickets_credentials src ON src.id = ? "
                "SET dst.nonce = src.nonce, dst.ciphertext = src.ciphertext WHERE dst.id = ?",
                {c2, c3});
    EXPECT_EQ(fails("credential.reveal", {{"credential_id", c3}}, staff(), &message), PLINTH_E_INTERNAL);
    EXPECT_NE(message.find("cannot be decrypted"), std::string::npos);

    // Failed reveals reveal nothing and log nothing; only the one success is logged.
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_credential_reveals"), 1);
}

TEST_F(TicketsTest, OnlyStaffRevealAndEveryRevealIsLogged) {
    int64_t t = open_ticket(kAlice);
    int64_t c = add_credential(t, kAlice);
    EXPECT_EQ(fails("credential.reveal", {{"credential_id", c}}, customer(kAlice)), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("credential.reveal", {{"credential_id", c}}, customer(kBob)), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(host_.call_error("tickets", "credential.reveal", R"({"credential_id":1})", host::system_caller()),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_credential_reveals"), 0);

    object first = call("credential.reveal", {{"credential_id", c}}, staff(kStaff)).as_object();
    host_.advance_s(3600);
    object second = call("credential.reveal", {{"credential_id", c}}, staff(kOtherStaff)).as_object();
    EXPECT_EQ(first.at("reveal").at("revealed_by"), kStaff);
    EXPECT_EQ(second.at("reveal").at("revealed_at"), now_s());

    // The owner can see who looked, and when.
    auto log = call("credential.log", {{"ticket_id", t}}, customer(kAlice)).at("reveals").as_array();
    ASSERT_EQ(log.size(), 2u);
    EXPECT_EQ(log[0].at("revealed_by"), kStaff);
    EXPECT_EQ(log[1].at("revealed_by"), kOtherStaff);
    EXPECT_EQ(log[1].at("revealed_at").as_int64() - log[0].at("revealed_at").as_int64(), 3600);

    // Append-only: the database itself refuses to rewrite history.
    EXPECT_THROW(db_.sql().execute("UPDATE tickets_credential_reveals SET revealed_by = 1"), storage::DbError);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_credential_reveals WHERE revealed_by = 1"), 0);

    // Staff cannot add credentials to a customer's ticket.
    EXPECT_EQ(fails("credential.add", credential_args(t), staff()), PLINTH_E_PERMISSION_DENIED);
}

TEST_F(TicketsTest, CredentialsExpireAfterTheirLifetime) {
    int64_t t = open_ticket(kAlice);
    int64_t c = add_credential(t, kAlice);
    int64_t short_lived =
        call("credential.add", [&] { object a = credential_args(t); a["ttl_days"] = 1; return a; }(), customer(kAlice))
            .at("id")
            .as_int64();
    EXPECT_EQ(fails("credential.add", [&] { object a = credential_args(t); a["ttl_days"] = 8; return a; }(),
                    customer(kAlice)),
              PLINTH_E_INVALID_ARGUMENT);

    host_.advance_s(kDay);
    // A reveal after expiry purges on the spot and says so.
    std::string message;
    EXPECT_EQ(fails("credential.reveal", {{"credential_id", short_lived}}, staff(), &message), PLINTH_E_EXPIRED);
    EXPECT_NE(message.find("expired"), std::string::npos);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_credentials WHERE id = " + std::to_string(short_lived) +
                    " AND ciphertext IS NULL AND purge_reason = 'expired'"),
              1);
    EXPECT_EQ(call("credential.reveal", {{"credential_id", c}}, staff()).at("state"), "active");

    host_.advance_s(6 * kDay - 1);
    EXPECT_EQ(sweep()["ticket credentials/expired"], 0);
    host_.advance_s(1);
    auto counts = sweep();
    EXPECT_EQ(counts["ticket credentials/expired"], 1);
    EXPECT_EQ(counts["ticket description/anonymised"], 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_credentials WHERE ciphertext IS NOT NULL"), 0);
    auto creds = call("ticket.get", {{"ticket_id", t}}, customer(kAlice)).at("credentials").as_array();
    ASSERT_EQ(creds.size(), 2u);
    EXPECT_EQ(creds[0].at("state"), "purged");
    EXPECT_EQ(creds[0].at("purge_reason"), "expired");
    EXPECT_EQ(creds[0].at("purged_at"), now_s());
    EXPECT_EQ(fails("credential.reveal", {{"credential_id", c}}, staff(), &message), PLINTH_E_EXPIRED);
    EXPECT_NE(message.find("purged (expired)"), std::string::npos);
}

TEST_F(TicketsTest, ClosingPurgesCredentialsAndKeepsTheirTrace) {
    int64_t t = open_ticket(kAlice);
    int64_t c = add_credential(t, kAlice);
    int64_t withdrawn = add_credential(t, kAlice, "other");
    call("credential.remove", {{"credential_id", withdrawn}}, customer(kAlice));
    EXPECT_EQ(fails("credential.remove", {{"credential_id", withdrawn}}, customer(kAlice)), PLINTH_E_CONFLICT);

    host_.advance_s(60);
    object closed = call("ticket.set_status", {{"ticket_id", t}, {"status", "closed"}}, staff()).as_object();
    EXPECT_EQ(closed.at("credentials_purged"), 1);
    std::string message;
    EXPECT_EQ(fails("credential.reveal", {{"credential_id", c}}, staff(), &message), PLINTH_E_EXPIRED);
    EXPECT_NE(message.find("ticket_closed"), std::string::npos);

    auto creds = call("ticket.get", {{"ticket_id", t}}, customer(kAlice)).at("credentials").as_array();
    ASSERT_EQ(creds.size(), 2u);
    EXPECT_EQ(creds[0].at("purge_reason"), "ticket_closed");
    EXPECT_EQ(creds[0].at("purged_at"), now_s());
    EXPECT_EQ(creds[1].at("purge_reason"), "withdrawn");
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_credentials WHERE ciphertext IS NOT NULL"), 0);

    // A closed ticket takes no new ones; reopening does not bring the old ones back.
    EXPECT_EQ(fails("credential.add", credential_args(t), customer(kAlice)), PLINTH_E_CONFLICT);
    call("ticket.set_status", {{"ticket_id", t}, {"status", "open"}}, customer(kAlice));
    EXPECT_EQ(fails("credential.reveal", {{"credential_id", c}}, staff()), PLINTH_E_EXPIRED);
    int64_t fresh = add_credential(t, kAlice, "after-reopen");
    EXPECT_EQ(call("credential.reveal", {{"credential_id", fresh}}, staff()).at("password"), "after-reopen");
}

} // namespace
} // namespace plinth::tickets::module_tests
