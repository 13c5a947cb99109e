// The portal's pure parts: the escaping renderer, CSRF tokens, cookies, form bodies and the small
// display rules (masked keys, readable dates). No server, no database.
#include "form_data.hpp"
#include "html.hpp"
#include "security.hpp"

#include <plinth/sdk/display.hpp>

#include <gtest/gtest.h>
#include <sodium.h>

#include <stdexcept>

namespace plinth::portal {
namespace {

TEST(PortalEscaping, EveryCharacterThatEndsTextOrAnAttributeIsAnEntity) {
    EXPECT_EQ(escape(R"(<script>alert("x" + 'y')</script> & more)").str(),
              "&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;)&lt;/script&gt; &amp; more");
    EXPECT_EQ(escape("plain text, é, 日本").str(), "plain text, é, 日本");
}

TEST(PortalEscaping, InvalidUtf8BecomesReplacementCharactersAndNothingIsCut) {
    EXPECT_EQ(escape(std::string("a\xff<b", 4)).str(), "a\xEF\xBF\xBD&lt;b");
    std::string long_invalid(10000, '\xC0');
    EXPECT_EQ(escape(long_invalid).str().size(), 30000u);
    std::string long_text(100000, '<');
    EXPECT_EQ(escape(long_text).str().size(), 400000u);
}

TEST(PortalRenderer, TextSlotsAreEscapedAndOnlyHtmlGoesInAsItIs) {
    Html inner = render("<b>{{name}}</b>", {{"name", "<i>Ada</i>"}});
    EXPECT_EQ(inner.str(), "<b>&lt;i&gt;Ada&lt;/i&gt;</b>");
    Html page = render(R"(<p title="{{t}}">{{body}}</p>)", {{"t", "\" onmouseover=\"x"}, {"body", inner}});
    EXPECT_EQ(page.str(), R"(<p title="&quot; onmouseover=&quot;x"><b>&lt;i&gt;Ada&lt;/i&gt;</b></p>)");
    std::string from_module = "<img src=x onerror=alert(1)>";
    EXPECT_EQ(render("{{x}}", {{"x", from_module}}).str(), "&lt;img src=x onerror=alert(1)&gt;");
    EXPECT_EQ(escape("a&b").str(), "a&amp;b");
}

TEST(PortalRenderer, ATemplateAndItsValuesMustAgree) {
    EXPECT_THROW(render("{{missing}}", {}), std::logic_error);
    EXPECT_THROW(render("no slots", {{"extra", "x"}}), std::logic_error);
    EXPECT_THROW(render("{{open", {}), std::logic_error);
    // A value that looks like a slot is text, not a slot.
    EXPECT_EQ(render("{{a}}", {{"a", "{{b}}"}}).str(), "{{b}}");
}

TEST(PortalDisplay, KeysAreMaskedButTheirLastGroup) {
    EXPECT_EQ(masked_key("HN0WH-3KWZ6-T7FKK-BEDZ8-7N0MT-273B0"),
              "\u2022\u2022\u2022\u2022\u2022-\u2022\u2022\u2022\u2022\u2022-\u2022\u2022\u2022\u2022\u2022-"
              "\u2022\u2022\u2022\u2022\u2022-\u2022\u2022\u2022\u2022\u2022-273B0");
    EXPECT_EQ(masked_key("ABCDEFGHIJ"), "\u2022\u2022\u2022\u2022\u2022\u2022GHIJ");
    EXPECT_EQ(masked_key("ABC"), "\u2022\u2022\u2022");
    EXPECT_EQ(masked_key(""), "");
}

TEST(PortalDisplay, DatesReadAsDates) {
    EXPECT_EQ(readable_time(int64_t{1769954700}), "1 February 2026, 14:05 UTC");
    EXPECT_EQ(readable_time(int64_t{0}), "\u2014");
    EXPECT_EQ(readable_time(std::string_view("2026-02-01T14:05:00Z")), "1 February 2026, 14:05 UTC");
    EXPECT_EQ(readable_time(std::string_view("not a date")), "not a date");
}

class PortalCsrf : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_GE(sodium_init(), 0);
        randombytes_buf(key_.data(), key_.size());
    }
    std::array<uint8_t, 32> key_{};
};

TEST_F(PortalCsrf, ATokenIsGoodOnlyForItsOwnBrowser) {
    CsrfGuard guard(key_);
    std::string token = guard.token_for("session-a");
    EXPECT_TRUE(guard.verify("session-a", token));
    EXPECT_FALSE(guard.verify("session-b", token));
    EXPECT_FALSE(guard.verify("session-a", ""));
    EXPECT_FALSE(guard.verify("", guard.token_for("")));
    std::string altered = token;
    altered[0] = altered[0] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(guard.verify("session-a", altered));
    EXPECT_FALSE(guard.verify("session-a", token + "x"));
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
}

TEST_F(PortalCsrf, AnotherKeyMakesOtherTokens) {
    CsrfGuard a(key_);
    auto other = key_;
    other[0] ^= 1;
    CsrfGuard b(other);
    EXPECT_FALSE(b.verify("session-a", a.token_for("session-a")));
}

TEST(PortalCookies, ValuesAreFoundByExactNameAndOnlyTokenCharactersPass) {
    EXPECT_EQ(cookie_value("a=1; plinth_session=abc-DEF_9.x; b=2", "plinth_session"), "abc-DEF_9.x");
    EXPECT_EQ(cookie_value("xplinth_session=evil; plinth_session=good", "plinth_session"), "good");
    EXPECT_EQ(cookie_value("plinth_session=", "plinth_session"), std::nullopt);
    EXPECT_EQ(cookie_value("plinth_session=a\"b", "plinth_session"), std::nullopt);
    EXPECT_EQ(cookie_value("plinth_session=a%20b", "plinth_session"), std::nullopt);
    EXPECT_EQ(cookie_value("other=1", "plinth_session"), std::nullopt);
    EXPECT_EQ(cookie_value("", "plinth_session"), std::nullopt);
}

TEST(PortalCookies, SessionCookiesAreHttpOnlyStrictAndSecureUnderTls) {
    EXPECT_EQ(set_cookie(kSessionCookie, "tok", {false, -1}), "plinth_session=tok; Path=/account/; HttpOnly; SameSite=Strict");
    EXPECT_EQ(set_cookie(kSessionCookie, "tok", {true, -1}),
              "plinth_session=tok; Path=/account/; HttpOnly; SameSite=Strict; Secure");
    EXPECT_EQ(set_cookie(kSessionCookie, "", {true, 0}),
              "plinth_session=; Path=/account/; HttpOnly; SameSite=Strict; Secure; Max-Age=0");
}

TEST(PortalCookies, RandomFormCookiesDifferAndAreTokens) {
    ASSERT_GE(sodium_init(), 0);
    std::string a = random_token(), b = random_token();
    EXPECT_NE(a, b);
    EXPECT_EQ(a.size(), 43u);
    EXPECT_EQ(cookie_value("plinth_form=" + a, kFormCookie), a);
}

TEST(PortalOrigin, OnlyThisSitesOriginPasses) {
    EXPECT_TRUE(same_origin("", "shop.example:8080"));
    EXPECT_TRUE(same_origin("http://shop.example:8080", "shop.example:8080"));
    EXPECT_TRUE(same_origin("https://shop.example", "shop.example"));
    EXPECT_FALSE(same_origin("https://evil.example", "shop.example"));
    EXPECT_FALSE(same_origin("null", "shop.example"));
    EXPECT_FALSE(same_origin("https://shop.example.evil.example", "shop.example"));
}

TEST(PortalForms, UrlencodedFieldsDecodeAndBadOnesAreRefused) {
    auto f = http::parse_urlencoded("a=1&b=x+y%21&&c=", 10);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(http::form_value(*f, "b"), "x y!");
    EXPECT_EQ(http::form_value(*f, "c"), "");
    EXPECT_EQ(http::form_value(*f, "missing"), "");
    EXPECT_FALSE(http::parse_urlencoded("a=%zz", 10).has_value());
    EXPECT_FALSE(http::parse_urlencoded("=1", 10).has_value());
    EXPECT_FALSE(http::parse_urlencoded("a=1&b=2&c=3", 2).has_value());
}

TEST(PortalForms, MultipartPartsCarryNamesFileNamesAndTypes) {
    std::string body = "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok\r\n"
                       "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a b.log\"\r\n"
                       "Content-Type: text/plain\r\n\r\nline1\r\nline2\r\n--XyZ--\r\n";
    auto parts = http::multipart_parts("multipart/form-data; boundary=XyZ", body);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].name, "csrf_token");
    EXPECT_EQ(parts[0].filename, "");
    EXPECT_EQ(parts[0].body, "tok");
    EXPECT_EQ(parts[1].name, "file");
    EXPECT_EQ(parts[1].filename, "a b.log");
    EXPECT_EQ(parts[1].content_type, "text/plain");
    EXPECT_EQ(parts[1].body, "line1\r\nline2");
    // "filename=" is not mistaken for "name=".
    auto only_file = http::multipart_parts(
        "multipart/form-data; boundary=\"XyZ\"",
        "--XyZ\r\nContent-Disposition: form-data; filename=\"x\"; name=\"f\"\r\n\r\nB\r\n--XyZ--");
    ASSERT_EQ(only_file.size(), 1u);
    EXPECT_EQ(only_file[0].name, "f");
    EXPECT_TRUE(http::multipart_parts("multipart/form-data; boundary=XyZ", "--XyZ\r\nno end").empty());
    EXPECT_TRUE(http::multipart_parts("multipart/form-data", body).empty());
    EXPECT_TRUE(http::has_media_type("Multipart/Form-Data; boundary=x", "multipart/form-data"));
    EXPECT_FALSE(http::has_media_type("multipart/form-datax", "multipart/form-data"));
}

} // namespace
} // namespace plinth::portal
