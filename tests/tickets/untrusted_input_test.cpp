// The tickets module through a real host and MariaDB, for what people will read and open: names
// that would display as something else are refused and change nothing, attachments are handed
// out only as downloads, and uploads stop while the database's disk is short of space.
#include "tickets_fixture.hpp"

#include <string>
#include <vector>

namespace plinth::tickets::module_tests {
namespace {

// The shared tickets fixture, with the one ticket and the upload arguments these cases need.
class UntrustedInputTest : public TicketsTest {
protected:
    explicit UntrustedInputTest(object config = {}) : TicketsTest(std::move(config)) {}

    int64_t open_ticket() {
        return call("ticket.create", {{"subject", "Checkout is blank"}, {"description", "Since the update."}},
                    customer(kAlice))
            .at("id")
            .as_int64();
    }
    object upload(int64_t ticket, std::string name, std::string type, std::string_view content) {
        return {{"ticket_id", ticket}, {"file_name", name}, {"media_type", type}, {"content_base64", b64(content)}};
    }
};

TEST_F(UntrustedInputTest, NamesWithBidiOverridesOrControlsAreRefusedByFieldAndChangeNothing) {
    int64_t t = open_ticket();
    call("attachment.add", upload(t, "kept.txt", "text/plain", "kept"), customer(kAlice));
    const std::string rlo = "\u202E", lri = "\u2066", c1 = "\xC2\x9B";
    object env_plugin = json::parse(R"({"plugins": [{"name": "Forms )" + rlo + R"(orP", "version": "1"}]})").as_object();
    object env_server = json::parse(R"({"server": {"hostname": "web)" + lri + R"(3"}})").as_object();

    struct Case {
        std::string command;
        object args;
        std::string field;
    };
    const std::vector<Case> cases = {
        {"ticket.create", {{"subject", "Order " + rlo + "fdp.exe"}, {"description", "d"}}, "subject"},
        {"ticket.create", {{"subject", "s" + c1 + "2J"}, {"description", "d"}}, "subject"},
        {"ticket.create", {{"subject", "s"}, {"description", "d"}, {"product", "Forms" + lri}}, "product"},
        {"ticket.create", {{"subject", "s"}, {"description", "d"}, {"license_ref", "KEY" + rlo}}, "license_ref"},
        {"ticket.create", {{"subject", "s"}, {"description", "d"}, {"environment", env_plugin}},
         "environment.plugins[0].name"},
        {"ticket.set_environment", {{"ticket_id", t}, {"environment", env_server}}, "environment.server.hostname"},
        {"attachment.add", upload(t, "invoice" + rlo + "txt.pdf", "application/pdf", "%PDF-1.4"), "file_name"},
        {"attachment.add", upload(t, "a" + c1 + ".txt", "text/plain", "x"), "file_name"},
        {"credential.add",
         {{"ticket_id", t}, {"site_url", "https://a.example"}, {"username", "adm" + rlo + "nimda"}, {"password", "p"}},
         "username"},
        {"credential.add",
         {{"ticket_id", t}, {"site_url", "https://a.example"}, {"username", "u"}, {"password", "p" + c1}},
         "password"},
    };
    std::string before = db_.dump_all_tables();
    for (const Case &c : cases) {
        std::string message;
        EXPECT_EQ(fails(c.command, c.args, customer(kAlice), &message), PLINTH_E_INVALID_ARGUMENT)
            << c.command << " " << c.field;
        EXPECT_EQ(message.rfind(c.field + " must not contain", 0), 0u) << c.field << ": " << message;
    }
    EXPECT_EQ(db_.dump_all_tables(), before);

    // Free text keeps bidirectional formatting: right-to-left prose needs it.
    std::string quoted = "The error reads \u2067\u05E9\u05D2\u05D9\u05D0\u05D4\u2069 on the page.";
    value reply = call("ticket.reply", {{"ticket_id", t}, {"body", quoted}}, customer(kAlice));
    EXPECT_EQ(reply.at("reply").at("body"), value(quoted));
}

TEST_F(UntrustedInputTest, ActiveContentIsAcceptedButOnlyEverHandedOutAsADownload) {
    int64_t t = open_ticket();
    const std::string page = "<!DOCTYPE html><html><script>fetch('/v1/accounts/profile.get')</script></html>";
    const std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"></svg>";
    int64_t html_id = call("attachment.add", upload(t, "error page.html", "text/html", page), customer(kAlice))
                          .at("id")
                          .as_int64();
    // Declared as a picture, sniffed as SVG: the declaration is not believed.
    int64_t svg_id =
        call("attachment.add", upload(t, "logo.png", "image/png", svg), customer(kAlice)).at("id").as_int64();
    int64_t png_id = call("attachment.add", upload(t, "shot.png", "image/png", "\x89PNG\r\n\x1a\n"), customer(kAlice))
                         .at("id")
                         .as_int64();

    object html = call("attachment.get", {{"attachment_id", html_id}}, staff()).as_object();
    EXPECT_EQ(html.at("active_content"), value(true));
    const object &h = html.at("download_headers").as_object();
    EXPECT_EQ(h.at("Content-Type"), "application/octet-stream");
    EXPECT_EQ(h.at("Content-Disposition"),
              "attachment; filename=\"error page.html\"; filename*=UTF-8''error%20page.html");
    EXPECT_EQ(h.at("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(h.at("Content-Security-Policy"), "sandbox; default-src 'none'");
    EXPECT_EQ(html.at("content_base64"), value(b64(page))); // the bytes themselves are untouched

    object logo = call("attachment.get", {{"attachment_id", svg_id}}, customer(kAlice)).as_object();
    EXPECT_EQ(logo.at("active_content"), value(true));
    EXPECT_EQ(logo.at("download_headers").at("Content-Type"), "application/octet-stream");

    object shot = call("attachment.get", {{"attachment_id", png_id}}, customer(kAlice)).as_object();
    EXPECT_EQ(shot.at("active_content"), value(false));
    EXPECT_EQ(shot.at("download_headers").at("Content-Type"), "image/png");
    EXPECT_EQ(shot.at("download_headers").at("Content-Disposition").as_string().subview().substr(0, 11),
              "attachment;");
}

class LowDiskTest : public UntrustedInputTest {
protected:
    // A threshold of 1 PiB: above the free space of any machine these tests run on.
    LowDiskTest()
        : UntrustedInputTest(
              json::parse(R"({"tickets": {"attachments": {"min_free_disk_bytes": 1125899906842624}}})").as_object()) {}
};

TEST_F(LowDiskTest, UploadsAreRefusedAsResourceExhaustedAndChangeNothing) {
    int64_t t = open_ticket();
    std::string before = db_.dump_all_tables();
    std::string message;
    EXPECT_EQ(fails("attachment.add", upload(t, "trace.log", "text/plain", "a log"), customer(kAlice), &message),
              PLINTH_E_RESOURCE_EXHAUSTED);
    EXPECT_NE(message.find("disk space"), std::string::npos) << message;
    EXPECT_EQ(message.find('/'), std::string::npos) << "no server path reaches the customer: " << message;
    EXPECT_EQ(db_.dump_all_tables(), before);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tickets_blob_chunks"), 0);

    // Everything else keeps working: only the large writes stop.
    EXPECT_EQ(call("ticket.reply", {{"ticket_id", t}, {"body", "any news?"}}, customer(kAlice)).at("status"), "open");
}

class DiskCheckOffTest : public UntrustedInputTest {
protected:
    DiskCheckOffTest()
        : UntrustedInputTest(json::parse(R"({"tickets": {"attachments": {"min_free_disk_bytes": 0}}})").as_object()) {}
};

TEST_F(DiskCheckOffTest, ZeroTurnsTheCheckOff) {
    int64_t t = open_ticket();
    EXPECT_EQ(call("attachment.add", upload(t, "trace.log", "text/plain", "a log"), customer(kAlice)).at("size"), 5);
}

} // namespace
} // namespace plinth::tickets::module_tests
