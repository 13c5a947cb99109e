// JSON on the response path without a DOM: escaping text into a body being built, checking that a
// module's answer is one well-formed UTF-8 JSON value before it is passed on, and reading the few
// string members of a small request object (the typed license check).
#pragma once

#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::http {

// Appends `text` as a JSON string literal. Control characters are escaped; bytes that are not
// valid UTF-8 become U+FFFD, so an untrusted message can never break the document.
void append_json_string(std::string &out, std::string_view text);

// True when a request's Content-Type says JSON: application/json (any case, any parameters), or
// none at all (a body without a type is read as JSON).
bool is_json_media_type(std::string_view content_type);

// True when `text` is exactly one JSON value (objects nested at most `max_depth` deep) with valid
// UTF-8 strings. Nothing is allocated for the value itself.
bool is_well_formed_json(std::string_view text, size_t max_depth = 64);

// Reads a JSON object whose members are all strings named in `names`. On success
// `values[i]` holds the member `names[i]` when present. On failure `problem` says why ("not a
// JSON object", "unknown member 'x'", "member 'key' must be a string", ...) and no value is set.
// Each member is bounded by `max_member_bytes`.
struct StringMembers {
    std::vector<std::optional<std::string>> values;
    std::string problem; // empty on success
};
StringMembers read_string_members(std::string_view text, std::span<const std::string_view> names,
                                  size_t max_member_bytes);

} // namespace plinth::http
