// tickets/domain/content.hpp — bytes in and out of JSON, and their fingerprints (libsodium).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::tickets {

// Calls sodium_init() once; every function here and CredentialCipher call it themselves.
void ensure_sodium();

// Strict standard base64 (RFC 4648 alphabet, '=' padding, no whitespace). Throws
// PLINTH_E_LIMIT_EXCEEDED before decoding anything when the text could only decode to more than
// `max_bytes`, PLINTH_E_INVALID_ARGUMENT naming `field` when it is not base64. The decoding is the
// SDK's (plinth/sdk/encoding.hpp), as is every encoding the module writes.
std::vector<uint8_t> decode_base64(std::string_view field, std::string_view text, size_t max_bytes);

using Sha256 = std::array<uint8_t, 32>;
Sha256 sha256(std::span<const uint8_t> bytes);

// Overwrites a string's bytes (secrets we are done with); the optimiser may not remove it.
void wipe(std::string &secret);

inline std::span<const uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

} // namespace plinth::tickets
