// License key parsing (licenses/domain/key.hpp).
//
// Two halves, chosen by the first byte:
//  - typed text: normalise_key() never crashes; a key it accepts formats and reads back to
//    itself, and its check symbols are the checksum of its random symbols;
//  - checksum round-trip: 26 symbol values built from the input get their checksum appended,
//    the formatted key reads back to the same symbols, and changing any one symbol (a typo) is
//    always refused.
#include "check.hpp"
#include "domain/key.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace plinth::licenses;

namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

uint8_t value_of(char symbol) {
    for (uint8_t v = 0; v < 32; ++v)
        if (kAlphabet[v] == symbol) return v;
    ::plinth::fuzz::property_failed("a normal-form symbol", std::string(1, symbol), __FILE__, __LINE__);
}

uint32_t check_value(const NormalKey &key) {
    uint32_t check = 0;
    for (size_t i = kKeyRandomSymbols; i < kKeySymbols; ++i) check = check * 32 + value_of(key.symbols[i]);
    return check;
}

void typed_text(std::string_view text) {
    NormalKey key;
    if (!normalise_key(text, key)) return;
    uint8_t values[kKeySymbols];
    for (size_t i = 0; i < kKeySymbols; ++i) values[i] = value_of(key.symbols[i]);
    FUZZ_CHECK(key_checksum(values, kKeyRandomSymbols) == check_value(key), key.view());
    std::string shown = format_key(key);
    FUZZ_CHECK(shown.size() == kKeySymbols + kKeySymbols / kKeyGroup - 1, shown);
    NormalKey again;
    FUZZ_CHECK(normalise_key(shown, again) && again.view() == key.view(), shown);
}

void round_trip(const uint8_t *data, size_t size) {
    if (size < kKeyRandomSymbols + 2) return;
    uint8_t values[kKeySymbols];
    for (size_t i = 0; i < kKeyRandomSymbols; ++i) values[i] = data[i] % 32;
    uint32_t check = key_checksum(values, kKeyRandomSymbols);
    FUZZ_CHECK(check < (1u << 20), std::to_string(check));
    for (size_t i = kKeySymbols; i-- > kKeyRandomSymbols; check /= 32) values[i] = static_cast<uint8_t>(check % 32);
    std::string text;
    for (size_t i = 0; i < kKeySymbols; ++i) text += kAlphabet[values[i]];

    NormalKey key;
    FUZZ_CHECK(normalise_key(text, key) && key.view() == text, text);
    NormalKey again;
    std::string shown = format_key(key);
    FUZZ_CHECK(normalise_key(shown, again) && again.view() == text, shown);

    // One symbol replaced by another: the checksum must catch it.
    size_t where = data[kKeyRandomSymbols] % kKeySymbols;
    uint8_t other = static_cast<uint8_t>((values[where] + 1 + data[kKeyRandomSymbols + 1] % 31) % 32);
    std::string typo = text;
    typo[where] = kAlphabet[other];
    FUZZ_CHECK(!normalise_key(typo, again), text + " -> " + typo);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    if (data[0] & 1)
        round_trip(data + 1, size - 1);
    else
        typed_text(std::string_view(reinterpret_cast<const char *>(data + 1), size - 1));
    return 0;
}
