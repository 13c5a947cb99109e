#include "domain/key.hpp"

#include "domain/text.hpp"

#include <sodium.h>

namespace plinth::licenses {

namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

constexpr uint8_t kInvalid = 0xFF; // not a symbol
constexpr uint8_t kSkip = 0xFE;    // ignored: dashes and spaces

// Symbol value of each byte. Look-alikes map as Crockford says.
constexpr std::array<uint8_t, 256> make_decode_table() {
    std::array<uint8_t, 256> t{};
    for (auto &v : t) v = kInvalid;
    for (uint8_t i = 0; i < 32; ++i) {
        auto c = static_cast<unsigned char>(kAlphabet[i]);
        t[c] = i;
        if (c >= 'A' && c <= 'Z') t[c - 'A' + 'a'] = i;
    }
    t['I'] = t['i'] = t['L'] = t['l'] = 1;
    t['O'] = t['o'] = 0;
    t['-'] = t[' '] = kSkip;
    return t;
}
constexpr std::array<uint8_t, 256> kDecode = make_decode_table();

// Generator x^20 + x^19 + x^17 + x^16 + x^14 + x^11 + x^10 + x^6 + x^5 + x^4 + x^2 + 1: dense,
// so that random multi-symbol errors are caught as well as bursts. Processed ten bits (two
// symbols) per table step, most significant bit first: the check runs on every license check.
constexpr uint32_t kPoly = 0xB4C75; // the generator without its x^20 term
constexpr uint32_t kMask = 0xFFFFF;

constexpr std::array<uint32_t, 1024> make_crc_table() {
    std::array<uint32_t, 1024> t{};
    for (uint32_t v = 0; v < 1024; ++v) {
        uint32_t r = v << 10;
        for (int bit = 0; bit < 10; ++bit) r = (r & 0x80000) ? ((r << 1) ^ kPoly) & kMask : (r << 1) & kMask;
        t[v] = r;
    }
    return t;
}
constexpr std::array<uint32_t, 1024> kCrc = make_crc_table();

uint32_t step(uint32_t crc, uint32_t bits10) noexcept {
    return ((crc << 10) & kMask) ^ kCrc[((crc >> 10) ^ bits10) & 1023];
}

} // namespace

uint32_t key_checksum(const uint8_t *values, size_t count) noexcept {
    uint32_t crc = 0;
    size_t i = 0;
    for (; i + 1 < count; i += 2) crc = step(crc, (static_cast<uint32_t>(values[i]) << 5) | values[i + 1]);
    if (i < count) { // an odd symbol: five more bits, done one at a time
        uint32_t v = values[i];
        for (int bit = 4; bit >= 0; --bit) {
            uint32_t top = ((crc >> 19) ^ (v >> bit)) & 1;
            crc = ((crc << 1) & kMask) ^ (top ? kPoly : 0);
        }
    }
    return crc;
}

bool normalise_key(std::string_view typed, NormalKey &out) noexcept {
    // A key pasted from a mail or a terminal brings a newline or tab along; whitespace around it
    // is not part of it (inside it, only spaces and dashes are ignored).
    typed = trim_whitespace(typed);
    if (typed.size() > kMaxKeyInputBytes) return false;
    // Sized for the longest input, so the loop needs no bounds check; errors are collected rather
    // than returned early, so the time taken does not reveal where a key went wrong.
    std::array<uint8_t, kMaxKeyInputBytes> values;
    size_t n = 0;
    uint8_t bad = 0;
    for (char c : typed) {
        uint8_t v = kDecode[static_cast<unsigned char>(c)];
        if (v == kSkip) continue;
        bad |= static_cast<uint8_t>(v == kInvalid);
        values[n++] = v;
    }
    if (bad != 0 || n != kKeySymbols) return false;
    uint32_t given = 0;
    for (size_t i = kKeyRandomSymbols; i < kKeySymbols; ++i) given = (given << 5) | values[i];
    if (given != key_checksum(values.data(), kKeyRandomSymbols)) return false;
    for (size_t i = 0; i < kKeySymbols; ++i) out.symbols[i] = kAlphabet[values[i]];
    return true;
}

NormalKey generate_key() {
    std::array<uint8_t, kKeyRandomSymbols> random{};
    randombytes_buf(random.data(), random.size());
    std::array<uint8_t, kKeySymbols> values{};
    for (size_t i = 0; i < kKeyRandomSymbols; ++i) values[i] = random[i] & 31;
    uint32_t check = key_checksum(values.data(), kKeyRandomSymbols);
    for (size_t i = 0; i < kKeySymbols - kKeyRandomSymbols; ++i)
        values[kKeySymbols - 1 - i] = static_cast<uint8_t>((check >> (5 * i)) & 31);
    NormalKey key;
    for (size_t i = 0; i < kKeySymbols; ++i) key.symbols[i] = kAlphabet[values[i]];
    sodium_memzero(random.data(), random.size());
    sodium_memzero(values.data(), values.size());
    return key;
}

std::string format_key(const NormalKey &key) {
    std::string text;
    text.reserve(kKeySymbols + kKeySymbols / kKeyGroup);
    for (size_t i = 0; i < kKeySymbols; ++i) {
        if (i > 0 && i % kKeyGroup == 0) text.push_back('-');
        text.push_back(key.symbols[i]);
    }
    return text;
}

} // namespace plinth::licenses
