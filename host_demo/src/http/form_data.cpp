#include "form_data.hpp"

#include "router.hpp"

#include <strings.h>

namespace plinth::http {

namespace {

// The value of parameter `key` (`key="..."` or `key=token`) in a header value such as
// Content-Disposition, or "" when absent. Parameters are matched as whole words after ';'.
std::string_view header_parameter(std::string_view header, std::string_view key) {
    size_t at = 0;
    while ((at = header.find(';', at)) != std::string_view::npos) {
        ++at;
        while (at < header.size() && (header[at] == ' ' || header[at] == '\t')) ++at;
        // Parameter names are case-insensitive (RFC 9110 §5.6.6): "Boundary=" names the boundary too.
        std::string_view name = header.substr(at, key.size());
        if (name.size() != key.size() || strncasecmp(name.data(), key.data(), key.size()) != 0 ||
            header.substr(at + key.size(), 1) != "=")
            continue;
        std::string_view value = header.substr(at + key.size() + 1);
        if (!value.empty() && value.front() == '"') {
            size_t end = value.find('"', 1);
            return end == std::string_view::npos ? std::string_view() : value.substr(1, end - 1);
        }
        return value.substr(0, value.find(';'));
    }
    return {};
}

// The value of header `name` among the CRLF-separated header lines of a part ("" when absent).
std::string_view part_header(std::string_view head, std::string_view name) {
    while (!head.empty()) {
        size_t eol = head.find("\r\n");
        std::string_view line = head.substr(0, eol);
        head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);
        size_t colon = line.find(':');
        if (colon == name.size() && strncasecmp(line.data(), name.data(), name.size()) == 0) {
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            return value;
        }
    }
    return {};
}

} // namespace

std::optional<FormFields> parse_urlencoded(std::string_view text, size_t max_fields) {
    FormFields fields;
    while (!text.empty()) {
        size_t amp = text.find('&');
        std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
        if (pair.empty()) continue;
        size_t eq = pair.find('=');
        auto key = percent_decode(pair.substr(0, eq), true);
        auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
        if (!key || !value || key->empty() || fields.size() >= max_fields) return std::nullopt;
        fields.emplace_back(std::move(*key), std::move(*value));
    }
    return fields;
}

std::string_view form_value(const FormFields &fields, std::string_view name) {
    for (const auto &[k, v] : fields)
        if (k == name) return v;
    return {};
}

bool has_media_type(std::string_view content_type, std::string_view type) {
    std::string_view t = content_type.substr(0, content_type.find(';'));
    // Optional whitespace (spaces and tabs) may precede a parameter's ';' (RFC 9110 §5.6.6). The
    // field's leading whitespace is already gone: the parser strips it.
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    // (An absent field is an empty view whose data may be null: strncasecmp must not see it.)
    return t.size() == type.size() && (t.empty() || strncasecmp(t.data(), type.data(), t.size()) == 0);
}

std::vector<MultipartPart> multipart_parts(std::string_view content_type, std::string_view body) {
    std::vector<MultipartPart> parts;
    std::string_view boundary = header_parameter(content_type, "boundary");
    if (boundary.empty() || boundary.size() > 70) return parts;
    const std::string delimiter = "--" + std::string(boundary);
    const std::string next_delimiter = "\r\n" + delimiter;
    size_t at = body.find(delimiter);
    while (at != std::string_view::npos) {
        size_t start = at + delimiter.size();
        if (body.substr(start, 2) == "--") return parts; // the closing delimiter
        if (body.substr(start, 2) != "\r\n") return {};
        start += 2;
        size_t head_end = body.find("\r\n\r\n", start);
        size_t next = body.find(next_delimiter, start);
        if (head_end == std::string_view::npos || next == std::string_view::npos || head_end > next) return {};
        std::string_view head = body.substr(start, head_end - start);
        std::string_view disposition = part_header(head, "Content-Disposition");
        MultipartPart p;
        p.name = header_parameter(disposition, "name");
        p.filename = header_parameter(disposition, "filename");
        p.content_type = part_header(head, "Content-Type");
        p.body = body.substr(head_end + 4, next - head_end - 4);
        parts.push_back(p);
        at = next + 2;
    }
    return {};
}

} // namespace plinth::http
