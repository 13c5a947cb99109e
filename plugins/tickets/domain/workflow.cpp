#include "workflow.hpp"

#include <plinth/sdk/error.hpp>

#include <array>
#include <string>

namespace plinth::tickets {
namespace {

constexpr std::array<std::string_view, 4> kStatusNames = {"open", "pending", "resolved", "closed"};
constexpr std::array<std::string_view, 4> kPriorityNames = {"low", "normal", "high", "urgent"};

} // namespace

std::string_view status_name(Status status) { return kStatusNames.at(static_cast<size_t>(status)); }

std::optional<Status> parse_status(std::string_view name) {
    for (size_t i = 0; i < kStatusNames.size(); ++i)
        if (kStatusNames[i] == name) return static_cast<Status>(i);
    return std::nullopt;
}

Status status_from_db(int64_t value) {
    if (value < 0 || value >= static_cast<int64_t>(kStatusNames.size()))
        throw sdk::Error(PLINTH_E_INTERNAL, "stored ticket status " + std::to_string(value) + " is unknown");
    return static_cast<Status>(value);
}

std::string_view priority_name(Priority priority) { return kPriorityNames.at(static_cast<size_t>(priority)); }

std::optional<Priority> parse_priority(std::string_view name) {
    for (size_t i = 0; i < kPriorityNames.size(); ++i)
        if (kPriorityNames[i] == name) return static_cast<Priority>(i);
    return std::nullopt;
}

Priority priority_from_db(int64_t value) {
    if (value < 0 || value >= static_cast<int64_t>(kPriorityNames.size()))
        throw sdk::Error(PLINTH_E_INTERNAL, "stored ticket priority " + std::to_string(value) + " is unknown");
    return static_cast<Priority>(value);
}

Status transition(Status from, Status to, Actor actor) {
    auto move = [&] { return std::string(status_name(from)) + " to " + std::string(status_name(to)); };
    if (from == to) throw sdk::conflict("the ticket is already " + std::string(status_name(to)));

    bool allowed = false;
    switch (from) {
    case Status::open: allowed = true; break;                      // to pending, resolved, closed
    case Status::pending: allowed = true; break;                   // to open, resolved, closed
    case Status::resolved: allowed = to == Status::open || to == Status::closed; break;
    case Status::closed: allowed = to == Status::open; break;      // reopen only
    }
    if (!allowed) {
        if (from == Status::closed) throw sdk::conflict("a closed ticket can only be reopened, not moved to " +
                                                        std::string(status_name(to)));
        throw sdk::conflict("the workflow has no move from " + move());
    }
    if (actor == Actor::owner && to == Status::pending)
        throw sdk::permission_denied("only staff can mark a ticket pending");
    // The owner may put a pending ticket back to open only by replying: an explicit move would
    // let a customer silence "waiting for you" without answering.
    if (actor == Actor::owner && from == Status::pending && to == Status::open)
        throw sdk::permission_denied("reply to the ticket to reopen it");
    return to;
}

Status status_after_reply(Status current, Actor actor) {
    switch (current) {
    case Status::closed: throw sdk::conflict("the ticket is closed; reopen it before replying");
    case Status::open: return actor == Actor::staff ? Status::pending : Status::open;
    case Status::pending: return actor == Actor::owner ? Status::open : Status::pending;
    case Status::resolved: return actor == Actor::owner ? Status::open : Status::resolved;
    }
    return current;
}

} // namespace plinth::tickets
