#include "domain/signed_verdict.hpp"

namespace plinth::licenses {

namespace {

// Escapes for a JSON string. Inputs are ASCII by construction (canonical sites, slugs, hex,
// checked challenges); anything else is escaped as \u00XX so the payload stays ASCII.
void append_string(std::string &out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (char c : s) {
        auto b = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (b < 0x20 || b >= 0x7f) {
            out += "\\u00";
            out.push_back(hex[b >> 4]);
            out.push_back(hex[b & 15]);
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
}

void member(std::string &out, std::string_view name) {
    if (out.size() > 1) out.push_back(',');
    out.push_back('"');
    out.append(name);
    out += "\":";
}

} // namespace

std::string verdict_payload(const SignedVerdictFields &f) {
    std::string out = "{";
    member(out, "challenge");
    append_string(out, f.challenge);
    member(out, "code");
    append_string(out, code_name(f.verdict.code));
    member(out, "code_number");
    out += std::to_string(static_cast<int32_t>(f.verdict.code));
    // Only a verdict answered through a network names it, so site verdicts keep their bytes.
    bool through_network = f.verdict.network_id != 0;
    if (through_network) {
        member(out, "coverage");
        append_string(out, coverage_name(f.verdict.coverage));
    }
    member(out, "expires_at");
    out += std::to_string(f.verdict.expires_at);
    member(out, "grace_ends_at");
    out += std::to_string(f.verdict.grace_ends_at);
    member(out, "issued_at");
    out += std::to_string(f.issued_at);
    if (through_network) {
        member(out, "network");
        append_string(out, f.network);
        member(out, "network_id");
        out += std::to_string(f.verdict.network_id);
    }
    member(out, "nonce");
    append_string(out, f.nonce);
    member(out, "product");
    append_string(out, f.product);
    member(out, "seat_limit");
    out += std::to_string(f.verdict.seat_limit);
    member(out, "seats_used");
    out += std::to_string(f.verdict.seats_used);
    member(out, "site");
    append_string(out, f.site);
    member(out, "site_exempt");
    out += f.verdict.site_exempt ? "true" : "false";
    member(out, "type");
    append_string(out, kVerdictPayloadType);
    member(out, "valid");
    out += f.verdict.valid ? "true" : "false";
    member(out, "valid_until");
    out += std::to_string(f.valid_until);
    out.push_back('}');
    return out;
}

bool valid_challenge(std::string_view challenge) noexcept {
    if (challenge.empty() || challenge.size() > kMaxChallengeBytes) return false;
    for (char c : challenge) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '~' || c == ':' || c == '-';
        if (!ok) return false;
    }
    return true;
}

} // namespace plinth::licenses
