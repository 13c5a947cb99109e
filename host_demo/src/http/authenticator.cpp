#include "authenticator.hpp"

#include <plinth/sdk/host.hpp>

#include <strings.h>

namespace plinth::http {

Authenticator::Authenticator(const host::Host &host) {
    for (const auto &info : host.modules()) {
        if (!info.loaded) continue;
        auto *check = host.interface_as<plinth_session_check_v1>(info.id); // checked (sdk::Interface)
        if (check == nullptr) continue;
        module_ = host.module(info.id);
        check_ = check;
        return;
    }
}

std::optional<std::string_view> Authenticator::bearer_token(std::string_view value) {
    constexpr std::string_view scheme = "Bearer ";
    if (value.size() <= scheme.size() || strncasecmp(value.data(), scheme.data(), scheme.size()) != 0)
        return std::nullopt;
    value.remove_prefix(scheme.size());
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    return value;
}

Authenticator::Outcome Authenticator::resolve(std::string_view authorization) const {
    Outcome out;
    out.caller = host::anonymous_caller();
    if (authorization.empty()) return out;
    auto token = bearer_token(authorization);
    if (!token) {
        out.status = PLINTH_E_UNAUTHENTICATED;
        out.message = "the Authorization header must be 'Bearer <session token>'";
        return out;
    }
    if (check_ == nullptr) {
        out.status = PLINTH_E_UNAUTHENTICATED;
        out.message = "no loaded module checks session tokens";
        return out;
    }
    plinth_session_info info{};
    info.struct_size = sizeof info;
    plinth_error error = sdk::make_error();
    int32_t rc = check_->check(module_, sdk::to_str(*token), &info, &error);
    if (rc != PLINTH_OK) {
        // Unknown, revoked and expired tokens read the same; a database failure is not the
        // caller's fault and keeps its own status (503).
        out.status = rc == PLINTH_E_EXPIRED ? PLINTH_E_UNAUTHENTICATED : rc;
        out.message = rc == PLINTH_E_UNAUTHENTICATED || rc == PLINTH_E_EXPIRED
                          ? "the session token is unknown, revoked or expired"
                          : "the session could not be checked";
        return out;
    }
    // Only the roles an account can hold; anything else reads as a customer.
    int32_t role = info.role == PLINTH_ROLE_STAFF || info.role == PLINTH_ROLE_ADMIN ? info.role : PLINTH_ROLE_CUSTOMER;
    out.caller = host::user_caller(info.user_id, role);
    return out;
}

} // namespace plinth::http
