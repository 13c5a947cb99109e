// Tickets domain rules, without a database: workflow, environment redaction, attachment policy,
// credential rules and sealing, configuration.
#include "domain/attachment_policy.hpp"
#include "domain/content.hpp"
#include "domain/credential_cipher.hpp"
#include "domain/credentials.hpp"
#include "domain/environment.hpp"
#include "domain/inventory.hpp"
#include "domain/settings.hpp"
#include "domain/text.hpp"
#include "domain/workflow.hpp"

#include <plinth/sdk/encoding.hpp>
#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace plinth::tickets {
namespace {

namespace json = boost::json;

template <class F>
int32_t status_of(F &&f) {
    try {
        f();
    } catch (const sdk::Error &e) {
        return e.status();
    }
    return PLINTH_OK;
}

template <class F>
std::string message_of(F &&f) {
    try {
        f();
    } catch (const sdk::Error &e) {
        return e.what();
    }
    return "";
}

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }
const json::value kRedactedValue = json::string(kRedacted);

// ---- workflow ----

TEST(Workflow, StaffMayMakeEveryMoveOfTheDiagram) {
    const std::vector<std::pair<Status, Status>> moves = {
        {Status::open, Status::pending},     {Status::open, Status::resolved},   {Status::open, Status::closed},
        {Status::pending, Status::open},     {Status::pending, Status::resolved}, {Status::pending, Status::closed},
        {Status::resolved, Status::open},    {Status::resolved, Status::closed}, {Status::closed, Status::open}};
    for (auto [from, to] : moves) EXPECT_EQ(transition(from, to, Actor::staff), to);
}

TEST(Workflow, MovesOutsideTheDiagramAreConflicts) {
    EXPECT_EQ(status_of([] { transition(Status::closed, Status::pending, Actor::staff); }), PLINTH_E_CONFLICT);
    EXPECT_EQ(status_of([] { transition(Status::closed, Status::resolved, Actor::staff); }), PLINTH_E_CONFLICT);
    EXPECT_EQ(status_of([] { transition(Status::resolved, Status::pending, Actor::staff); }), PLINTH_E_CONFLICT);
    for (int s = 0; s < 4; ++s)
        EXPECT_EQ(status_of([&] { transition(Status(s), Status(s), Actor::staff); }), PLINTH_E_CONFLICT);
    EXPECT_NE(message_of([] { transition(Status::closed, Status::pending, Actor::owner); }).find("reopen"),
              std::string::npos);
}

TEST(Workflow, OwnersResolveCloseAndReopenButNeverMarkPending) {
    EXPECT_EQ(transition(Status::open, Status::resolved, Actor::owner), Status::resolved);
    EXPECT_EQ(transition(Status::open, Status::closed, Actor::owner), Status::closed);
    EXPECT_EQ(transition(Status::resolved, Status::open, Actor::owner), Status::open);
    EXPECT_EQ(transition(Status::closed, Status::open, Actor::owner), Status::open);
    EXPECT_EQ(status_of([] { transition(Status::open, Status::pending, Actor::owner); }), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(status_of([] { transition(Status::pending, Status::open, Actor::owner); }), PLINTH_E_PERMISSION_DENIED);
}

TEST(Workflow, RepliesMoveTheStatus) {
    EXPECT_EQ(status_after_reply(Status::open, Actor::staff), Status::pending);
    EXPECT_EQ(status_after_reply(Status::open, Actor::owner), Status::open);
    EXPECT_EQ(status_after_reply(Status::pending, Actor::owner), Status::open);
    EXPECT_EQ(status_after_reply(Status::pending, Actor::staff), Status::pending);
    EXPECT_EQ(status_after_reply(Status::resolved, Actor::owner), Status::open);
    EXPECT_EQ(status_after_reply(Status::resolved, Actor::staff), Status::resolved);
    EXPECT_EQ(status_of([] { status_after_reply(Status::closed, Actor::owner); }), PLINTH_E_CONFLICT);
    EXPECT_EQ(status_of([] { status_after_reply(Status::closed, Actor::staff); }), PLINTH_E_CONFLICT);
}

TEST(Workflow, NamesRoundTripAndUnknownStoredValuesAreRefused) {
    for (int s = 0; s < 4; ++s) EXPECT_EQ(parse_status(status_name(Status(s))), Status(s));
    for (int p = 0; p < 4; ++p) EXPECT_EQ(parse_priority(priority_name(Priority(p))), Priority(p));
    EXPECT_FALSE(parse_status("Open"));
    EXPECT_FALSE(parse_priority(""));
    EXPECT_EQ(status_of([] { status_from_db(4); }), PLINTH_E_INTERNAL);
    EXPECT_EQ(status_of([] { priority_from_db(-1); }), PLINTH_E_INTERNAL);
}

// ---- text ----

TEST(Text, RefusesControlCharactersBlanksAndOverlongValues) {
    EXPECT_NO_THROW(check_line("subject", "Login fails — ünïcode ok", 200));
    EXPECT_EQ(status_of([] { check_line("subject", "a\nb", 200); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([] { check_line("subject", std::string("a\0b", 3), 200); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([] { check_line("subject", "a\x1b[31m", 200); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([] { check_line("subject", "\xc2\x85", 200); }), PLINTH_E_INVALID_ARGUMENT); // C1 NEL
    EXPECT_EQ(status_of([] { check_line("subject", "   ", 200); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([] { check_line("subject", std::string(201, 'x'), 200); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_NO_THROW(check_text("description", "line 1\r\n\tline 2", 200));
    EXPECT_EQ(status_of([] { check_text("description", "\n\n", 200); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_NE(message_of([] { check_text("description", "a\x07", 10); }).find("description"), std::string::npos);
}

TEST(Text, RecognisesInvalidUtf8) {
    EXPECT_TRUE(valid_utf8("plain ascii"));
    EXPECT_TRUE(valid_utf8("\xf0\x9f\x98\x80"));
    EXPECT_FALSE(valid_utf8("\xc0\xaf"));         // overlong '/'
    EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));     // surrogate
    EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80")); // past U+10FFFF
    EXPECT_FALSE(valid_utf8("\xe2\x82"));         // truncated
}

// ---- environment ----

json::object sample_environment() {
    return json::parse(R"({
        "cms": {"name": "WordPress", "version": "6.5.2"},
        "language": {"name": "PHP", "version": "8.2.10"},
        "plugins": [{"name": "Forms Pro", "version": "3.1.0"}, {"name": "Cache"}],
        "server": {"software": "nginx/1.24", "os": "Debian 12", "database": "MariaDB 10.11",
                   "document_root": "/var/www/shop", "database_name": "wp_shop", "database_user": "shopuser",
                   "hostname": "web-3.internal"},
        "extras": {"memory_limit": "256M", "multisite": false, "max_upload_mb": 64,
                   "ABSPATH": "/srv/www/", "AUTH_KEY": "x9#k", "uploadDir": "uploads",
                   "cache_backend": "/run/redis.sock", "smtp_dsn_like": "smtp://mailer:pw@mail.example.com",
                   "theme": {"value": "Storefront", "private": true},
                   "php_version": {"value": "8.2", "private": false}}
    })").as_object();
}

TEST(Environment, OwnerSeesEverythingOthersSeePrivateValuesRedacted) {
    json::object stored = normalise_environment(sample_environment(), {});
    json::object mine = environment_view(stored, true);
    json::object theirs = environment_view(stored, false);

    EXPECT_EQ(mine.at("server").at("document_root"), "/var/www/shop");
    EXPECT_EQ(mine.at("extras").at("AUTH_KEY"), "x9#k");
    EXPECT_EQ(mine.at("extras").at("theme"), "Storefront");

    for (const char *f : {"document_root", "database_name", "database_user", "hostname"})
        EXPECT_EQ(theirs.at("server").at(f), kRedactedValue) << f;
    for (const char *f : {"software", "os", "database"}) EXPECT_NE(theirs.at("server").at(f), kRedactedValue) << f;
    for (const char *k : {"ABSPATH", "AUTH_KEY", "uploadDir", "cache_backend", "smtp_dsn_like", "theme"})
        EXPECT_EQ(theirs.at("extras").at(k), kRedactedValue) << k;
    EXPECT_EQ(theirs.at("extras").at("memory_limit"), "256M");
    EXPECT_EQ(theirs.at("extras").at("multisite"), false);
    EXPECT_EQ(theirs.at("extras").at("max_upload_mb"), 64);
    EXPECT_EQ(theirs.at("extras").at("php_version"), "8.2");
    EXPECT_EQ(theirs.at("cms"), mine.at("cms"));
    EXPECT_EQ(theirs.at("plugins"), mine.at("plugins"));

    std::string redacted = json::serialize(theirs);
    for (const char *secret : {"/var/www/shop", "wp_shop", "shopuser", "web-3", "x9#k", "/srv/www", "redis.sock",
                               "mailer:pw", "Storefront"})
        EXPECT_EQ(redacted.find(secret), std::string::npos) << secret;
}

TEST(Environment, KeyNameAndValueRules) {
    for (const char *k : {"ABSPATH", "wp_content_dir", "DB_HOST", "dbName", "AUTH_SALT", "api_token", "secretThing",
                          "session.save_path", "admin_email", "LOGGED_IN_KEY", "db_password", "homeUrl"})
        EXPECT_TRUE(private_key_name(k)) << k;
    for (const char *k : {"memory_limit", "php_version", "multisite", "theme", "directory_listing_enabled",
                          "max_execution_time", "wp_debug", "monkey_patch", "locale"})
        EXPECT_FALSE(private_key_name(k)) << k;
    for (const char *v : {"/etc/passwd", "~/site", "C:\\inetpub", "d:/www", "\\\\fileserver\\share",
                          "mysql://root:pw@db/wp", "https://user@example.com/"})
        EXPECT_TRUE(private_looking_value(v)) << v;
    for (const char *v : {"256M", "https://example.com/a@b", "8.2", "enabled"})
        EXPECT_FALSE(private_looking_value(v)) << v;
}

TEST(Environment, PrivateFalseNeverOverridesTheRules) {
    json::object in = json::parse(R"({"extras": {"DB_PASSWORD": {"value": "hunter2", "private": false}}})").as_object();
    json::object view = environment_view(normalise_environment(in, {}), false);
    EXPECT_EQ(view.at("extras").at("DB_PASSWORD"), kRedactedValue);
}

TEST(Environment, UnknownStoredServerFieldsAndMalformedExtrasStayHidden) {
    json::object stored = json::parse(R"({"server": {"future_field": "x"},
                                         "extras": {"a": {"value": "v"}, "b": "not wrapped"}})").as_object();
    json::object view = environment_view(stored, false);
    EXPECT_EQ(view.at("server").at("future_field"), kRedactedValue);
    EXPECT_EQ(view.at("extras").at("a"), kRedactedValue); // no private flag: the safe side
    EXPECT_FALSE(view.at("extras").as_object().contains("b"));
}

TEST(Environment, BadShapesAreRefusedWithTheMemberNamed) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"os": "Linux"})", "unknown member 'os' in environment"},
        {R"({"cms": "WordPress"})", "environment.cms must be an object"},
        {R"({"cms": {"version": "6"}})", "environment.cms.name is missing"},
        {R"({"cms": {"name": "WP", "edition": "x"}})", "unknown member 'edition' in environment.cms"},
        {R"({"cms": {"name": 6}})", "environment.cms.name must be a string"},
        {R"({"plugins": {"name": "x"}})", "environment.plugins must be an array"},
        {R"({"plugins": [{"name": "ok"}, 3]})", "environment.plugins[1] must be an object"},
        {R"({"server": {"kernel": "6.1"}})", "unknown member 'kernel' in environment.server"},
        {R"({"server": {"os": "a\nb"}})", "environment.server.os must not contain control characters"},
        {R"({"extras": {"bad key!": "x"}})", "environment.extras keys"},
        {R"({"extras": {"k": [1]}})", "environment.extras.k must be a string, a number or true/false"},
        {R"({"extras": {"k": {"value": "x", "private": "yes"}}})", "environment.extras.k.private must be true or false"},
        {R"({"extras": {"k": {"private": true}}})", "environment.extras.k.value is missing"},
        {R"({"extras": {"k": null}})", "must be a string, a number or true/false"},
    };
    for (const auto &[text, expected] : cases) {
        json::object in = json::parse(text).as_object();
        std::string message = message_of([&] { normalise_environment(in, {}); });
        EXPECT_NE(message.find(expected), std::string::npos) << text << " gave: " << message;
        EXPECT_EQ(status_of([&] { normalise_environment(in, {}); }), PLINTH_E_INVALID_ARGUMENT) << text;
    }
}

TEST(Environment, SizeLimitsAreLimitErrors) {
    EnvironmentLimits small;
    small.max_bytes = 64;
    json::object big = json::parse(R"({"extras": {"note": ")" + std::string(100, 'x') + R"("}})").as_object();
    EXPECT_EQ(status_of([&] { normalise_environment(big, small); }), PLINTH_E_LIMIT_EXCEEDED);

    EnvironmentLimits few;
    few.max_plugins = 1;
    few.max_extras = 1;
    json::object plugins = json::parse(R"({"plugins": [{"name": "a"}, {"name": "b"}]})").as_object();
    json::object extras = json::parse(R"({"extras": {"a": 1, "b": 2}})").as_object();
    EXPECT_EQ(status_of([&] { normalise_environment(plugins, few); }), PLINTH_E_LIMIT_EXCEEDED);
    EXPECT_EQ(status_of([&] { normalise_environment(extras, few); }), PLINTH_E_LIMIT_EXCEEDED);
}

// ---- attachments ----

TEST(AttachmentPolicy, ExecutablesAndScriptsAreRecognisedByContent) {
    const std::vector<std::pair<std::string, std::string>> programs = {
        {std::string("\x7f" "ELF\x02\x01\x01", 7), "ELF"},
        {"MZ\x90\x00", "Windows"},
        {std::string("\xfe\xed\xfa\xce", 4), "Mach-O"},
        {std::string("\xfe\xed\xfa\xcf", 4), "Mach-O"},
        {std::string("\xce\xfa\xed\xfe", 4), "Mach-O"},
        {std::string("\xcf\xfa\xed\xfe", 4), "Mach-O"},
        {std::string("\xca\xfe\xba\xbe", 4), "universal"},
        {"#!/bin/sh\nrm -rf /\n", "#!"},
        {"\xef\xbb\xbf#!/usr/bin/env python", "#!"},
        {"<?php echo 1;", "PHP"},
        {"  \n<?PHP system($_GET['c']);", "PHP"},
        {"<?= $x ?>", "PHP"},
    };
    for (const auto &[content, what] : programs) {
        auto sig = executable_signature(bytes(content));
        ASSERT_TRUE(sig) << content;
        EXPECT_NE(sig->find(what), std::string::npos) << *sig;
    }
    for (const char *ok : {"plain text log\n<?php appears later", "GIF89a....", "%PDF-1.7", "<?xml version='1.0'?>",
                           "M", "#", "\x89PNG\r\n"})
        EXPECT_FALSE(executable_signature(bytes(ok))) << ok;
}

TEST(AttachmentPolicy, RefusedExtensionsAnywhereInTheName) {
    EXPECT_EQ(refused_extension("setup.exe"), "exe");
    EXPECT_EQ(refused_extension("SETUP.EXE"), "exe");
    EXPECT_EQ(refused_extension("shell.php.jpg"), "php");
    EXPECT_EQ(refused_extension("run.sh"), "sh");
    EXPECT_EQ(refused_extension("app.ps1"), "ps1");
    EXPECT_EQ(refused_extension("x.phtml"), "phtml");
    EXPECT_FALSE(refused_extension("screenshot.png"));
    EXPECT_FALSE(refused_extension("debug.log"));
    EXPECT_FALSE(refused_extension("no-extension"));
    EXPECT_FALSE(refused_extension("archive.tar.gz"));
    EXPECT_FALSE(refused_extension("shopping.list.txt"));
}

TEST(AttachmentPolicy, NamesAndMediaTypesAreValidated) {
    EXPECT_NO_THROW(check_file_name("Bildschirmfoto 2026-01-01 um 10.00.png"));
    for (const char *bad : {"", ".", "..", "../etc/passwd", "a/b.txt", "a\\b.txt", " lead.txt", "trail.txt ",
                            "dot.", "tab\there.txt"})
        EXPECT_EQ(status_of([&] { check_file_name(bad); }), PLINTH_E_INVALID_ARGUMENT) << bad;
    EXPECT_EQ(status_of([] { check_file_name(std::string(256, 'a')); }), PLINTH_E_INVALID_ARGUMENT);

    for (const char *ok : {"text/plain", "image/png", "application/vnd.ms-excel", "text/plain; charset=utf-8"})
        EXPECT_NO_THROW(check_media_type(ok)) << ok;
    for (const char *bad : {"", "text", "/plain", "text/", "text/pl ain", "te xt/plain", "text/plain;\x01"})
        EXPECT_EQ(status_of([&] { check_media_type(bad); }), PLINTH_E_INVALID_ARGUMENT) << bad;

    EXPECT_TRUE(refused_media_type("application/x-msdownload"));
    EXPECT_TRUE(refused_media_type("Application/X-HTTPD-PHP; charset=utf-8"));
    EXPECT_TRUE(refused_media_type("text/x-shellscript"));
    EXPECT_FALSE(refused_media_type("text/plain"));
}

TEST(AttachmentPolicy, CheckAttachmentAppliesEveryRule) {
    AttachmentLimits limits;
    limits.max_bytes = 16;
    auto ok = bytes("hello");
    EXPECT_NO_THROW(check_attachment("a.txt", "text/plain", ok, limits));
    EXPECT_EQ(status_of([&] { check_attachment("a.txt", "text/plain", bytes(std::string(17, 'x')), limits); }),
              PLINTH_E_LIMIT_EXCEEDED);
    EXPECT_EQ(status_of([&] { check_attachment("a.txt", "text/plain", {}, limits); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([&] { check_attachment("a.exe", "text/plain", ok, limits); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([&] { check_attachment("a.txt", "application/x-sh", ok, limits); }),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([&] { check_attachment("a.txt", "text/plain", bytes("#!/bin/sh"), limits); }),
              PLINTH_E_INVALID_ARGUMENT);
}

// ---- content ----

TEST(Content, Base64IsStrictAndLimited) {
    EXPECT_EQ(decode_base64("c", "aGVsbG8=", 100), bytes("hello"));
    EXPECT_EQ(plinth::sdk::encoding::to_base64(bytes("hello")), "aGVsbG8=");
    EXPECT_EQ(status_of([] { decode_base64("c", "aGVsbG8", 100); }), PLINTH_E_INVALID_ARGUMENT);   // no padding
    EXPECT_EQ(status_of([] { decode_base64("c", "aGVs bG8=", 100); }), PLINTH_E_INVALID_ARGUMENT); // space
    EXPECT_EQ(status_of([] { decode_base64("c", "aGVsbG8=!", 100); }), PLINTH_E_INVALID_ARGUMENT); // trailing
    EXPECT_EQ(status_of([] { decode_base64("c", "aGVsbG8_", 100); }), PLINTH_E_INVALID_ARGUMENT);  // url alphabet
    EXPECT_EQ(status_of([] { decode_base64("c", "", 100); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([] { decode_base64("c", "aGVsbG8=", 4); }), PLINTH_E_LIMIT_EXCEEDED);
    EXPECT_EQ(status_of([] { decode_base64("c", std::string(4000, 'A'), 100); }), PLINTH_E_LIMIT_EXCEEDED);
    std::vector<uint8_t> all(256);
    for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
    EXPECT_EQ(decode_base64("c", plinth::sdk::encoding::to_base64(all), 256), all);
}

TEST(Content, Sha256MatchesTheKnownVector) {
    EXPECT_EQ(plinth::sdk::encoding::to_hex(sha256(bytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// ---- credentials ----

CredentialSecret secret(std::string url = "https://shop.example.com/wp-admin", std::string user = "support",
                        std::string password = "correct horse battery staple", std::string note = "") {
    CredentialSecret s;
    s.site_url = std::move(url);
    s.username = std::move(user);
    s.password = std::move(password);
    s.note = std::move(note);
    return s;
}

TEST(Credentials, ValidationRefusesBadFieldsWithoutEchoingThem) {
    EXPECT_NO_THROW(check_credential(secret()));
    EXPECT_NO_THROW(check_credential(secret("http://10.0.0.5:8080/admin", "a", " spaces are fine ", "one\ntwo")));
    const std::vector<CredentialSecret *> none;
    struct Case {
        CredentialSecret s;
        const char *field;
    };
    std::vector<Case> cases;
    cases.push_back({secret("ftp://example.com"), "site_url"});
    cases.push_back({secret("example.com/wp-admin"), "site_url"});
    cases.push_back({secret("https://"), "site_url"});
    cases.push_back({secret("https://admin:hunter2@example.com"), "site_url"});
    cases.push_back({secret("https://example.com", ""), "username"});
    cases.push_back({secret("https://example.com", "a\nb"), "username"});
    cases.push_back({secret("https://example.com", "u", ""), "password"});
    cases.push_back({secret("https://example.com", "u", "tab\tbed"), "password"});
    cases.push_back({secret("https://example.com", "u", std::string(1025, 'p')), "password"});
    cases.push_back({secret("https://example.com", "u", "\xff\xfe"), "password"});
    cases.push_back({secret("https://example.com", "u", "p", std::string(2001, 'n')), "note"});
    for (auto &c : cases) {
        std::string m = message_of([&] { check_credential(c.s); });
        EXPECT_EQ(m.rfind(c.field, 0), 0u) << m;
        EXPECT_EQ(m.find("hunter2"), std::string::npos);
    }
}

TEST(Credentials, LifecycleStates) {
    int64_t created = 1'000'000;
    int64_t expires = credential_expiry(created, 7);
    EXPECT_EQ(expires, created + 7 * 86400);
    EXPECT_EQ(credential_state(expires - 1, expires, std::nullopt), CredentialState::active);
    EXPECT_EQ(credential_state(expires, expires, std::nullopt), CredentialState::expired);
    EXPECT_EQ(credential_state(created, expires, created + 5), CredentialState::purged);
    EXPECT_EQ(purge_reason_name(PurgeReason::ticket_closed), "ticket_closed");
}

TEST(Credentials, SecretsSerialiseAndParseBack) {
    CredentialSecret s = secret("https://a.example", "u\"ser", "p\\w", "n");
    CredentialSecret back = parse_secret(serialise_secret(s));
    EXPECT_EQ(back.site_url, s.site_url);
    EXPECT_EQ(back.username, s.username);
    EXPECT_EQ(back.password, s.password);
    EXPECT_EQ(back.note, s.note);
    EXPECT_EQ(status_of([] { parse_secret("not json"); }), PLINTH_E_INTERNAL);
}

std::vector<uint8_t> key(uint8_t fill) { return std::vector<uint8_t>(32, fill); }

TEST(CredentialCipher, SealsAndOpensBoundToTicketAndCredential) {
    CredentialCipher cipher(key(7));
    SealedCredential sealed = cipher.seal(12, 34, "s3cret-plaintext");
    EXPECT_EQ(sealed.nonce.size(), 24u);
    std::string raw(sealed.ciphertext.begin(), sealed.ciphertext.end());
    EXPECT_EQ(raw.find("s3cret"), std::string::npos);
    EXPECT_EQ(cipher.open(12, 34, sealed), "s3cret-plaintext");

    std::string moved = message_of([&] { cipher.open(13, 34, sealed); });
    EXPECT_NE(moved.find("cannot be decrypted"), std::string::npos);
    EXPECT_NE(moved.find("another ticket"), std::string::npos);
    EXPECT_EQ(status_of([&] { cipher.open(12, 35, sealed); }), PLINTH_E_INTERNAL);

    SealedCredential flipped = sealed;
    flipped.ciphertext[3] ^= 1;
    EXPECT_EQ(status_of([&] { cipher.open(12, 34, flipped); }), PLINTH_E_INTERNAL);
    SealedCredential other_nonce = sealed;
    other_nonce.nonce[0] ^= 1;
    EXPECT_EQ(status_of([&] { cipher.open(12, 34, other_nonce); }), PLINTH_E_INTERNAL);
    SealedCredential truncated = sealed;
    truncated.ciphertext.resize(10);
    EXPECT_NE(message_of([&] { cipher.open(12, 34, truncated); }).find("malformed"), std::string::npos);
    SealedCredential future = sealed;
    future.key_version = 2;
    EXPECT_NE(message_of([&] { cipher.open(12, 34, future); }).find("key version"), std::string::npos);

    CredentialCipher other(key(8));
    EXPECT_EQ(status_of([&] { other.open(12, 34, sealed); }), PLINTH_E_INTERNAL);
}

TEST(CredentialCipher, NoncesAreFreshAndLengthsPadded) {
    CredentialCipher cipher(key(1));
    SealedCredential a = cipher.seal(1, 1, "pw");
    SealedCredential b = cipher.seal(1, 1, "pw");
    EXPECT_NE(a.nonce, b.nonce);
    EXPECT_NE(a.ciphertext, b.ciphertext);
    // "a" and a 40-byte password land in the same 64-byte block: their lengths do not show.
    EXPECT_EQ(cipher.seal(1, 1, "a").ciphertext.size(), cipher.seal(1, 1, std::string(40, 'a')).ciphertext.size());
    EXPECT_EQ(status_of([] { CredentialCipher bad(std::vector<uint8_t>(16)); }), PLINTH_E_INTERNAL);
}

// ---- settings and inventory ----

TEST(Settings, DefaultsAndOverrides) {
    Settings d = Settings::from_json({});
    EXPECT_EQ(d.attachments.max_bytes, 10u << 20);
    EXPECT_EQ(d.credentials.ttl_days, 7);
    Settings s = Settings::from_json(json::parse(R"({"database": {"socket": "/x"}, "state_dir": "/tmp",
        "attachments": {"max_bytes": 1024, "max_per_ticket": 3}, "credentials": {"ttl_days": 2},
        "retention": {"closed_ticket_days": 30}})").as_object());
    EXPECT_EQ(s.attachments.max_bytes, 1024u);
    EXPECT_EQ(s.attachments.max_per_ticket, 3u);
    EXPECT_EQ(s.credentials.ttl_days, 2);
    EXPECT_EQ(s.closed_ticket_days, 30);
}

TEST(Settings, MistakesAreRefusedByName) {
    for (const char *bad : {R"({"attachment": {}})", R"({"attachments": {"max_size": 1}})",
                            R"({"attachments": {"max_bytes": "10M"}})", R"({"attachments": {"max_bytes": 0}})",
                            R"({"attachments": {"max_bytes": 999999999}})", R"({"credentials": 7})",
                            R"({"credentials": {"ttl_days": -1}})"}) {
        json::object o = json::parse(bad).as_object();
        EXPECT_EQ(status_of([&] { Settings::from_json(o); }), PLINTH_E_INVALID_ARGUMENT) << bad;
    }
}

TEST(Inventory, EveryCategoryHasPurposeBasisAndRetention) {
    std::vector<Category> categories = data_categories(Settings{});
    ASSERT_EQ(categories.size(), 5u);
    for (const Category &c : categories) {
        EXPECT_FALSE(c.purpose.empty()) << c.name;
        EXPECT_FALSE(c.legal_basis.empty()) << c.name;
        EXPECT_FALSE(c.retention.empty()) << c.name;
        EXPECT_GT(c.retention_days, 0) << c.name;
    }
    EXPECT_EQ(categories[3].name, kCategoryCredentials);
    EXPECT_EQ(categories[3].retention_days, 7);
}

} // namespace
} // namespace plinth::tickets
