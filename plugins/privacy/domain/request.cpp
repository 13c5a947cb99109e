#include "request.hpp"

#include "calendar.hpp"

#include <plinth/sdk/error.hpp>

namespace plinth::privacy {

std::string_view kind_name(RequestKind kind) {
    switch (kind) {
    case RequestKind::export_data: return "export";
    case RequestKind::erase: return "erase";
    case RequestKind::restrict: return "restrict";
    case RequestKind::object: return "object";
    }
    return "export";
}

RequestKind parse_kind(std::string_view name) {
    for (RequestKind k : {RequestKind::export_data, RequestKind::erase, RequestKind::restrict, RequestKind::object})
        if (kind_name(k) == name) return k;
    throw sdk::invalid_argument("argument 'kind' must be \"export\", \"erase\", \"restrict\" or \"object\"");
}

std::string_view status_name(RequestStatus status) {
    switch (status) {
    case RequestStatus::pending: return "pending";
    case RequestStatus::confirmed: return "confirmed";
    case RequestStatus::running: return "running";
    case RequestStatus::completed: return "completed";
    case RequestStatus::failed: return "failed";
    case RequestStatus::expired: return "expired";
    case RequestStatus::cancelled: return "cancelled";
    }
    return "pending";
}

RequestStatus parse_status(std::string_view name) {
    for (RequestStatus s : {RequestStatus::pending, RequestStatus::confirmed, RequestStatus::running,
                            RequestStatus::completed, RequestStatus::failed, RequestStatus::expired,
                            RequestStatus::cancelled})
        if (status_name(s) == name) return s;
    throw sdk::invalid_argument("unknown request status '" + std::string(name) +
                                "' (pending, confirmed, running, completed, failed, expired, cancelled)");
}

bool is_open(RequestStatus status) {
    return status == RequestStatus::pending || status == RequestStatus::confirmed ||
           status == RequestStatus::running || status == RequestStatus::failed;
}

int64_t deadline_for(int64_t created_at) { return add_one_month(created_at); }

bool token_lapsed(RequestStatus status, int64_t token_expires_at, int64_t now) {
    return status == RequestStatus::pending && now >= token_expires_at;
}

ConfirmDecision decide_confirm(RequestStatus status, int64_t token_expires_at, int64_t now, bool token_matches) {
    // The token is checked first so that nobody learns a request's state without it.
    if (!token_matches) return ConfirmDecision::wrong_token;
    if (status == RequestStatus::expired) return ConfirmDecision::expired;
    // The token is for one use: a second confirmation is refused (CONFLICT) rather than silently
    // accepted, so a copied token cannot be replayed unnoticed.
    if (status != RequestStatus::pending) return ConfirmDecision::not_pending;
    if (now >= token_expires_at) return ConfirmDecision::expire;
    return ConfirmDecision::confirm;
}

ExecuteDecision decide_execute(RequestStatus status, int64_t token_expires_at, int64_t now) {
    switch (status) {
    case RequestStatus::confirmed:
    case RequestStatus::running:
    case RequestStatus::failed: return ExecuteDecision::run;
    case RequestStatus::completed: return ExecuteDecision::return_result;
    case RequestStatus::expired: return ExecuteDecision::expired;
    case RequestStatus::cancelled: return ExecuteDecision::cancelled;
    case RequestStatus::pending:
        return now >= token_expires_at ? ExecuteDecision::expired : ExecuteDecision::not_confirmed;
    }
    return ExecuteDecision::not_confirmed;
}

} // namespace plinth::privacy
