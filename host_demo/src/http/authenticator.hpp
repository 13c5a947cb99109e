// Who is calling, from the Authorization header: a session's account through
// plinth.session-check/1, or anonymous. Never the system principal; the role is the account's.
#pragma once

#include <plinth/host/host.hpp>

#include <optional>
#include <string_view>

namespace plinth::http {

class Authenticator {
public:
    // Finds the first loaded module that offers plinth.session-check/1 (none: every bearer token
    // is refused as unauthenticated, anonymous requests still work).
    explicit Authenticator(const host::Host &host);

    struct Outcome {
        plinth_call_context caller{};
        int32_t status = PLINTH_OK; // PLINTH_E_UNAUTHENTICATED for a bad token, ...
        std::string_view message;
    };
    // `authorization` is the header's value ("" when absent). [thread-safe]
    Outcome resolve(std::string_view authorization) const;

    // The bearer token of an Authorization value, or nullopt when it is not "Bearer <token>".
    static std::optional<std::string_view> bearer_token(std::string_view authorization);

private:
    const plinth_module *module_ = nullptr;
    const plinth_session_check_v1 *check_ = nullptr;
};

} // namespace plinth::http
