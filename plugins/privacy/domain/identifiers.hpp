// privacy/domain/identifiers.hpp — validation of what callers name: addresses and purposes.
#pragma once

#include <string>
#include <string_view>

namespace plinth::privacy {

inline constexpr size_t kMaxEmailBytes = 320;
inline constexpr size_t kMaxPurposeBytes = 64;

// Trims surrounding white space and checks the shape local@domain (no spaces or control
// characters, one '@', non-empty parts, at most kMaxEmailBytes). Throws sdk::Error
// (invalid_argument) naming `argument` otherwise. The case is kept: modules compare addresses
// with their own collation.
std::string checked_email(std::string_view email, std::string_view argument = "email");

// The form used for keyed hashing and duplicate detection: lower-cased ASCII, trimmed.
// REQUIRES: `email` passed checked_email.
std::string normalised_email(std::string_view email);

// Purposes are slugs such as "gravatar" or "ai-prompt-analysis": [a-z0-9][a-z0-9._-]{0,63}.
std::string checked_purpose(std::string_view purpose);

// Name-like labels kept in the ledger (policy version, source) and shown to people later:
// 1..max bytes that pass the SDK's name check (plinth/sdk/text.hpp: valid UTF-8, no control
// characters, line separators or bidirectional overrides, embeddings and isolates).
std::string checked_label(std::string_view value, std::string_view argument, size_t max_bytes);

} // namespace plinth::privacy
