#include "domain/key.hpp"

#include <sodium.h>

namespace plinth::licenses {

namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Symbol value of each byte, 0xFF when it is not a symbol. Look-alikes map as Crockford says.
constexpr std::array<uint8_t, 256> make_decode_table() {
    std::array<uint8_t, 256> t{};
    for (auto &v : t) v = 0xFF;
    for (uint8_t i = 0; i < 32; ++i) {
        auto c = static_cast<unsigned char>(kAlphabet[i]);
        t[c] = i;
        if (c >= 'A' && c <= 'Z') t[c - 'A' + 'a'] = i;
    }
    t['I'] = t['i'] = t['L'] = t['l'] = 1;
    t['O'] = t['o'] = 0;
    return t;
}
constexpr std::array<uint8_t, 256> kDecode = make_decode_table();

// Generator x^20 + x^19 + x^17 + x^16 + x^14 + x^11 + x^10 + x^6 + x^5 + x^4 + x^2 + 1: dense,
// so that random multi-symbol errors are caught as well as bursts. Processed five bits (one
// symbol) at a time, most significant bit first.
constexpr uint32_t kPoly = 0xB4C75; // the generator without its x^20 term
constexpr uint32_t kMask = 0xFFFFF;

constexpr std::array<uint32_t, 32> make_crc_table() {
    std::array<uint32_t, 32> t{};
    for (uint32_t v = 0; v < 32; ++v) {
        uint32_t r = v << 15;
        for (int bit = 0; bit < 5; ++bit) r = (r & 0x80000) ? ((r << 1) ^ kPoly) & kMask : (r << 1) & kMask;
        t[v] = r;
    }
    return t;
}
constexpr std::array<uint32_t, 32> kCrc = make_crc_table();

} // namespace

uint32_t key_checksum(const uint8_t *values, size_t count) noexcept {
    uint32_t crc = 0;
    for (size_t i = 0; i < count; ++i) crc = ((crc << 5) & kMask) ^ kCrc[((crc >> 15) ^ values[i]) & 31];
    return crc;
}

bool normalise_key(std::string_view typed, NormalKey &out) noexcept {
    if (typed.size() > kMaxKeyInputBytes) return false;
    std::array<uint8_t, kKeySymbols> values{};
    size_t n = 0;
    bool bad = false;
    for (char c : typed) {
        if (c == '-' || c == ' ') continue;
        uint8_t v = kDecode[static_cast<unsigned char>(c)];
        // Keep walking on errors so the time taken does not reveal where the key went wrong.
        bad |= (v == 0xFF) || (n >= kKeySymbols);
        if (n < kKeySymbols) values[n] = v & 31;
        ++n;
    }
    if (bad || n != kKeySymbols) return false;
    uint32_t expected = key_checksum(values.data(), kKeyRandomSymbols);
    uint32_t given = 0;
    for (size_t i = kKeyRandomSymbols; i < kKeySymbols; ++i) given = (given << 5) | values[i];
    if (given != expected) return false;
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
