// The one table from a module's plinth_status to an HTTP status (docs/http.md shows it).
#pragma once

#include <cstdint>

namespace plinth::http {

// invalid_argument 400 · unauthenticated, expired 401 · permission_denied 403 ·
// not_found, unsupported 404 · conflict, limit_exceeded 409 · throttled 429 ·
// unavailable, database 503 · resource_exhausted 507 · internal, sink, unknown codes 500.
//
// Rationale: limit_exceeded is a rule of the data (a seat limit, a quota) that retrying will not
// change, so it is a 409; 429 is kept for "too many requests, retry later" (rate limits and the
// accounts module's throttling), which always comes with Retry-After. An unknown command is a
// 404 because the URL names it.
unsigned http_status_for(int32_t plinth_status) noexcept;

} // namespace plinth::http
