// tickets/domain/access.hpp — who may see and do what with a ticket.
//
// The caller is described by the host (sdk::Caller), never by a command's arguments; module.cpp
// turns it into a Viewer, and the service (service/tickets.cpp) applies these rules, so they stay
// free of the ABI.
//
// Rationale: a ticket that exists but belongs to someone else is reported exactly like a ticket
// that does not exist (PLINTH_E_NOT_FOUND), so customers cannot probe ticket ids.
#pragma once

#include "workflow.hpp"

#include <cstdint>

namespace plinth::tickets {

struct Viewer {
    int64_t user_id = 0; // the signed-in account; 0 for the system
    bool staff = false;  // staff, administrators and the system
    bool system = false; // the host itself (operator CLI, other modules)

    // Anonymised tickets have owner 0 and belong to nobody.
    bool owns(int64_t owner_id) const { return !system && user_id != 0 && owner_id != 0 && user_id == owner_id; }
    bool can_read(int64_t owner_id) const { return staff || owns(owner_id); }
    // The owner acts as owner even when they are staff (their own ticket).
    Actor actor_for(int64_t owner_id) const { return owns(owner_id) ? Actor::owner : Actor::staff; }
};

} // namespace plinth::tickets
