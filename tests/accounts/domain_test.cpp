// Pure rules of the accounts module: no database, no host.
#include "domain/config.hpp"
#include "domain/gravatar.hpp"
#include "domain/identity.hpp"
#include "domain/password.hpp"
#include "domain/session.hpp"
#include "domain/throttle.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>

namespace plinth::accounts {
namespace {

// Small Argon2 parameters keep the suite fast (also under ASan); the defaults get their own test.
const Argon2Params kSmall{1024, 1, 1, 16, 32};

int32_t status_of(const std::function<void()> &f, std::string *message = nullptr) {
    try {
        f();
    } catch (const sdk::Error &e) {
        if (message) *message = e.what();
        return e.status();
    }
    return PLINTH_OK;
}

// ---- identity

TEST(Email, IsTrimmedAndNormalisedButStoredAsGiven) {
    Email e = parse_email("  Ada.Lovelace@Example.COM \t");
    EXPECT_EQ(e.given, "Ada.Lovelace@Example.COM");
    EXPECT_EQ(e.normalized, "ada.lovelace@example.com");
}

TEST(Email, AcceptsCommonShapes) {
    for (const char *ok : {"a@b.co", "o'brien@example.ie", "first+tag@sub.example.org", "x_y-z@xn--bcher-kva.de",
                           "1234@example.com", "a!#$%&*+/=?^_`{|}~-@example.com"})
        EXPECT_NO_THROW(parse_email(ok)) << ok;
}

TEST(Email, RefusesMalformedAddressesNamingTheRule) {
    struct Case {
        const char *email;
        const char *says;
    } cases[] = {
        {"", "empty"},
        {"   ", "empty"},
        {"plainaddress", "exactly one '@'"},
        {"a@b@example.com", "exactly one '@'"},
        {"@example.com", "before '@'"},
        {".a@example.com", "start or end with '.'"},
        {"a..b@example.com", "'..'"},
        {"a b@example.com", "printable ASCII"},
        {"a\"b@example.com", "must not contain '\"'"},
        {"a@example", "at least two parts"},
        {"a@-example.com", "'-'"},
        {"a@exa_mple.com", "letters, digits"},
        {"a@example..com", "1 to 63"},
        {"a@127.0.0.1", "end in a name"},
        {"j\xC3\xB6rg@example.com", "ASCII"},
        {"x@example.com'; DROP TABLE accounts_users; --", "printable ASCII"},
    };
    for (const auto &c : cases) {
        std::string message;
        EXPECT_EQ(status_of([&] { parse_email(c.email); }, &message), PLINTH_E_INVALID_ARGUMENT) << c.email;
        EXPECT_NE(message.find(c.says), std::string::npos) << c.email << ": " << message;
    }
    EXPECT_EQ(status_of([] { parse_email(std::string(65, 'a') + "@example.com"); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([] { parse_email("a@" + std::string(64, 'b') + ".com"); }), PLINTH_E_INVALID_ARGUMENT);
    std::string longest = std::string(64, 'a') + "@" + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                          std::string(61, 'd'); // 254 bytes
    ASSERT_EQ(longest.size(), 254u);
    EXPECT_NO_THROW(parse_email(longest));
    EXPECT_EQ(status_of([&] { parse_email(longest + "e"); }), PLINTH_E_INVALID_ARGUMENT);
}

TEST(Username, StatesItsRulesWhenBroken) {
    EXPECT_EQ(parse_username("Ada_L-1.x"), "Ada_L-1.x");
    EXPECT_EQ(normalize_username("Ada_L"), "ada_l");
    for (const char *bad : {"ab", "_ada", ".ada", "ada lovelace", "ada@example", "ad'a", "ädä", "a;DROP TABLE",
                            "abcdefghijklmnopqrstuvwxyz0123456"}) {
        std::string message;
        EXPECT_EQ(status_of([&] { parse_username(bad); }, &message), PLINTH_E_INVALID_ARGUMENT) << bad;
        EXPECT_NE(message.find("3 to 32 characters"), std::string::npos) << message;
        EXPECT_NE(message.find("starting with a letter or digit"), std::string::npos) << message;
    }
}

TEST(Name, KeepsAnyPrintableUnicodeUpToTheLimit) {
    EXPECT_EQ(parse_name("Zoë O'Brien-Łukasz", "first_name"), "Zoë O'Brien-Łukasz");
    EXPECT_EQ(parse_name("Robert'); DROP TABLE accounts_users;--", "last_name"),
              "Robert'); DROP TABLE accounts_users;--");
    std::string hundred;
    for (int i = 0; i < 100; ++i) hundred += "é"; // 100 characters, 200 bytes
    EXPECT_NO_THROW(parse_name(hundred, "first_name"));
    std::string message;
    EXPECT_EQ(status_of([&] { parse_name(hundred + "é", "first_name"); }, &message), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_NE(message.find("first_name must be at most 100 characters"), std::string::npos);
    EXPECT_EQ(status_of([] { parse_name("   ", "first_name"); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([] { parse_name("a\nb", "first_name"); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([] { parse_name(std::string("a\0b", 3), "first_name"); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([] { parse_name("a\xE2\x80\xA8" "b", "first_name"); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([] { parse_name("\xC3\x28", "first_name"); }), PLINTH_E_INVALID_ARGUMENT);
    // Bidirectional overrides, embeddings and isolates make a name display as another one.
    for (const char *bidi : {"\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069"}) {
        EXPECT_EQ(status_of([&] { parse_name(std::string("Eve") + bidi + "gnp.exe", "first_name"); }, &message),
                  PLINTH_E_INVALID_ARGUMENT);
        EXPECT_NE(message.find("first_name must not contain bidirectional"), std::string::npos) << message;
    }
    EXPECT_EQ(status_of([] { parse_name("a\xC2\x9B" "31m", "first_name"); }), PLINTH_E_INVALID_ARGUMENT); // C1 CSI
    EXPECT_NO_THROW(parse_name("\u05E2\u05D3\u05D4\u200F", "first_name")); // Hebrew with a right-to-left mark
}

TEST(Utf8, RefusesEveryMalformedForm) {
    EXPECT_TRUE(is_valid_utf8("plain ascii"));
    EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x94\x91 key"));
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));         // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));     // overlong
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));     // surrogate
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80")); // above U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xE2\x82"));         // truncated
    EXPECT_FALSE(is_valid_utf8("\x80"));             // stray continuation
    EXPECT_FALSE(is_valid_utf8("\xFF"));
    EXPECT_EQ(utf8_length("a\xC3\xA9\xF0\x9F\x94\x91"), 3u);
}

TEST(PasswordPolicy, StatesItsLimits) {
    std::string message;
    EXPECT_EQ(status_of([&] { check_password_policy("short", 8); }, &message), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_NE(message.find("password must be 8 to 256 characters"), std::string::npos) << message;
    EXPECT_NO_THROW(check_password_policy("eight ch", 8));
    EXPECT_NO_THROW(check_password_policy(std::string(256, 'x'), 8));
    EXPECT_EQ(status_of([] { check_password_policy(std::string(257, 'x'), 8); }), PLINTH_E_INVALID_ARGUMENT);
    std::string emoji;
    for (int i = 0; i < 256; ++i) emoji += "\xF0\x9F\x94\x91"; // 256 characters but 1024 bytes: allowed
    EXPECT_NO_THROW(check_password_policy(emoji, 8));
    EXPECT_EQ(status_of([] { check_password_policy("\xC3\x28passwordpassword", 8); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([] { check_password_policy(std::string("pass\0word1", 10), 8); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([] { check_password_policy("1234567890", 12); }), PLINTH_E_INVALID_ARGUMENT);
    // A login attempt only gets the shape check, which says nothing about accounts.
    EXPECT_EQ(status_of([] { check_login_password(""); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([] { check_login_password(std::string(1025, 'x')); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_NO_THROW(check_login_password("x"));
}

TEST(Role, ParsesNamesAndNumbers) {
    EXPECT_EQ(parse_role("staff"), Role::staff);
    EXPECT_EQ(role_name(Role::admin), "admin");
    EXPECT_EQ(status_of([] { parse_role("root"); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(role_from_int(1), Role::staff);
    EXPECT_FALSE(role_from_int(3));
}

// ---- passwords

TEST(Argon2, EncodedStringsParseBackToTheDefaultParameters) {
    PasswordHasher hasher(Argon2Params{}, 1);
    std::string h = hasher.hash("correct horse battery staple");
    auto phc = parse_argon2_phc(h);
    ASSERT_TRUE(phc) << h;
    EXPECT_EQ(phc->variant, "argon2id");
    EXPECT_EQ(phc->version, 0x13u);
    EXPECT_EQ(phc->params.memory_kib, 19456u);
    EXPECT_EQ(phc->params.time_cost, 2u);
    EXPECT_EQ(phc->params.parallelism, 1u);
    EXPECT_EQ(phc->params.salt_bytes, 16u);
    EXPECT_EQ(phc->params.tag_bytes, 32u);
    EXPECT_TRUE(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    EXPECT_TRUE(hasher.verify(h, "correct horse battery staple"));
    EXPECT_FALSE(hasher.verify(h, "correct horse battery stapler"));
    EXPECT_FALSE(hasher.needs_rehash(h));
}

TEST(Argon2, EncodedStringsParseBackToConfiguredParameters) {
    Argon2Params p{2048, 3, 2, 24, 40};
    PasswordHasher hasher(p, 2);
    std::string h = hasher.hash("pässwörd");
    auto phc = parse_argon2_phc(h);
    ASSERT_TRUE(phc);
    EXPECT_EQ(phc->params, p);
    EXPECT_TRUE(hasher.verify(h, "pässwörd"));
    // Two hashes of one password differ: the salt is fresh every time.
    EXPECT_NE(hasher.hash("pässwörd"), h);
}

TEST(Argon2, AnyParameterChangeAsksForARehash) {
    PasswordHasher small(kSmall, 1);
    std::string h = small.hash("a fine password");
    for (Argon2Params changed : {Argon2Params{2048, 1, 1, 16, 32}, Argon2Params{1024, 2, 1, 16, 32},
                                 Argon2Params{1024, 1, 2, 16, 32}, Argon2Params{1024, 1, 1, 32, 32},
                                 Argon2Params{1024, 1, 1, 16, 64}}) {
        PasswordHasher other(changed, 1);
        EXPECT_TRUE(other.needs_rehash(h));
        EXPECT_TRUE(other.verify(h, "a fine password")); // old hashes keep working until replaced
    }
    EXPECT_FALSE(small.needs_rehash(h));
    EXPECT_TRUE(small.needs_rehash("$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"));
    EXPECT_TRUE(small.needs_rehash("$argon2i$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"));
}

TEST(Argon2, ParserRefusesMalformedStrings) {
    for (const char *bad : {"", "$argon2id", "$argon2id$v=19$m=1024,t=1$c2FsdA$aGFzaA",
                            "$argon2x$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", "$argon2id$v=19$m=01024,t=1,p=1$c2FsdA$aGFzaA",
                            "$argon2id$v=19$m=1024,t=1,p=1$c2F*dA$aGFzaA", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA$x",
                            "$argon2id$v=19$m=99999999999,t=1,p=1$c2FsdA$aGFzaA"})
        EXPECT_FALSE(parse_argon2_phc(bad)) << bad;
    auto legacy = parse_argon2_phc("$argon2i$m=4096,t=3,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA");
    ASSERT_TRUE(legacy);
    EXPECT_EQ(legacy->version, 0x10u);
}

TEST(Argon2, TamperedOrForeignHashesNeverVerify) {
    PasswordHasher hasher(kSmall, 1);
    std::string h = hasher.hash("secret-password");
    std::string flipped = h;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    EXPECT_FALSE(hasher.verify(flipped, "secret-password"));
    EXPECT_FALSE(hasher.verify("", "secret-password"));
    EXPECT_FALSE(hasher.verify("secret-password", "secret-password")); // plain text is not a hash
    EXPECT_FALSE(hasher.verify("$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaA", "x")); // 4 GiB refused
    EXPECT_FALSE(hasher.verify_dummy("secret-password"));
}

// The classic vector from PHP's password_verify() documentation.
constexpr const char *kBcrypt2y = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";
constexpr const char *kBcrypt2yPassword = "rasmuslerdorf";
// Hashcat's example for mode 35500 (WordPress >= 6.8, bcrypt(base64(HMAC-SHA384("wp-sha384", pass)))).
constexpr const char *kWordPress = "$wp$2y$10$607XKVrBjPEqujeOXNwbYuOJ.gPMd2TelMMknmeV70Kap1E81Ovo6";
constexpr const char *kWordPressPassword = "hashpwn";

TEST(ImportedHashes, KnownBcryptVectorsVerify) {
    EXPECT_TRUE(verify_bcrypt(kBcrypt2y, kBcrypt2yPassword));
    EXPECT_FALSE(verify_bcrypt(kBcrypt2y, "rasmuslerdorF"));
    // OpenBSD / crypt_blowfish test vectors.
    EXPECT_TRUE(verify_bcrypt("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"));
    EXPECT_TRUE(verify_bcrypt("$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"));
    EXPECT_FALSE(verify_bcrypt("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*V"));
    // Malformed or out-of-range settings never verify.
    EXPECT_FALSE(verify_bcrypt("$2y$10$short", kBcrypt2yPassword));
    EXPECT_FALSE(verify_bcrypt("$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"));
    EXPECT_FALSE(verify_bcrypt("$2y$31$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a", kBcrypt2yPassword));
    EXPECT_FALSE(verify_bcrypt(kBcrypt2y, std::string("rasmuslerdorf\0x", 15)));
}

TEST(ImportedHashes, PublicWordPressVectorVerifies) {
    EXPECT_TRUE(verify_wordpress_bcrypt(kWordPress, kWordPressPassword));
    EXPECT_FALSE(verify_wordpress_bcrypt(kWordPress, "hashpwN"));
    // wp_check_password() does not trim: only wp_hash_password() does.
    EXPECT_FALSE(verify_wordpress_bcrypt(kWordPress, " hashpwn"));
    // The pre-hash is HMAC-SHA384 keyed with "wp-sha384", in standard base64 (64 characters).
    std::string pre = wordpress_prehash(kWordPressPassword);
    EXPECT_EQ(pre.size(), 64u);
    EXPECT_EQ(pre.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
              std::string::npos);
    // Through the hasher, by scheme.
    PasswordHasher hasher(kSmall, 1);
    EXPECT_TRUE(hasher.verify(kWordPress, kWordPressPassword));
    EXPECT_TRUE(hasher.verify(kBcrypt2y, kBcrypt2yPassword));
    EXPECT_FALSE(hasher.verify(kWordPress, kBcrypt2yPassword));
    EXPECT_TRUE(hasher.needs_rehash(kWordPress));
}

TEST(ImportedHashes, PrehashMatchesAnIndependentComputation) {
    // base64(HMAC-SHA384(key "wp-sha384", "password")) computed with Python's hmac module.
    EXPECT_EQ(wordpress_prehash("password"), "ZEIBxmCIjkyF8MNbMmsrJOPmp2/ioyAvd90BaIOY1lr6z3gfcWZusfjOv0kWasvS");
}

TEST(ImportedHashes, ImportAcceptsOnlyWellFormedHashesWithinCostLimits) {
    EXPECT_NO_THROW(check_importable_hash(kBcrypt2y));
    EXPECT_NO_THROW(check_importable_hash(kWordPress));
    EXPECT_NO_THROW(check_importable_hash(PasswordHasher(kSmall, 1).hash("x")));
    for (std::string bad : {std::string("$P$BPDvVcnh1D5hLg9dd3sMcsFaFEl7FN/"), std::string("5f4dcc3b5aa765d61d8327deb882cf99"),
                            std::string("$2y$10$tooShort"), std::string("$2y$16$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"),
                            std::string("$2y$03$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"),
                            std::string("$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaA"),
                            std::string("plaintext"), std::string("")}) {
        std::string message;
        EXPECT_EQ(status_of([&] { check_importable_hash(bad); }, &message), PLINTH_E_INVALID_ARGUMENT) << bad;
        EXPECT_NE(message.find("password_hash"), std::string::npos) << message;
    }
}

TEST(PasswordHasher, BoundsConcurrencyToTheConfiguredSlots) {
    PasswordHasher hasher(kSmall, 0);
    EXPECT_GE(hasher.max_concurrent(), 1u);
    EXPECT_EQ(PasswordHasher(kSmall, 3).max_concurrent(), 3u);
    EXPECT_EQ(status_of([] { PasswordHasher(Argon2Params{4, 1, 1, 16, 32}, 1); }), PLINTH_E_INVALID_ARGUMENT);
}

// ---- throttling

TEST(Throttle, EngagesAfterTheFreeFailuresAndDoubles) {
    ThrottlePolicy p{5, 1, 60, 3600};
    ThrottleState s;
    int64_t now = 1000;
    for (int i = 1; i <= 4; ++i) {
        auto d = throttle_attempt(p, s, now);
        ASSERT_TRUE(d.allowed);
        EXPECT_EQ(d.charged.locked_until, 0) << i;
        s = d.charged;
    }
    auto fifth = throttle_attempt(p, s, now);
    ASSERT_TRUE(fifth.allowed);
    EXPECT_EQ(fifth.charged.locked_until, now + 1);
    s = fifth.charged;
    auto refused = throttle_attempt(p, s, now);
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after_s, 1);
    int64_t expected[] = {2, 4, 8, 16, 32, 60, 60};
    for (int64_t delay : expected) {
        now = s.locked_until;
        auto d = throttle_attempt(p, s, now);
        ASSERT_TRUE(d.allowed);
        EXPECT_EQ(d.charged.locked_until - now, delay);
        s = d.charged;
    }
}

TEST(Throttle, ReleasesAfterAQuietPeriod) {
    ThrottlePolicy p{2, 10, 100, 600};
    ThrottleState s{7, 1000, 1100};
    EXPECT_FALSE(throttle_attempt(p, s, 1099).allowed);
    EXPECT_TRUE(throttle_attempt(p, s, 1100).allowed);
    EXPECT_EQ(throttle_attempt(p, s, 1100).charged.failures, 8);
    auto fresh = throttle_attempt(p, s, 1600);
    ASSERT_TRUE(fresh.allowed);
    EXPECT_EQ(fresh.charged.failures, 1);
    EXPECT_EQ(fresh.charged.locked_until, 0);
    EXPECT_FALSE(throttle_state_expired(p, s, 1599));
    EXPECT_TRUE(throttle_state_expired(p, s, 1600));
    EXPECT_EQ(throttle_delay_s(p, 1), 0);
    EXPECT_EQ(throttle_delay_s(p, 2), 10);
    EXPECT_EQ(throttle_delay_s(p, 1000), 100);
}

// ---- sessions

TEST(Token, RoundTripsAndRefusesAnythingElse) {
    TokenBytes t = new_token();
    std::string text = encode_token(t);
    EXPECT_EQ(text.size(), kTokenTextSize);
    auto back = decode_token(text);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, t);
    EXPECT_NE(encode_token(new_token()), text);
    EXPECT_FALSE(decode_token(""));
    EXPECT_FALSE(decode_token(text.substr(1)));
    EXPECT_FALSE(decode_token(text + "A"));
    std::string bad = text;
    bad[5] = '+'; // standard base64, not base64url
    EXPECT_FALSE(decode_token(bad));
    std::string padded = text.substr(0, 42) + "=";
    EXPECT_FALSE(decode_token(padded));
    std::string noncanonical = text;
    noncanonical.back() = 'B'; // non-zero spare bits: a second spelling of some token
    EXPECT_FALSE(decode_token(noncanonical));
}

TEST(Token, StoredFormIsItsSha256) {
    TokenBytes t{};
    t.fill(0);
    // SHA-256 of 32 zero bytes.
    TokenHash h = hash_token(t);
    EXPECT_EQ(h[0], 0x66);
    EXPECT_EQ(h[1], 0x68);
    EXPECT_EQ(h[31], 0x25);
    EXPECT_NE(hash_token(new_token()), h);
    EXPECT_NE(hash_text("ab", "c"), hash_text("a", "bc"));
}

TEST(Token, KeyedHashDependsOnTheKey) {
    std::vector<uint8_t> k1(32, 1), k2(32, 2);
    KeyedHasher a(k1), b(k2);
    EXPECT_EQ(a.hash_text("throttle-login", "ada"), a.hash_text("throttle-login", "ada"));
    EXPECT_NE(a.hash_text("throttle-login", "ada"), b.hash_text("throttle-login", "ada"));
    EXPECT_NE(a.hash_text("throttle-login", "1"), a.hash_text("throttle-user", "1"));
    EXPECT_NE(a.hash_text("ab", "c"), a.hash_text("a", "bc"));
    EXPECT_NE(a.hash_text("throttle-login", "ada"), hash_text("throttle-login", "ada"));
    EXPECT_EQ(status_of([] { KeyedHasher(std::vector<uint8_t>(16)); }), PLINTH_E_INTERNAL);
}

TEST(SessionExpiry, IdleAndAbsoluteLimits) {
    SessionPolicy p{600, 3600, 60};
    SessionTimes t{1000, 1000, 1000 + 3600};
    EXPECT_EQ(session_expires_at(p, t), 1600);
    EXPECT_TRUE(session_alive(p, t, 1599));
    EXPECT_FALSE(session_alive(p, t, 1600));
    EXPECT_FALSE(session_needs_touch(p, t, 1059));
    EXPECT_TRUE(session_needs_touch(p, t, 1060));
    t.last_seen_at = 4500; // kept busy: the absolute limit still ends it
    EXPECT_EQ(session_expires_at(p, t), 4600);
    EXPECT_FALSE(session_alive(p, t, 4600));
}

// ---- gravatar and configuration

TEST(Gravatar, UsesSha256OfTheTrimmedLowercasedAddress) {
    // The example from Gravatar's documentation.
    EXPECT_EQ(gravatar_url(" MyEmailAddress@example.com "),
              "https://www.gravatar.com/avatar/84059b07d4be67b806386c0aad8070a23f18836bbaae342275dc0a83414c32ee");
}

TEST(Config, DefaultsMatchTheDocumentation) {
    AccountsConfig c = AccountsConfig::from_json({});
    EXPECT_EQ(c.argon2, (Argon2Params{19456, 2, 1, 16, 32}));
    EXPECT_EQ(c.throttle.free_failures, 5);
    EXPECT_EQ(c.session_cache_ms, 1000);
    EXPECT_EQ(c.login_events_days, 30);
    EXPECT_EQ(c.password_min_chars, 8u);
}

TEST(Config, ReadsOverridesAndRefusesTyposAndBadValues) {
    auto parse = [](const char *text) { return AccountsConfig::from_json(boost::json::parse(text).as_object()); };
    AccountsConfig c = parse(R"({"password":{"argon2":{"memory_kib":1024,"time_cost":1}},
                                 "session":{"cache_ms":0,"idle_timeout_s":600},
                                 "throttle":{"free_failures":3},"retention":{"login_events_days":7},
                                 "database":{"socket":"x"}})");
    EXPECT_EQ(c.argon2.memory_kib, 1024u);
    EXPECT_EQ(c.argon2.time_cost, 1u);
    EXPECT_EQ(c.session_cache_ms, 0);
    EXPECT_EQ(c.session.idle_timeout_s, 600);
    EXPECT_EQ(c.throttle.free_failures, 3);
    EXPECT_EQ(c.login_events_days, 7);
    for (const char *bad : {R"({"password":{"argon2":{"memory_kb":1024}}})", R"({"password":{"argon2":{"time_cost":0}}})",
                            R"({"session":{"cache_ms":"1000"}})", R"({"throttle":[]})",
                            R"({"password":{"min_length":4}})", R"({"session":{"idle_timeout_s":60,"last_seen_interval_s":60}})",
                            R"({"sesion":{"cache_ms":0}})", R"({"something_else":1})"}) {
        std::string message;
        EXPECT_EQ(status_of([&] { parse(bad); }, &message), PLINTH_E_INVALID_ARGUMENT) << bad;
        EXPECT_NE(message.find("'accounts."), std::string::npos) << message;
    }
}

} // namespace
} // namespace plinth::accounts
