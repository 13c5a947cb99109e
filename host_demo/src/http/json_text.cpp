#include "json_text.hpp"

#include "form_data.hpp"

#include <boost/json/basic_parser_impl.hpp>

namespace plinth::http {

namespace {

namespace json = boost::json;
using boost::system::error_code;

// Length of the UTF-8 sequence starting at s[i] when it is valid (shortest form, no surrogates,
// at most U+10FFFF), else 0.
size_t utf8_sequence(std::string_view s, size_t i) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) return 1;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k)
        if ((b(i + k) & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0; // surrogate
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0; // beyond U+10FFFF
    return n;
}

// Accepts anything the parser accepts; the parser itself checks syntax, depth and UTF-8.
struct Validator {
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);
    bool on_document_begin(error_code &) { return true; }
    bool on_document_end(error_code &) { return true; }
    bool on_object_begin(error_code &) { return true; }
    bool on_object_end(std::size_t, error_code &) { return true; }
    bool on_array_begin(error_code &) { return true; }
    bool on_array_end(std::size_t, error_code &) { return true; }
    bool on_key_part(json::string_view, std::size_t, error_code &) { return true; }
    bool on_key(json::string_view, std::size_t, error_code &) { return true; }
    bool on_string_part(json::string_view, std::size_t, error_code &) { return true; }
    bool on_string(json::string_view, std::size_t, error_code &) { return true; }
    bool on_number_part(json::string_view, error_code &) { return true; }
    bool on_int64(int64_t, json::string_view, error_code &) { return true; }
    bool on_uint64(uint64_t, json::string_view, error_code &) { return true; }
    bool on_double(double, json::string_view, error_code &) { return true; }
    bool on_bool(bool, error_code &) { return true; }
    bool on_null(error_code &) { return true; }
    bool on_comment_part(json::string_view, error_code &) { return true; }
    bool on_comment(json::string_view, error_code &) { return true; }
};

// Collects top-level string members by name; refuses anything else.
struct MemberReader {
    static constexpr std::size_t max_object_size = 16;
    static constexpr std::size_t max_array_size = 0;
    static constexpr std::size_t max_key_size = 64;
    static constexpr std::size_t max_string_size = std::size_t(-1);

    std::span<const std::string_view> names;
    StringMembers *out = nullptr;
    size_t max_bytes = 0;
    int depth = 0;
    int current = -1; // index of the member whose value comes next
    std::string key;
    std::string value;

    bool fail(error_code &ec, std::string problem) {
        if (out->problem.empty()) out->problem = std::move(problem);
        ec = json::error::syntax;
        return false;
    }
    bool not_string(error_code &ec) {
        if (depth == 0) return fail(ec, "the body must be a JSON object");
        return fail(ec, "member '" + key + "' must be a string");
    }
    bool on_document_begin(error_code &) { return true; }
    bool on_document_end(error_code &) { return true; }
    bool on_object_begin(error_code &ec) {
        if (depth > 0) return not_string(ec);
        ++depth;
        return true;
    }
    bool on_object_end(std::size_t, error_code &) {
        --depth;
        return true;
    }
    bool on_array_begin(error_code &ec) { return not_string(ec); }
    bool on_array_end(std::size_t, error_code &) { return true; }
    bool on_key_part(json::string_view s, std::size_t, error_code &) {
        key.append(s.data(), s.size());
        return true;
    }
    bool on_key(json::string_view s, std::size_t, error_code &ec) {
        key.append(s.data(), s.size());
        current = -1;
        for (size_t i = 0; i < names.size(); ++i)
            if (names[i] == key) current = static_cast<int>(i);
        if (current < 0) return fail(ec, "unknown member '" + key.substr(0, 64) + "'");
        if (out->values[static_cast<size_t>(current)]) return fail(ec, "member '" + key + "' appears twice");
        return true;
    }
    bool on_string_part(json::string_view s, std::size_t, error_code &ec) {
        if (depth == 0) return not_string(ec);
        if (value.size() + s.size() > max_bytes) return fail(ec, "member '" + key + "' is too long");
        value.append(s.data(), s.size());
        return true;
    }
    bool on_string(json::string_view s, std::size_t, error_code &ec) {
        if (!on_string_part(s, 0, ec)) return false;
        out->values[static_cast<size_t>(current)] = std::move(value);
        value.clear();
        key.clear();
        return true;
    }
    bool on_number_part(json::string_view, error_code &) { return true; }
    bool on_int64(int64_t, json::string_view, error_code &ec) { return not_string(ec); }
    bool on_uint64(uint64_t, json::string_view, error_code &ec) { return not_string(ec); }
    bool on_double(double, json::string_view, error_code &ec) { return not_string(ec); }
    bool on_bool(bool, error_code &ec) { return not_string(ec); }
    bool on_null(error_code &ec) { return not_string(ec); }
    bool on_comment_part(json::string_view, error_code &) { return true; }
    bool on_comment(json::string_view, error_code &) { return true; }
};

} // namespace

void append_json_string(std::string &out, std::string_view text) {
    static const char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (size_t i = 0; i < text.size();) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            size_t n = utf8_sequence(text, i);
            if (n == 0) {
                out += "\xEF\xBF\xBD"; // U+FFFD
                ++i;
            } else {
                out.append(text.data() + i, n);
                i += n;
            }
            continue;
        }
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7F) {
                out += "\\u00";
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 15]);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
        ++i;
    }
    out.push_back('"');
}

bool is_well_formed_json(std::string_view text, size_t max_depth) {
    json::parse_options options;
    options.max_depth = max_depth;
    json::basic_parser<Validator> parser(options);
    error_code ec;
    size_t n = parser.write_some(false, text.data(), text.size(), ec);
    return !ec && n == text.size() && parser.done();
}

StringMembers read_string_members(std::string_view text, std::span<const std::string_view> names,
                                  size_t max_member_bytes) {
    StringMembers result;
    result.values.resize(names.size());
    json::parse_options options;
    options.max_depth = 2;
    json::basic_parser<MemberReader> parser(options);
    parser.handler().names = names;
    parser.handler().out = &result;
    parser.handler().max_bytes = max_member_bytes;
    error_code ec;
    size_t n = parser.write_some(false, text.data(), text.size(), ec);
    if (result.problem.empty() && (ec || n != text.size() || !parser.done()))
        result.problem = "the body is not valid JSON";
    if (!result.problem.empty()) result.values.assign(names.size(), std::nullopt);
    return result;
}

bool is_json_media_type(std::string_view content_type) {
    return has_media_type(content_type, "") || has_media_type(content_type, "application/json");
}

} // namespace plinth::http
