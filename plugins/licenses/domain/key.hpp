// licenses/domain/key.hpp — the license key format.
//
// A key is 30 Crockford base32 symbols shown in six groups of five:
//     K7Q2M-9XW4T-HC3RZ-0BNFA-5VJ8E-P6D1G
// The first 26 symbols (130 bits) are random; the last 4 (20 bits) are a CRC over them.
//
// Rationale: Crockford's alphabet has no I, L, O or U, so a key read aloud or copied by hand
// survives; the CRC's generator has a constant term, so every error burst of up to 20 bits is
// detected — every single mistyped symbol and every swap of two neighbours, including the check
// symbols — and a malformed key is refused before any lookup. A random mistake slips through
// with probability 2^-20.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace plinth::licenses {

inline constexpr size_t kKeySymbols = 30;
inline constexpr size_t kKeyRandomSymbols = 26;
inline constexpr size_t kKeyGroup = 5;
// Input longer than this is malformed without being looked at symbol by symbol.
inline constexpr size_t kMaxKeyInputBytes = 64;

// The normal form: 30 uppercase symbols, no dashes. Lives on the stack; hashing and comparison
// use it, never the text the customer typed.
struct NormalKey {
    std::array<char, kKeySymbols> symbols{};
    std::string_view view() const { return {symbols.data(), symbols.size()}; }
};

// Reads a key as typed: whitespace around it (trim_whitespace) dropped, case-insensitive, dashes
// and spaces inside ignored, Crockford's look-alikes (I and L for 1, O for 0) accepted. Returns false — without allocating, and in time that does
// not depend on the key's secret part — when the length, a symbol or the checksum is wrong.
bool normalise_key(std::string_view typed, NormalKey &out) noexcept;

// A fresh key from libsodium's CSPRNG. REQUIRES: sodium_init() has succeeded.
NormalKey generate_key();

// "XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX".
std::string format_key(const NormalKey &key);

// The 20-bit check value of 26 symbol values (0..31). Exposed for the tests.
uint32_t key_checksum(const uint8_t *values, size_t count) noexcept;

} // namespace plinth::licenses
