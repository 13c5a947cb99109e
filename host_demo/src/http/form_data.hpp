// HTML form bodies: application/x-www-form-urlencoded and multipart/form-data (RFC 7578). Shared
// by the releases upload, the EDD endpoint and the /account/ portal. Everything here is a view
// into, or a copy from, the body it was given; nothing is trusted beyond its syntax.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plinth::http {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// The fields of an urlencoded text ("a=1&b=x+y"), percent-decoded with '+' as space, in order;
// empty pairs ("&&") are skipped. nullopt when a field cannot be decoded, a name is empty, or there
// are more than `max_fields`.
std::optional<FormFields> parse_urlencoded(std::string_view text, size_t max_fields);

// The value of the first field named `name` ("" when absent).
std::string_view form_value(const FormFields &fields, std::string_view name);

// One part of a multipart body; every view points into the body passed to multipart_parts.
struct MultipartPart {
    std::string_view name;         // the Content-Disposition name
    std::string_view filename;     // the Content-Disposition filename ("" when none: an ordinary field)
    std::string_view content_type; // the part's Content-Type ("" when none)
    std::string_view body;
};

// The parts of a multipart/form-data body whose Content-Type header is `content_type` (the
// boundary parameter is read from it). Empty on a malformed body (no closing delimiter, a part
// without headers, a boundary longer than 70 characters).
std::vector<MultipartPart> multipart_parts(std::string_view content_type, std::string_view body);

// True when the media type of a Content-Type value (before any ';') is `type`, ignoring case
// ("" asks whether the value names no type at all).
bool has_media_type(std::string_view content_type, std::string_view type);

} // namespace plinth::http
