#include "request_head.hpp"

#include <boost/beast/http/rfc7230.hpp>

namespace plinth::http {

std::optional<HeadRefusal> check_request_head(const RequestMessage &request, bool chunked) {
    const size_t hosts = request.count(bhttp::field::host);
    if (hosts > 1 || (request.version() >= 11 && hosts == 0))
        return HeadRefusal{400, "bad_request", "an HTTP/1.1 request needs exactly one Host field"};
    if (request.count(bhttp::field::authorization) > 1)
        return HeadRefusal{400, "bad_request", "the request has more than one Authorization field"};
    if (request.count(bhttp::field::transfer_encoding) == 0) return std::nullopt;
    if (request.version() < 11)
        return HeadRefusal{400, "bad_request", "an HTTP/1.0 request cannot use Transfer-Encoding"};
    if (!chunked)
        return HeadRefusal{400, "bad_request",
                           "the body's length cannot be determined: Transfer-Encoding must end with chunked"};
    // Chunked is last (the parser said so); anything besides it would have to be decoded.
    size_t codings = 0;
    for (auto range = request.equal_range(bhttp::field::transfer_encoding); range.first != range.second; ++range.first)
        for ([[maybe_unused]] const auto &coding : bhttp::token_list(range.first->value())) ++codings;
    if (codings != 1)
        return HeadRefusal{501, "not_implemented", "only the chunked transfer coding is accepted"};
    return std::nullopt;
}

} // namespace plinth::http
