// The one path by which the HTTP faces run a module's JSON command: the API route
// (POST /v1/{module}/{command}) and the /account/ portal both call through here, as the request's
// caller (anonymous or a session's account; never the system principal).
#pragma once

#include <plinth/host/host.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace plinth::http {

struct CommandOutcome {
    int32_t status = PLINTH_OK; // PLINTH_OK, or the module's (or the lookup's) status
    std::string text;           // the module's answer: well-formed JSON when status is PLINTH_OK
    std::string message;        // the error message when status is not PLINTH_OK (untrusted module text)
    bool ok() const { return status == PLINTH_OK; }
};

// Runs `command` of `module_id` with `arguments` (JSON text) as `caller`. The answer is collected
// up to `response_limit` bytes (beyond: PLINTH_E_INTERNAL, "too large") and checked to be one
// well-formed JSON value (else PLINTH_E_INTERNAL). An unknown module or one without commands is
// PLINTH_E_NOT_FOUND; one that was found but refused at start is PLINTH_E_UNAVAILABLE. Never throws on a module's failure. [thread-safe]; every pointer borrowed.
// True when a module `module_id` was found but refused at start (its database unreachable or
// refusing the host, a failed migration): its routes answer 503 unavailable (try again later), not
// 404. The reason stays in the server's log: it may name the database's user and host.
// [thread-safe]
bool module_refused_at_start(const host::Host &host, std::string_view module_id);

CommandOutcome call_module_command(const host::Host &host, const plinth_call_context &caller,
                                   std::string_view module_id, std::string_view command,
                                   std::string_view arguments, size_t response_limit);

} // namespace plinth::http
