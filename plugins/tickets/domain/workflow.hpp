// tickets/domain/workflow.hpp — a ticket's status workflow and priority, as pure decisions.
//
//   open ──► pending ──► resolved ──► closed
//     ▲  ◄──────┘            │           │
//     └──────── reopen ──────┴───────────┘
//
// Staff move a ticket anywhere along the arrows; its owner may resolve, close and reopen it but
// not mark it pending (that means "waiting for the customer", which only staff can say).
// Replies move the status too: a customer's reply reopens a pending or resolved ticket, a staff
// reply on an open ticket makes it pending. Nothing is said on a closed ticket until it is reopened.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace plinth::tickets {

// Stored as TINYINT; values never renumbered.
enum class Status : int { open = 0, pending = 1, resolved = 2, closed = 3 };

// Stored as TINYINT; higher is more urgent.
enum class Priority : int { low = 0, normal = 1, high = 2, urgent = 3 };

std::string_view status_name(Status status);
std::optional<Status> parse_status(std::string_view name);
// REQUIRES: 0 <= value <= 3 (throws otherwise: the row was written by something else).
Status status_from_db(int64_t value);

std::string_view priority_name(Priority priority);
std::optional<Priority> parse_priority(std::string_view name);
Priority priority_from_db(int64_t value);

// Who asks for a change: the ticket's owner, or staff (the system counts as staff). A staff
// member acting on their own ticket is its owner.
enum class Actor { owner, staff };

// The status a ticket moves to when `actor` asks for `to`, or an sdk::Error saying why not:
// PLINTH_E_CONFLICT for a move the workflow does not have (same status, closed to pending, ...),
// PLINTH_E_PERMISSION_DENIED for a move only staff may make.
Status transition(Status from, Status to, Actor actor);

// The status after a reply by `actor`. Throws PLINTH_E_CONFLICT on a closed ticket.
Status status_after_reply(Status current, Actor actor);

// Whether the ticket still accepts attachments, credentials and environment changes.
inline bool accepts_changes(Status status) { return status != Status::closed; }

} // namespace plinth::tickets
