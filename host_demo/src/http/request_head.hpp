// Checks of a request's head that Beast's parser leaves to the server: how the body is framed,
// and the fields that must not appear twice. A request that fails them is answered and the
// connection closed: where a body's length is in doubt, the bytes after the head could be read
// as a second request that a proxy in front never saw (request smuggling).
#pragma once

#include "router.hpp"

#include <optional>
#include <string_view>

namespace plinth::http {

struct HeadRefusal {
    unsigned status;
    std::string_view code;    // literals
    std::string_view message;
};

// nullopt when the head is acceptable. `chunked`: the parser's verdict that the body is chunked.
// RFC 9112: an HTTP/1.1 request has exactly one Host field (§3.2); a Transfer-Encoding whose last
// coding is not chunked leaves the length unknown (400, §6.3); other codings before chunked are
// not implemented here (501, §6.1); HTTP/1.0 has no Transfer-Encoding (400, §6.1). Two
// Authorization fields are refused rather than one chosen. [thread-safe]
std::optional<HeadRefusal> check_request_head(const RequestMessage &request, bool chunked);

} // namespace plinth::http
