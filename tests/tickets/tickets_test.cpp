// The tickets module through a real host and MariaDB: who sees what, the workflow, the staff
// queue, private environment values, and bad input of every kind.
#include "tickets_fixture.hpp"

#include <set>

namespace plinth::tickets::module_tests {
namespace {

// ---------------------------------------------------------------- visibility and workflow

TEST_F(TicketsTest, CustomersSeeOnlyTheirOwnTicketsAndStaffSeeAll) {
    int64_t alice = open_ticket(kAlice);
    int64_t bob = open_ticket(kBob, "Bob's problem");
    int64_t file = attach(alice, kAlice, "alice's log").at("id").as_int64();

    EXPECT_EQ(call("ticket.get", {{"ticket_id", alice}}, customer(kAlice)).at("id"), alice);
    EXPECT_EQ(call("ticket.get", {{"ticket_id", alice}}, staff()).at("id"), alice);

    // Someone else's ticket looks exactly like one that does not exist.
    std::string other, missing;
    EXPECT_EQ(fails("ticket.get", {{"ticket_id", alice}}, customer(kBob), &other), PLINTH_E_NOT_FOUND);
    EXPECT_EQ(fails("ticket.get", {{"ticket_id", 999999}}, customer(kBob), &missing), PLINTH_E_NOT_FOUND);
    EXPECT_NE(other.find("not found"), std::string::npos);
    EXPECT_EQ(fails("attachment.get", {{"attachment_id", file}}, customer(kBob)), PLINTH_E_NOT_FOUND);
    EXPECT_EQ(fails("attachment.remove", {{"attachment_id", file}}, customer(kBob)), PLINTH_E_NOT_FOUND);
    EXPECT_EQ(fails("ticket.reply", {{"ticket_id", alice}, {"body", "hi"}}, customer(kBob)), PLINTH_E_NOT_FOUND);
    EXPECT_EQ(fails("ticket.set_status", {{"ticket_id", alice}, {"status", "closed"}}, customer(kBob)),
              PLINTH_E_NOT_FOUND);
    EXPECT_EQ(fails("attachment.add", {{"ticket_id", alice}, {"file_name", "x.txt"}, {"media_type", "text/plain"},
                                       {"content_base64", b64("x")}},
                    customer(kBob)),
              PLINTH_E_NOT_FOUND);
    EXPECT_EQ(fails("credential.add", credential_args(alice), customer(kBob)), PLINTH_E_NOT_FOUND);
    EXPECT_EQ(fails("credential.log", {{"ticket_id", alice}}, customer(kBob)), PLINTH_E_NOT_FOUND);

    auto listed = call("ticket.list", {}, customer(kBob)).at("tickets").as_array();
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].at("id"), bob);

    // The body cannot claim to be someone else: unknown members are refused, not obeyed.
    EXPECT_EQ(fails("ticket.list", {{"owner_id", kAlice}}, customer(kBob)), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("ticket.create", {{"subject", "s"}, {"description", "d"}, {"owner_id", kAlice}}, customer(kBob)),
              PLINTH_E_INVALID_ARGUMENT);
    // Staff-only commands stay staff-only.
    EXPECT_EQ(fails("ticket.queue", {}, customer(kAlice)), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("ticket.set_priority", {{"ticket_id", alice}, {"priority", "urgent"}}, customer(kAlice)),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(host_.call_error("tickets", "ticket.list", "{}", host::anonymous_caller()), PLINTH_E_UNAUTHENTICATED);
}

TEST_F(TicketsTest, RepliesAndStatusFollowTheWorkflow) {
    int64_t t = open_ticket(kAlice);
    auto r1 = call("ticket.reply", {{"ticket_id", t}, {"body", "Which theme do you use?"}}, staff());
    EXPECT_EQ(r1.at("status"), "pending");
    EXPECT_EQ(r1.at("reply").at("by"), "staff");
    EXPECT_EQ(call("ticket.reply", {{"ticket_id", t}, {"body", "Storefront."}}, customer(kAlice)).at("status"), "open");
    EXPECT_EQ(call("ticket.set_status", {{"ticket_id", t}, {"status", "resolved"}}, staff()).at("status"), "resolved");
    EXPECT_EQ(fails("ticket.set_status", {{"ticket_id", t}, {"status", "pending"}}, customer(kAlice)),
              PLINTH_E_CONFLICT);
    EXPECT_EQ(call("ticket.set_status", {{"ticket_id", t}, {"status", "closed"}}, customer(kAlice)).at("status"),
              "closed");

    std::string message;
    EXPECT_EQ(fails("ticket.reply", {{"ticket_id", t}, {"body", "one more thing"}}, customer(kAlice), &message),
              PLINTH_E_CONFLICT);
    EXPECT_NE(message.find("reopen"), std::string::npos);
    EXPECT_EQ(fails("attachment.add", {{"ticket_id", t}, {"file_name", "a.txt"}, {"media_type", "text/plain"},
                                       {"content_base64", b64("x")}},
                    customer(kAlice)),
              PLINTH_E_CONFLICT);

    EXPECT_EQ(call("ticket.set_status", {{"ticket_id", t}, {"status", "open"}}, customer(kAlice)).at("status"), "open");
    EXPECT_EQ(fails("ticket.set_status", {{"ticket_id", t}, {"status", "pending"}}, customer(kAlice)),
              PLINTH_E_PERMISSION_DENIED);
    object detail = call("ticket.get", {{"ticket_id", t}}, customer(kAlice)).as_object();
    EXPECT_EQ(detail.at("replies").as_array().size(), 2u);
    EXPECT_TRUE(detail.at("closed_at").is_null());
}

TEST_F(TicketsTest, StaffQueueFiltersAndPages) {
    std::vector<int64_t> ids;
    const char *priorities[] = {"low", "urgent", "normal", "urgent", "high"};
    for (int i = 0; i < 5; ++i)
        ids.push_back(open_ticket(i % 2 ? kBob : kAlice, "ticket " + std::to_string(i),
                                  {{"priority", priorities[i]}, {"product", i < 3 ? "forms" : "cache"}}));
    call("ticket.set_status", {{"ticket_id", ids[4]}, {"status", "closed"}}, staff());

    // Default: active tickets, most urgent first, then oldest.
    std::vector<int64_t> seen;
    value cursor = nullptr;
    do {
        object args{{"limit", 2}};
        if (!cursor.is_null()) args["cursor"] = cursor;
        object page = call("ticket.queue", args, staff()).as_object();
        for (const auto &t : page.at("tickets").as_array()) seen.push_back(t.at("id").as_int64());
        cursor = page.at("next_cursor");
    } while (!cursor.is_null());
    EXPECT_EQ(seen, (std::vector<int64_t>{ids[1], ids[3], ids[2], ids[0]}));

    auto only = [&](object args) {
        std::vector<int64_t> out;
        value page = call("ticket.queue", args, staff());
        for (const auto &t : page.at("tickets").as_array()) out.push_back(t.at("id").as_int64());
        return out;
    };
    EXPECT_EQ(only({{"status", "closed"}}), (std::vector<int64_t>{ids[4]}));
    EXPECT_EQ(only({{"status", "all"}, {"product", "cache"}}), (std::vector<int64_t>{ids[3], ids[4]}));
    EXPECT_EQ(only({{"owner_id", kBob}}), (std::vector<int64_t>{ids[1], ids[3]}));
    EXPECT_EQ(only({{"priority", "low"}}), (std::vector<int64_t>{ids[0]}));
    EXPECT_EQ(fails("ticket.queue", {{"cursor", "9.x"}}, staff()), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("ticket.queue", {{"status", "everything"}}, staff()), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("ticket.queue", {{"limit", 0}}, staff()), PLINTH_E_INVALID_ARGUMENT);

    // The owner's own list pages newest first.
    object first = call("ticket.list", {{"limit", 2}}, customer(kAlice)).as_object();
    ASSERT_EQ(first.at("tickets").as_array().size(), 2u);
    EXPECT_EQ(first.at("tickets").as_array()[0].at("id"), ids[4]);
    object second = call("ticket.list", {{"limit", 2}, {"cursor", first.at("next_cursor")}}, customer(kAlice)).as_object();
    EXPECT_EQ(second.at("tickets").as_array().size(), 1u);
    EXPECT_TRUE(second.at("next_cursor").is_null());
}

TEST_F(TicketsTest, PrivateEnvironmentValuesAreRedactedForEveryoneButTheOwner) {
    object env = json::parse(R"({"cms": {"name": "WordPress", "version": "6.5"},
        "server": {"software": "nginx", "document_root": "/var/www/alice-shop", "database_name": "alice_wp"},
        "extras": {"memory_limit": "256M", "AUTH_KEY": "k3y-of-alice"}})").as_object();
    int64_t t = open_ticket(kAlice, "env", {{"environment", env}});

    value mine = call("ticket.get", {{"ticket_id", t}}, customer(kAlice)).at("environment");
    EXPECT_EQ(mine.at("server").at("document_root"), "/var/www/alice-shop");
    EXPECT_EQ(mine.at("extras").at("AUTH_KEY"), "k3y-of-alice");

    value theirs = call("ticket.get", {{"ticket_id", t}}, staff()).at("environment");
    EXPECT_EQ(theirs.at("server").at("document_root"), "[redacted]");
    EXPECT_EQ(theirs.at("server").at("database_name"), "[redacted]");
    EXPECT_EQ(theirs.at("extras").at("AUTH_KEY"), "[redacted]");
    EXPECT_EQ(theirs.at("extras").at("memory_limit"), "256M");
    EXPECT_EQ(theirs.at("cms").at("version"), "6.5");

    // Only the owner replaces it; null clears it.
    EXPECT_EQ(fails("ticket.set_environment", {{"ticket_id", t}, {"environment", env}}, staff()),
              PLINTH_E_PERMISSION_DENIED);
    call("ticket.set_environment", {{"ticket_id", t}, {"environment", nullptr}}, customer(kAlice));
    EXPECT_TRUE(call("ticket.get", {{"ticket_id", t}}, customer(kAlice)).at("environment").is_null());
}

// ---------------------------------------------------------------- bad input

TEST_F(TicketsTest, BadInputOfEveryKindIsRefusedClearlyAndChangesNothing) {
    int64_t t = open_ticket(kAlice);
    int64_t file = attach(t, kAlice, "kept").at("id").as_int64();
    int64_t cred = add_credential(t, kAlice);
    std::string before = db_.dump_all_tables();

    struct Case {
        std::string command, args;
        int32_t status;
        std::string expect;
    };
    const std::string huge(70 * 1024, 'x');
    const std::vector<Case> cases = {
        {"ticket.create", "{not json", PLINTH_E_INVALID_ARGUMENT, "not valid JSON"},
        {"ticket.create", "[1,2]", PLINTH_E_INVALID_ARGUMENT, "JSON object"},
        {"ticket.create", R"({"subject":"s"})", PLINTH_E_INVALID_ARGUMENT, "description"},
        {"ticket.create", R"({"subject":5,"description":"d"})", PLINTH_E_INVALID_ARGUMENT, "subject"},
        {"ticket.create", R"({"subject":"","description":"d"})", PLINTH_E_INVALID_ARGUMENT, "empty"},
        {"ticket.create", R"({"subject":"a\nb","description":"d"})", PLINTH_E_INVALID_ARGUMENT, "control"},
        {"ticket.create", "{\"subject\":\"\xff\xfe\",\"description\":\"d\"}", PLINTH_E_INVALID_ARGUMENT, "JSON"},
        {"ticket.create", R"({"subject":"s","description":")" + huge + R"("})", PLINTH_E_INVALID_ARGUMENT, "longer"},
        {"ticket.create", R"({"subject":"s","description":"d","priority":"asap"})", PLINTH_E_INVALID_ARGUMENT,
         "priority"},
        {"ticket.create", R"({"subject":"s","description":"d","environment":{"os":"x"}})", PLINTH_E_INVALID_ARGUMENT,
         "environment"},
        {"ticket.create", R"({"subject":"s","description":"d","status":"closed"})", PLINTH_E_INVALID_ARGUMENT,
         "unknown argument 'status'"},
        {"ticket.get", R"({"ticket_id":"1 OR 1=1"})", PLINTH_E_INVALID_ARGUMENT, "integer"},
        {"ticket.get", R"({"ticket_id":-1})", PLINTH_E_INVALID_ARGUMENT, "between"},
        {"ticket.get", R"({"ticket_id":1.5})", PLINTH_E_INVALID_ARGUMENT, "integer"},
        {"ticket.get", R"({"ticket_id":123456789})", PLINTH_E_NOT_FOUND, "not found"},
        {"ticket.list", R"({"cursor":"1; DROP TABLE tickets_tickets"})", PLINTH_E_INVALID_ARGUMENT, "cursor"},
        {"ticket.reply", R"({"ticket_id":@T,"body":"\u0000"})", PLINTH_E_INVALID_ARGUMENT, "control"},
        {"ticket.set_status", R"({"ticket_id":@T,"status":"deleted"})", PLINTH_E_INVALID_ARGUMENT, "status"},
        {"ticket.set_environment", R"({"ticket_id":1})", PLINTH_E_INVALID_ARGUMENT, "environment"},
        {"ticket.set_environment", R"({"ticket_id":@T,"environment":[]})", PLINTH_E_INVALID_ARGUMENT, "object"},
        {"ticket.delete", R"({"ticket_id":1})", PLINTH_E_UNSUPPORTED, "unknown command"},
        {"attachment.add", R"({"ticket_id":@T,"file_name":"a.txt","media_type":"text/plain"})",
         PLINTH_E_INVALID_ARGUMENT, "content_base64"},
        {"attachment.add", R"({"ticket_id":@T,"file_name":"a.txt","media_type":"text/plain","content_base64":"!!"})",
         PLINTH_E_INVALID_ARGUMENT, "base64"},
        {"attachment.add", R"({"ticket_id":@T,"file_name":"../x.txt","media_type":"text/plain","content_base64":"eA=="})",
         PLINTH_E_INVALID_ARGUMENT, "file_name"},
        {"attachment.add", R"({"ticket_id":@T,"file_name":"a.txt","media_type":"plain","content_base64":"eA=="})",
         PLINTH_E_INVALID_ARGUMENT, "media_type"},
        {"attachment.add", R"({"ticket_id":@T,"file_name":"a.txt","media_type":"text/plain","content_base64":""})",
         PLINTH_E_INVALID_ARGUMENT, "empty"},
        {"attachment.get", R"({"attachment_id":"x"})", PLINTH_E_INVALID_ARGUMENT, "integer"},
        {"credential.add", R"x({"ticket_id":@T,"site_url":"javascript:alert(1)","username":"u","password":"p"})x",
         PLINTH_E_INVALID_ARGUMENT, "site_url"},
        {"credential.add", R"({"ticket_id":@T,"site_url":"https://x.example","username":"u"})",
         PLINTH_E_INVALID_ARGUMENT, "password"},
        {"credential.add", R"({"ticket_id":@T,"site_url":"https://x.example","username":"u","password":"p","ttl_days":0})",
         PLINTH_E_INVALID_ARGUMENT, "ttl_days"},
        {"credential.remove", R"({"credential_id":99999})", PLINTH_E_NOT_FOUND, "not found"},
    };
    for (const Case &c : cases) {
        std::string args = c.args;
        // @T stands for the ticket made above.
        for (size_t at; (at = args.find("@T")) != std::string::npos;) args.replace(at, 2, std::to_string(t));
        std::string message;
        EXPECT_EQ(host_.call_error("tickets", c.command, args, customer(kAlice), &message), c.status)
            << c.command << " " << args.substr(0, 120) << " gave: " << message;
        EXPECT_NE(message.find(c.expect), std::string::npos) << c.command << ": " << message;
    }
    // Staff-side bad input too.
    EXPECT_EQ(host_.call_error("tickets", "credential.reveal", R"({"credential_id":"all"})", staff()),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(host_.call_error("tickets", "ticket.set_priority", "{\"ticket_id\":" + std::to_string(t) + ",\"priority\":\"URGENT\"}", staff()),
              PLINTH_E_INVALID_ARGUMENT);

    EXPECT_EQ(db_.dump_all_tables(), before);

    // Injection strings are stored and returned as text, never run.
    const std::string nasty = "'); DROP TABLE tickets_tickets; -- <script>alert(1)</script>";
    int64_t n = open_ticket(kAlice, nasty);
    EXPECT_EQ(call("ticket.get", {{"ticket_id", n}}, customer(kAlice)).at("subject"), value(nasty));
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_tickets"), 2);
    (void)file;
    (void)cred;
}

} // namespace
} // namespace plinth::tickets::module_tests
