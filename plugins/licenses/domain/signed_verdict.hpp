// licenses/domain/signed_verdict.hpp — the exact bytes an Ed25519 verdict signature covers.
//
// The payload is a compact JSON object with its members in a fixed (alphabetical) order, no
// whitespace, integers only and ASCII strings. The signature covers the payload bytes as sent,
// so a verifier checks the signature over the string it received and only then parses it: it
// never has to re-serialise anything to verify.
#pragma once

#include "domain/verdict.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace plinth::licenses {

inline constexpr std::string_view kVerdictPayloadType = "plinth.license-verdict/1";
// A client-supplied challenge is echoed into the payload (replay protection for the caller).
inline constexpr size_t kMaxChallengeBytes = 128;

struct SignedVerdictFields {
    Verdict verdict;
    std::string site;      // canonical site, empty when it could not be canonicalised
    std::string network;   // canonical form of the covering network (verdict.network_id != 0)
    std::string product;   // the license's product slug, empty when there is no license
    std::string challenge; // as given by the caller, empty when none
    std::string nonce;     // 32 lowercase hex characters, fresh per verdict
    int64_t issued_at = 0;
    int64_t valid_until = 0;
};

// {"challenge":..,"code":"VALID","code_number":0,"expires_at":..,"grace_ends_at":..,
//  "issued_at":..,"nonce":..,"product":..,"seat_limit":..,"seats_used":..,"site":..,
//  "site_exempt":false,"type":"plinth.license-verdict/1","valid":true,"valid_until":..}
// A verdict covered through a network also carries "coverage" (after "code_number") and
// "network", "network_id" (after "issued_at").
std::string verdict_payload(const SignedVerdictFields &fields);

// A challenge is 1..128 characters of [A-Za-z0-9._~:-] (so it never needs escaping).
bool valid_challenge(std::string_view challenge) noexcept;

} // namespace plinth::licenses
