// The head of an answer with an in-memory body, written by the server itself into one reused
// buffer: the status line, Date, the fields, Content-Length and Connection. Beast's serializer
// walks a chain of buffer views per field and was a quarter of the server's CPU for a small
// answer; this writes the same bytes with a few appends. (File bodies still go through Beast.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plinth::http {

struct ResponseHead {
    unsigned version = 11; // 10 or 11, as the request's
    unsigned status = 200;
    std::string_view content_type;
    std::string_view request_id;
    std::string_view cache_control; // empty: no Cache-Control field
    const std::vector<std::pair<std::string, std::string>> *fields = nullptr; // extra fields
    uint64_t content_length = 0;
    bool keep_alive = true;
};

// Replaces `out` with the head (ending with the empty line). Extra fields (Cache-Control among
// them) whose name is not an HTTP token or whose value holds CR, LF or NUL are dropped (a handler's mistake must not let a
// value split the answer) and counted in the return value. A status without a body (1xx, 204,
// 304) gets no Content-Length. [thread-safe]
size_t write_response_head(std::string &out, const ResponseHead &head);

// True when `name` is an HTTP token and `value` holds no CR, LF or NUL: a field safe to send.
bool is_valid_field(std::string_view name, std::string_view value);

// True when answers with `status` carry no body (RFC 9110 §6.4.1).
constexpr bool status_has_no_body(unsigned status) { return status < 200 || status == 204 || status == 304; }

// The current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), formatted at most once
// a second per thread. [thread-safe]
std::string_view http_date();

} // namespace plinth::http
