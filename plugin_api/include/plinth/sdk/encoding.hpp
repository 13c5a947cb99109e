// plinth/sdk/encoding.hpp — hex and base64, one implementation for every module.
//
// Encoders never fail. Decoders are strict, so that one value has exactly one spelling (a token
// or a digest compared as text must not have a second form that decodes to the same bytes):
// only the alphabet's characters, no spaces, '=' padding exactly where the variant needs it, and
// unused low bits zero. They return nullopt on anything else and never throw.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::sdk::encoding {

// Lowercase hex, two digits a byte.
inline std::string to_hex(std::span<const uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(bytes.size() * 2, '0');
    for (size_t i = 0; i < bytes.size(); ++i) {
        out[2 * i] = kDigits[bytes[i] >> 4];
        out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
    }
    return out;
}

inline std::string to_hex(std::string_view bytes) {
    return to_hex(std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()));
}

// Hex of either case, an even number of digits; nullopt otherwise.
inline std::optional<std::vector<uint8_t>> from_hex(std::string_view text) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    if (text.size() % 2 != 0) return std::nullopt;
    std::vector<uint8_t> out(text.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
        const int high = nibble(text[2 * i]), low = nibble(text[2 * i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        out[i] = static_cast<uint8_t>(high << 4 | low);
    }
    return out;
}

// RFC 4648: `standard` is section 4 ('+', '/', '=' padding); `url` is section 5 ('-', '_') without
// padding, as tokens in URLs and cookies use it.
enum class Base64 { standard, url };

inline std::string to_base64(std::span<const uint8_t> bytes, Base64 variant = Base64::standard) {
    const char *alphabet = variant == Base64::standard
                               ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                               : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const uint32_t n = uint32_t{bytes[i]} << 16 | uint32_t{bytes[i + 1]} << 8 | bytes[i + 2];
        out += alphabet[n >> 18 & 63];
        out += alphabet[n >> 12 & 63];
        out += alphabet[n >> 6 & 63];
        out += alphabet[n & 63];
    }
    const size_t rest = bytes.size() - i;
    if (rest > 0) {
        const uint32_t n = uint32_t{bytes[i]} << 16 | (rest == 2 ? uint32_t{bytes[i + 1]} << 8 : 0);
        out += alphabet[n >> 18 & 63];
        out += alphabet[n >> 12 & 63];
        if (rest == 2) out += alphabet[n >> 6 & 63];
        if (variant == Base64::standard) out.append(rest == 1 ? "==" : "=");
    }
    return out;
}

inline std::string to_base64(std::string_view bytes, Base64 variant = Base64::standard) {
    return to_base64(std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()), variant);
}

inline std::optional<std::vector<uint8_t>> from_base64(std::string_view text, Base64 variant = Base64::standard) {
    auto value = [variant](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (variant == Base64::standard) return c == '+' ? 62 : c == '/' ? 63 : -1;
        return c == '-' ? 62 : c == '_' ? 63 : -1;
    };
    size_t data_chars = text.size();
    if (variant == Base64::standard) {
        if (text.size() % 4 != 0) return std::nullopt;
        if (data_chars > 0 && text[data_chars - 1] == '=') --data_chars;
        if (data_chars > 0 && text[data_chars - 1] == '=') --data_chars;
    }
    if (data_chars % 4 == 1) return std::nullopt; // 6 bits cannot end a byte
    std::vector<uint8_t> out;
    out.reserve(data_chars / 4 * 3 + 2);
    uint32_t accumulator = 0;
    int bits = 0;
    for (size_t i = 0; i < data_chars; ++i) {
        const int v = value(text[i]);
        if (v < 0) return std::nullopt;
        accumulator = (accumulator << 6 | static_cast<uint32_t>(v)) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<uint8_t>(accumulator >> bits & 0xff));
        }
    }
    if (bits > 0 && (accumulator & ((1u << bits) - 1)) != 0) return std::nullopt; // non-canonical
    return out;
}

} // namespace plinth::sdk::encoding
