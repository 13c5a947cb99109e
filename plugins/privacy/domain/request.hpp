// privacy/domain/request.hpp — the life of a data-subject request, as pure decisions.
//
//   pending --confirm(token, < 24 h)--> confirmed --execute--> running --> completed
//      |                                                   \-> failed --execute--> running
//      '--(24 h without confirmation)--> expired           (a crashed run stays "running" and is
//                                                           resumed by the next execute)
//   any open request --(the subject is erased, or a new request replaces a failed one)--> cancelled
//
// Requests that are pending, confirmed, running or failed are "open": a subject has at most one
// open request of each kind, so a second one is refused rather than racing the first (a failed
// one is cancelled instead: it must never block the person's new request).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace plinth::privacy {

enum class RequestKind { export_data, erase, restrict, object };
enum class RequestStatus { pending, confirmed, running, completed, failed, expired, cancelled };

std::string_view kind_name(RequestKind kind); // "export", "erase", "restrict", "object"
RequestKind parse_kind(std::string_view name); // throws invalid_argument
std::string_view status_name(RequestStatus status);
RequestStatus parse_status(std::string_view name); // throws invalid_argument

bool is_open(RequestStatus status);

// An unconfirmed request's token is valid for 24 hours.
inline constexpr int64_t kTokenLifetimeSeconds = 24 * 3600;
// 32 random bytes; only their SHA-256 is stored.
inline constexpr size_t kTokenBytes = 32;

// Art. 12(3): one month after the request was received.
int64_t deadline_for(int64_t created_at);

enum class ConfirmDecision {
    confirm,        // pending, token right and fresh: becomes confirmed
    not_pending,    // confirmed or later, token right: the one-time token was used (CONFLICT)
    expire,         // pending but the token is too old: becomes expired, caller gets EXPIRED
    expired,        // already expired: caller gets EXPIRED
    wrong_token,    // caller gets UNAUTHENTICATED; nothing changes
};
// REQUIRES: `token_matches` was computed in constant time.
ConfirmDecision decide_confirm(RequestStatus status, int64_t token_expires_at, int64_t now, bool token_matches);

enum class ExecuteDecision {
    run,            // confirmed, failed, or running after a crash: (re)start, skipping done steps
    return_result,  // completed: return the stored result; never run twice
    not_confirmed,  // pending: refuse (CONFLICT)
    expired,        // expired, or pending past its token: refuse (EXPIRED)
    cancelled,      // cancelled by the subject's erasure or replaced: refuse (CONFLICT)
};
ExecuteDecision decide_execute(RequestStatus status, int64_t token_expires_at, int64_t now);

// A pending request whose token lifetime has passed.
bool token_lapsed(RequestStatus status, int64_t token_expires_at, int64_t now);

} // namespace plinth::privacy
