// Pure rules: key format, verdict precedence, lifecycle dates, the signed payload layout.
#include "domain/key.hpp"
#include "domain/lifecycle.hpp"
#include "domain/signed_verdict.hpp"
#include "domain/text.hpp"
#include "domain/verdict.hpp"

#include <plinth/sdk/text.hpp>

#include <gtest/gtest.h>
#include <sodium.h>

#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace plinth::licenses {
namespace {

class KeyFormat : public ::testing::Test {
protected:
    static void SetUpTestSuite() { ASSERT_GE(sodium_init(), 0); }
};

const std::string kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

TEST_F(KeyFormat, GeneratedKeysAreGroupedCrockfordWithAValidChecksum) {
    std::regex shape("^([0-9A-HJKMNP-TV-Z]{5}-){5}[0-9A-HJKMNP-TV-Z]{5}$");
    for (int i = 0; i < 1000; ++i) {
        NormalKey key = generate_key();
        std::string text = format_key(key);
        ASSERT_TRUE(std::regex_match(text, shape)) << text;
        NormalKey back;
        ASSERT_TRUE(normalise_key(text, back)) << text;
        EXPECT_EQ(back.view(), key.view());
    }
}

TEST_F(KeyFormat, KeysAreUniqueAndUseTheWholeAlphabetInEveryRandomPosition) {
    std::set<std::string> seen;
    std::vector<std::set<char>> per_position(kKeyRandomSymbols);
    for (int i = 0; i < 20000; ++i) {
        NormalKey key = generate_key();
        ASSERT_TRUE(seen.insert(std::string(key.view())).second);
        for (size_t p = 0; p < kKeyRandomSymbols; ++p) per_position[p].insert(key.symbols[p]);
    }
    for (size_t p = 0; p < kKeyRandomSymbols; ++p) EXPECT_EQ(per_position[p].size(), 32u) << "position " << p;
}

TEST_F(KeyFormat, NormalisationToleratesCaseDashesSpacesAndLookAlikes) {
    NormalKey key = generate_key();
    std::string text = format_key(key);
    std::string lower = text;
    for (char &c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string bare;
    for (char c : text)
        if (c != '-') bare.push_back(c);
    std::string spaced;
    for (char c : bare) {
        spaced.push_back(c);
        spaced.push_back(' ');
    }
    std::string dashed = "--" + bare.substr(0, 7) + "---" + bare.substr(7) + "-";
    for (const std::string &typed : {lower, bare, spaced, dashed}) {
        NormalKey out;
        ASSERT_TRUE(normalise_key(typed, out)) << typed;
        EXPECT_EQ(out.view(), key.view()) << typed;
    }
    // Crockford look-alikes: O for 0, I and L for 1, in either case.
    std::string look = text;
    const char ones[] = {'I', 'i', 'L', 'l'};
    int n = 0;
    for (char &c : look) {
        if (c == '0') c = (n++ % 2) ? 'O' : 'o';
        else if (c == '1') c = ones[n++ % 4];
    }
    NormalKey out;
    ASSERT_TRUE(normalise_key(look, out)) << look;
    EXPECT_EQ(out.view(), key.view());
}

TEST_F(KeyFormat, EverySingleMistypedSymbolIsRefused) {
    for (int k = 0; k < 200; ++k) {
        NormalKey key = generate_key();
        for (size_t p = 0; p < kKeySymbols; ++p) {
            for (char c : kAlphabet) {
                if (c == key.symbols[p]) continue;
                NormalKey typo = key;
                typo.symbols[p] = c;
                NormalKey out;
                ASSERT_FALSE(normalise_key(typo.view(), out)) << "accepted " << typo.view() << " for " << key.view();
            }
        }
    }
}

TEST_F(KeyFormat, EverySwapOfNeighboursIsRefused) {
    for (int k = 0; k < 2000; ++k) {
        NormalKey key = generate_key();
        for (size_t p = 0; p + 1 < kKeySymbols; ++p) {
            if (key.symbols[p] == key.symbols[p + 1]) continue;
            NormalKey swapped = key;
            std::swap(swapped.symbols[p], swapped.symbols[p + 1]);
            NormalKey out;
            ASSERT_FALSE(normalise_key(swapped.view(), out)) << swapped.view();
        }
    }
}

TEST_F(KeyFormat, WrongLengthsAndForeignCharactersAreMalformed) {
    NormalKey key = generate_key();
    std::string bare(key.view());
    NormalKey out;
    for (const std::string &typed :
         {std::string(), bare.substr(0, 29), bare + "0", bare.substr(0, 29) + "U", bare.substr(0, 29) + "*",
          bare.substr(0, 29) + "_", bare.substr(0, 28) + "\xc3\xa9", std::string(65, '-') + bare,
          std::string(kMaxKeyInputBytes + 1, '0'), bare.substr(0, 15) + "\n" + bare.substr(15),
          bare.substr(0, 15) + std::string(1, '\0') + bare.substr(15)})
        EXPECT_FALSE(normalise_key(typed, out)) << typed;
}

TEST_F(KeyFormat, WhitespaceAroundAKeyIsIgnored) {
    NormalKey key = generate_key();
    std::string typed = format_key(key);
    for (const std::string &pasted :
         {typed + "\n", typed + "\r\n", "\t" + typed + "\t", " " + typed + " \n", "\n\n" + typed + "\v\f",
          "\xC2\xA0" + typed + "\xE2\x80\x83", "\xEF\xBB\xBF" + typed}) {
        NormalKey out;
        ASSERT_TRUE(normalise_key(pasted, out)) << pasted;
        EXPECT_EQ(out.view(), key.view());
    }
    // Inside the key only spaces and dashes are ignored.
    NormalKey out;
    EXPECT_FALSE(normalise_key(typed.substr(0, 5) + "\t" + typed.substr(5), out));
    EXPECT_FALSE(normalise_key(typed.substr(0, 5) + "\xC2\xA0" + typed.substr(5), out));
}

// Product and policy names go through the SDK's one name check (plinth/sdk/text.hpp).
TEST(DisplayNames, ControlAndBidiCharactersAreRefused) {
    for (const char *good : {"SEO Pro", "Agency, 3 sites", "Bücher & Co.", "日本語のプラグイン", "Pro \u2014 yearly",
                             "\u200F\u05E2\u05D1\u05E8\u05D9\u05EA"}) // an RLM mark is not an override
        EXPECT_EQ(sdk::text::name_problem(good), std::nullopt) << good;
    for (const char *bad : {"a\nb", "tab\there", "bell\a", "esc\x1b[31m", "del\x7f", "nul\x01",
                            "c1\xC2\x85next", "c1\xC2\x9B", "invoice\u202Etxt.pdf", "\u202Aembed",
                            "\u202Doverride", "iso\u2066late", "\u2069pdi", "line\u2028sep", "para\u2029sep"})
        EXPECT_NE(sdk::text::name_problem(bad), std::nullopt) << bad;
}

// ---- verdict precedence ----

enum class Expiry { never, future, in_grace, past_grace, expired_without_grace };

struct Case {
    CheckFacts facts;
    Expiry expiry;
};

constexpr int64_t kNow = 1'800'000'000;

void apply(Expiry e, CheckFacts &f) {
    switch (e) {
    case Expiry::never: f.expires_at = 0; f.grace_ends_at = 0; break;
    case Expiry::future: f.expires_at = kNow + 10; f.grace_ends_at = kNow + 10 + 7 * 86400; break;
    case Expiry::in_grace: f.expires_at = kNow - 10; f.grace_ends_at = kNow + 10; break;
    case Expiry::past_grace: f.expires_at = kNow - 8 * 86400; f.grace_ends_at = kNow - 86400; break;
    case Expiry::expired_without_grace: f.expires_at = kNow - 1; f.grace_ends_at = kNow - 1; break;
    }
}

// The documented order, written as data: the first true condition names the code.
VerdictCode expected_code(const CheckFacts &f, Expiry e) {
    bool in_grace = e == Expiry::in_grace;
    bool expired = e == Expiry::past_grace || e == Expiry::expired_without_grace;
    const std::vector<std::pair<bool, VerdictCode>> order = {
        {!f.key_wellformed, VerdictCode::malformed},
        {!f.found, VerdictCode::not_found},
        {f.status == LicenseStatus::revoked, VerdictCode::revoked},
        {f.status == LicenseStatus::suspended, VerdictCode::suspended},
        {!f.product_matches, VerdictCode::product_mismatch},
        {expired, VerdictCode::expired},
        {!f.site_valid, VerdictCode::invalid_site},
        {!f.site_activated, VerdictCode::site_not_activated},
        {in_grace, VerdictCode::expired_in_grace},
    };
    for (const auto &[applies, code] : order)
        if (applies) return code;
    return VerdictCode::valid;
}

TEST(VerdictPrecedence, EveryCombinationOfFacts) {
    int combinations = 0;
    for (bool wellformed : {false, true})
        for (bool found : {false, true})
            for (LicenseStatus status : {LicenseStatus::active, LicenseStatus::suspended, LicenseStatus::revoked})
                for (bool product : {false, true})
                    for (Expiry expiry : {Expiry::never, Expiry::future, Expiry::in_grace, Expiry::past_grace,
                                          Expiry::expired_without_grace})
                        for (bool site_valid : {false, true})
                            for (bool activated : {false, true}) {
                                CheckFacts f;
                                f.key_wellformed = wellformed;
                                f.found = found;
                                f.status = status;
                                f.product_matches = product;
                                apply(expiry, f);
                                f.site_valid = site_valid;
                                f.site_activated = activated;
                                Decision d = decide(f, kNow);
                                VerdictCode want = expected_code(f, expiry);
                                EXPECT_EQ(d.code, want) << "combination " << combinations;
                                EXPECT_EQ(d.valid, want == VerdictCode::valid || want == VerdictCode::expired_in_grace)
                                    << "combination " << combinations;
                                ++combinations;
                            }
    EXPECT_EQ(combinations, 2 * 2 * 3 * 2 * 5 * 2 * 2);
}

TEST(VerdictPrecedence, NamedCases) {
    CheckFacts ok;
    ok.key_wellformed = ok.found = ok.site_valid = ok.site_activated = true;
    EXPECT_EQ(decide(ok, kNow).code, VerdictCode::valid);

    CheckFacts grace_unactivated = ok;
    apply(Expiry::in_grace, grace_unactivated);
    grace_unactivated.site_activated = false;
    Decision d = decide(grace_unactivated, kNow);
    EXPECT_EQ(d.code, VerdictCode::site_not_activated) << "grace never makes an unactivated site valid";
    EXPECT_FALSE(d.valid);

    CheckFacts revoked_and_suspended_product = ok;
    revoked_and_suspended_product.status = LicenseStatus::revoked;
    revoked_and_suspended_product.product_matches = false;
    EXPECT_EQ(decide(revoked_and_suspended_product, kNow).code, VerdictCode::revoked);
}

TEST(VerdictPrecedence, ExpiryBoundaries) {
    CheckFacts f;
    f.key_wellformed = f.found = f.site_valid = f.site_activated = true;
    f.expires_at = kNow;
    f.grace_ends_at = kNow + 86400;
    EXPECT_EQ(decide(f, kNow - 1).code, VerdictCode::valid);
    EXPECT_EQ(decide(f, kNow).code, VerdictCode::expired_in_grace);        // expired from expires_at on
    EXPECT_TRUE(decide(f, kNow).valid);
    EXPECT_EQ(decide(f, kNow + 86399).code, VerdictCode::expired_in_grace);
    EXPECT_EQ(decide(f, kNow + 86400).code, VerdictCode::expired);         // grace end is exclusive
    f.grace_ends_at = kNow;
    EXPECT_EQ(decide(f, kNow).code, VerdictCode::expired);                 // no grace days
}

TEST(VerdictCodes, NamesAndGraceEnd) {
    EXPECT_EQ(code_name(VerdictCode::valid), "VALID");
    EXPECT_EQ(code_name(VerdictCode::expired_in_grace), "EXPIRED_IN_GRACE");
    EXPECT_EQ(code_name(VerdictCode::invalid_site), "INVALID_SITE");
    EXPECT_EQ(code_name(static_cast<VerdictCode>(42)), "UNKNOWN");
    EXPECT_EQ(grace_end(0, 30), 0);
    EXPECT_EQ(grace_end(1000, 0), 1000);
    EXPECT_EQ(grace_end(1000, 2), 1000 + 2 * 86400);
    EXPECT_EQ(grace_end(1000, -3), 1000);
}

// ---- lifecycle ----

TEST(Lifecycle, Transitions) {
    using A = LicenseAction;
    using S = LicenseStatus;
    EXPECT_EQ(after(S::active, A::suspend), S::suspended);
    EXPECT_EQ(after(S::suspended, A::suspend), std::nullopt);
    EXPECT_EQ(after(S::revoked, A::suspend), std::nullopt);
    EXPECT_EQ(after(S::suspended, A::reinstate), S::active);
    EXPECT_EQ(after(S::active, A::reinstate), std::nullopt);
    EXPECT_EQ(after(S::revoked, A::reinstate), std::nullopt);
    EXPECT_EQ(after(S::active, A::revoke), S::revoked);
    EXPECT_EQ(after(S::suspended, A::revoke), S::revoked);
    EXPECT_EQ(after(S::revoked, A::revoke), std::nullopt);
    EXPECT_EQ(status_from_int(3), std::nullopt);
    EXPECT_EQ(status_from_int(-1), std::nullopt);
    EXPECT_EQ(status_name(S::suspended), "suspended");
}

TEST(Lifecycle, ActivationRefusals) {
    using S = LicenseStatus;
    EXPECT_TRUE(activation_refusal(S::active, 0, 0, kNow).empty());
    EXPECT_TRUE(activation_refusal(S::active, kNow - 1, kNow + 1, kNow).empty()); // in grace
    EXPECT_EQ(activation_refusal(S::active, kNow - 1, kNow - 1, kNow), "the license has expired");
    EXPECT_EQ(activation_refusal(S::suspended, 0, 0, kNow), "the license is suspended");
    EXPECT_EQ(activation_refusal(S::revoked, 0, 0, kNow), "the license is revoked");
}

TEST(Lifecycle, Dates) {
    EXPECT_EQ(expiry_at_issue(1000, std::nullopt, std::nullopt), 0);
    EXPECT_EQ(expiry_at_issue(1000, 2, std::nullopt), 1000 + 2 * 86400);
    EXPECT_EQ(expiry_at_issue(1000, std::nullopt, 5000), 5000);
    // Renewing early keeps the remaining time; renewing late counts from now.
    EXPECT_EQ(renewed_expiry(kNow + 100, kNow, 30), kNow + 100 + 30 * 86400);
    EXPECT_EQ(renewed_expiry(kNow - 100, kNow, 30), kNow + 30 * 86400);
    EXPECT_EQ(retained_until(kNow + 100, kNow, 10), kNow + 100 + 10 * 365 * 86400);
    EXPECT_EQ(retained_until(0, kNow, 10), kNow + 10 * 365 * 86400);
    EXPECT_TRUE(seat_available(-1, 1'000'000));
    EXPECT_TRUE(seat_available(5, 4));
    EXPECT_FALSE(seat_available(5, 5));
    EXPECT_FALSE(seat_available(0, 0));
}

// ---- signed payload ----

TEST(SignedPayload, FixedLayout) {
    SignedVerdictFields f;
    f.verdict.code = VerdictCode::expired_in_grace;
    f.verdict.valid = true;
    f.verdict.site_exempt = false;
    f.verdict.seat_limit = 5;
    f.verdict.seats_used = 2;
    f.verdict.expires_at = 100;
    f.verdict.grace_ends_at = 200;
    f.site = "example.com/shop";
    f.product = "seo-pro";
    f.challenge = "abc-123";
    f.nonce = "00112233445566778899aabbccddeeff";
    f.issued_at = 150;
    f.valid_until = 200;
    EXPECT_EQ(verdict_payload(f),
              "{\"challenge\":\"abc-123\",\"code\":\"EXPIRED_IN_GRACE\",\"code_number\":7,\"expires_at\":100,"
              "\"grace_ends_at\":200,\"issued_at\":150,\"nonce\":\"00112233445566778899aabbccddeeff\","
              "\"product\":\"seo-pro\",\"seat_limit\":5,\"seats_used\":2,\"site\":\"example.com/shop\","
              "\"site_exempt\":false,\"type\":\"plinth.license-verdict/1\",\"valid\":true,\"valid_until\":200}");
}

TEST(SignedPayload, AVerdictThroughANetworkNamesItInAlphabeticalPlace) {
    SignedVerdictFields f;
    f.verdict.code = VerdictCode::valid;
    f.verdict.valid = true;
    f.verdict.seat_limit = 1;
    f.verdict.seats_used = 1;
    f.verdict.coverage = Coverage::subdomain;
    f.verdict.network_id = 42;
    f.site = "blog.example.com";
    f.network = "example.com";
    f.product = "seo-pro";
    f.nonce = "00112233445566778899aabbccddeeff";
    f.issued_at = 150;
    f.valid_until = 200;
    EXPECT_EQ(verdict_payload(f),
              "{\"challenge\":\"\",\"code\":\"VALID\",\"code_number\":0,\"coverage\":\"subdomain\",\"expires_at\":0,"
              "\"grace_ends_at\":0,\"issued_at\":150,\"network\":\"example.com\",\"network_id\":42,"
              "\"nonce\":\"00112233445566778899aabbccddeeff\",\"product\":\"seo-pro\",\"seat_limit\":1,"
              "\"seats_used\":1,\"site\":\"blog.example.com\",\"site_exempt\":false,"
              "\"type\":\"plinth.license-verdict/1\",\"valid\":true,\"valid_until\":200}");
    // A site verdict (no network) keeps the bytes it always had: FixedLayout above.
}

TEST(SignedPayload, StringsAreEscapedToStayAscii) {
    SignedVerdictFields f;
    f.site = "a\"b\\c\x01\xc3\xa9";
    std::string p = verdict_payload(f);
    EXPECT_NE(p.find("\"site\":\"a\\\"b\\\\c\\u0001\\u00c3\\u00a9\""), std::string::npos) << p;
    for (char c : p) EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f);
}

TEST(SignedPayload, Challenges) {
    EXPECT_TRUE(valid_challenge("abc"));
    EXPECT_TRUE(valid_challenge("A.b_c~d:e-f0"));
    EXPECT_TRUE(valid_challenge(std::string(128, 'x')));
    EXPECT_FALSE(valid_challenge(""));
    EXPECT_FALSE(valid_challenge(std::string(129, 'x')));
    EXPECT_FALSE(valid_challenge("a b"));
    EXPECT_FALSE(valid_challenge("a\"b"));
    EXPECT_FALSE(valid_challenge("é"));
}

} // namespace
} // namespace plinth::licenses
