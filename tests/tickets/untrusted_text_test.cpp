// Rules for what people will read and open, without a database: the SDK's name and free-text
// checks (plinth/sdk/text.hpp) as the tickets fields apply them, how an attachment is handed to
// a browser, and the free-space rule for uploads.
#include "domain/attachment_policy.hpp"
#include "domain/credentials.hpp"
#include "domain/download.hpp"
#include "domain/settings.hpp"
#include "domain/text.hpp"

#include <plinth/sdk/error.hpp>
#include <plinth/sdk/text.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace plinth::tickets {
namespace {

namespace json = boost::json;

template <class F>
std::pair<int32_t, std::string> outcome(F &&f) {
    try {
        f();
    } catch (const sdk::Error &e) {
        return {e.status(), e.what()};
    }
    return {PLINTH_OK, ""};
}

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t *>(s.data()), s.size()}; }

// Every explicit bidirectional formatting character, as UTF-8.
const std::vector<std::string> kBidiControls = {
    "\u202A", "\u202B", "\u202C", "\u202D", "\u202E", // LRE RLE PDF LRO RLO
    "\u2066", "\u2067", "\u2068", "\u2069"};          // LRI RLI FSI PDI

// ---- sdk::text ----

TEST(SdkText, NamesRefuseControlsSeparatorsAndBidiOverridesNamingFieldAndCharacter) {
    struct Case {
        std::string value, says;
    };
    std::vector<Case> cases = {
        {std::string("a\0b", 3), "control characters (U+0000 at byte 1)"},
        {"tab\there", "control characters (U+0009 at byte 3)"},
        {"esc\x1b[31m", "control characters (U+001B"},
        {"del\x7f", "control characters (U+007F"},
        {"nel\xc2\x85", "control characters (U+0085"},
        {"csi\xc2\x9b" "31m", "control characters (U+009B"},
        {"line\u2028break", "line or paragraph separators (U+2028"},
        {"para\u2029break", "line or paragraph separators (U+2029"},
        {"invoice\u202Etxt.pdf", "bidirectional override, embedding or isolate characters (U+202E at byte 7)"},
        {"\xc3\x28", "must be valid UTF-8"},
    };
    for (const std::string &bidi : kBidiControls) cases.push_back({"x" + bidi + "y", "bidirectional"});
    for (const Case &c : cases) {
        auto [status, message] = outcome([&] { sdk::text::check_name("file_name", c.value); });
        EXPECT_EQ(status, PLINTH_E_INVALID_ARGUMENT) << c.says;
        EXPECT_EQ(message.rfind("file_name must ", 0), 0u) << message;
        EXPECT_NE(message.find(c.says), std::string::npos) << message;
        if (c.value.size() > 3) {
            EXPECT_EQ(message.find(c.value), std::string::npos) << "the value is echoed";
        }
    }
}

TEST(SdkText, NamesInEveryScriptAndTheImplicitMarksAreAccepted) {
    for (std::string ok : {"Zoë O'Brien-Łukasz", "محمد", "שלום\u200F (Shalom)", "عربي\u061C 2", "x\u200Ey",
                           "東京 😀", "report (final).pdf", "a;b\"c'd<e>"})
        EXPECT_EQ(sdk::text::name_problem(ok), std::nullopt) << ok;
}

TEST(SdkText, FreeTextKeepsLineBreaksTabsAndBidiButNotOtherControls) {
    EXPECT_EQ(sdk::text::free_text_problem("line 1\r\n\tline 2"), std::nullopt);
    EXPECT_EQ(sdk::text::free_text_problem("quoted: \u2067שלום\u2069 and \u202Bعربي\u202C"), std::nullopt);
    EXPECT_EQ(sdk::text::free_text_problem("line\u2028two"), std::nullopt);
    const std::vector<std::string> refused = {"bell\x07", "esc\x1b[2J", std::string("nul\0", 4), "c1\xc2\x9b"};
    for (const std::string &bad : refused) {
        auto [status, message] = outcome([&] { sdk::text::check_free_text("description", bad); });
        EXPECT_EQ(status, PLINTH_E_INVALID_ARGUMENT) << message;
        EXPECT_NE(message.find("description must not contain control characters other than tab and line breaks"),
                  std::string::npos)
            << message;
    }
}

// ---- the tickets fields ----

TEST(NameFields, OneLineFieldsRefuseBidiOverridesAndFreeTextKeepsThem) {
    for (const std::string &bidi : kBidiControls) {
        EXPECT_EQ(outcome([&] { check_line("subject", "Order " + bidi + "fdp.exe", 200); }).first,
                  PLINTH_E_INVALID_ARGUMENT);
        EXPECT_EQ(outcome([&] { check_file_name("invoice" + bidi + "txt.pdf"); }).first, PLINTH_E_INVALID_ARGUMENT);
        EXPECT_NO_THROW(check_text("description", "quote " + bidi + "x", 200));
    }
    auto [status, message] = outcome([] { check_file_name("invoice\u202Etxt.pdf"); });
    EXPECT_EQ(status, PLINTH_E_INVALID_ARGUMENT);
    EXPECT_NE(message.find("file_name must not contain bidirectional"), std::string::npos) << message;
    EXPECT_NO_THROW(check_file_name("تقرير.pdf"));
}

TEST(NameFields, CredentialFieldsRefuseWhatWouldMisleadStaff) {
    auto secret = [](std::string user, std::string password) {
        CredentialSecret s;
        s.site_url = "https://shop.example.com/wp-admin";
        s.username = std::move(user);
        s.password = std::move(password);
        return s;
    };
    EXPECT_NO_THROW(check_credential(secret("admin", "pässwörd \u202E kept: a secret, not a name")));
    auto user = outcome([&] { check_credential(secret("adm\u202Enimda", "p")); });
    EXPECT_EQ(user.first, PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(user.second.rfind("username must not contain bidirectional", 0), 0u) << user.second;
    auto c1 = outcome([&] { check_credential(secret("admin", "p\xc2\x85w")); }); // C1 NEL
    EXPECT_EQ(c1.first, PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(c1.second, "password must not contain control characters");
    EXPECT_EQ(outcome([&] {
                  CredentialSecret s = secret("admin", "p");
                  s.site_url = "https://shop.example.com/\u202Eadmin";
                  check_credential(s);
              }).first,
              PLINTH_E_INVALID_ARGUMENT);
}

// ---- downloads ----

std::map<std::string, std::string> headers_of(std::string_view name, std::string_view type, std::string_view content) {
    std::map<std::string, std::string> out;
    for (auto &[k, v] : download_headers(name, type, bytes(content))) out[k] = v;
    return out;
}

TEST(Download, ActiveContentIsRecognisedByTypeNameOrFirstBytes) {
    struct Case {
        std::string name, type, content, because;
    };
    const std::vector<Case> cases = {
        {"page.txt", "text/html", "hello", "the media type text/html"},
        {"page.txt", "Application/XHTML+XML; charset=utf-8", "hello", "the media type application/xhtml+xml"},
        {"logo.png", "image/svg+xml", "x", "the media type image/svg+xml"},
        {"feed.txt", "application/rss+xml", "x", "the media type application/rss+xml"},
        {"logo.svg", "image/png", "x", "the extension .svg"},
        {"saved.HTM", "application/octet-stream", "x", "the extension .htm"},
        {"export.xml.txt", "text/plain", "x", "the extension .xml"},
        {"notes.txt", "text/plain", "\xEF\xBB\xBF \n<!DOCTYPE html><p>x", "its content starts like HTML"},
        {"notes.txt", "text/plain", "<script>alert(1)</script>", "its content starts like HTML"},
        {"image.png", "image/png", "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "starts like SVG"},
        {"data.bin", "application/octet-stream", "<?xml version='1.0'?><x/>", "starts like XML"},
    };
    for (const Case &c : cases) {
        auto why = active_content(c.name, c.type, bytes(c.content));
        ASSERT_TRUE(why.has_value()) << c.name << " " << c.type;
        EXPECT_NE(why->find(c.because), std::string::npos) << *why;
        EXPECT_EQ(headers_of(c.name, c.type, c.content)["Content-Type"], "application/octet-stream") << c.name;
    }
    // Text that merely mentions markup, or starts with '<' otherwise, is not active.
    EXPECT_EQ(active_content("log.txt", "text/plain", bytes("error: <html> tag missing")), std::nullopt);
    EXPECT_EQ(active_content("log.txt", "text/plain", bytes("<abc>")), std::nullopt);
    EXPECT_EQ(active_content("shot.png", "image/png", bytes("\x89PNG\r\n")), std::nullopt);
}

TEST(Download, EveryFileIsADownloadAndOnlyListedPassiveTypesKeepTheirType) {
    auto png = headers_of("shot.png", "image/png", "\x89PNG\r\n");
    EXPECT_EQ(png["Content-Type"], "image/png");
    EXPECT_EQ(png["Content-Disposition"], "attachment; filename=\"shot.png\"; filename*=UTF-8''shot.png");
    EXPECT_EQ(png["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ(png["Content-Security-Policy"], "sandbox; default-src 'none'");
    EXPECT_EQ(png["Cache-Control"], "private, no-store");
    EXPECT_EQ(headers_of("log.txt", "text/plain; charset=utf-8", "x")["Content-Type"], "text/plain");
    // A type nobody listed as passive is not trusted to be.
    EXPECT_EQ(headers_of("a.dat", "application/x-unheard-of", "x")["Content-Type"], "application/octet-stream");
    EXPECT_EQ(headers_of("a.pdf", "application/pdf", "%PDF-1.7")["Content-Type"], "application/pdf");
}

TEST(Download, DispositionQuotesNothingAUserAgentCouldMisread) {
    EXPECT_EQ(attachment_disposition("r\xC3\xA9sum\xC3\xA9 \"v2\" 100%.pdf"),
              "attachment; filename=\"r_sum_ _v2_ 100_.pdf\"; "
              "filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22%20100%25.pdf");
    EXPECT_EQ(attachment_disposition("a;b,c.txt"), "attachment; filename=\"a;b,c.txt\"; filename*=UTF-8''a%3Bb%2Cc.txt");
    // A name stored before the name rule existed cannot spoof the saved file either.
    EXPECT_EQ(attachment_disposition("invoice\u202Etxt.pdf"),
              "attachment; filename=\"invoice_txt.pdf\"; filename*=UTF-8''invoice_txt.pdf");
    EXPECT_EQ(attachment_disposition("a\x07\xC2\x85" "b.log"), "attachment; filename=\"a__b.log\"; filename*=UTF-8''a__b.log");
}

// ---- free space ----

TEST(DiskRoom, UploadsStopBelowTheConfiguredFreeSpace) {
    AttachmentLimits limits;
    limits.min_free_disk_bytes = 1000;
    EXPECT_NO_THROW(check_disk_room(1100, 100, limits));
    auto [status, message] = outcome([&] { check_disk_room(1099, 100, limits); });
    EXPECT_EQ(status, PLINTH_E_RESOURCE_EXHAUSTED);
    EXPECT_STREQ(sdk::status_name(status), "resource_exhausted");
    EXPECT_NE(message.find("disk space"), std::string::npos);
    EXPECT_EQ(outcome([&] { check_disk_room(50, 100, limits); }).first, PLINTH_E_RESOURCE_EXHAUSTED);
    limits.min_free_disk_bytes = 0; // off
    EXPECT_NO_THROW(check_disk_room(0, 100, limits));
}

TEST(DiskRoom, OnlyAServerOnThisMachineHasADataFolderToMeasure) {
    EXPECT_TRUE(database_on_this_machine("localhost", "vm", "vm"));
    EXPECT_TRUE(database_on_this_machine("127.0.0.1", "vm", "vm"));
    EXPECT_TRUE(database_on_this_machine("::1", "vm", "vm"));
    EXPECT_FALSE(database_on_this_machine("10.0.0.7", "vm", "vm"));      // another machine
    EXPECT_FALSE(database_on_this_machine("localhost", "db-1", "vm"));   // a tunnel or a container
    EXPECT_FALSE(database_on_this_machine("localhost", "", ""));
}

TEST(DiskRoom, TheThresholdIsASettingWithAGibibyteDefault) {
    EXPECT_EQ(Settings::from_json({}).attachments.min_free_disk_bytes, uint64_t{1} << 30);
    json::object o = json::parse(R"({"attachments": {"min_free_disk_bytes": 0}})").as_object();
    EXPECT_EQ(Settings::from_json(o).attachments.min_free_disk_bytes, 0u);
    json::object bad = json::parse(R"({"attachments": {"min_free_disk_bytes": -1}})").as_object();
    EXPECT_EQ(outcome([&] { Settings::from_json(bad); }).first, PLINTH_E_INVALID_ARGUMENT);
}

} // namespace
} // namespace plinth::tickets
