#include "consent.hpp"

#include <plinth/sdk/error.hpp>

namespace plinth::privacy {

std::string_view action_name(ConsentAction action) {
    switch (action) {
    case ConsentAction::grant: return "grant";
    case ConsentAction::withdraw: return "withdraw";
    case ConsentAction::object: return "object";
    case ConsentAction::restrict: return "restrict";
    case ConsentAction::lift_restriction: return "lift_restriction";
    }
    return "grant";
}

ConsentAction parse_action(std::string_view name) {
    for (ConsentAction a : {ConsentAction::grant, ConsentAction::withdraw, ConsentAction::object,
                            ConsentAction::restrict, ConsentAction::lift_restriction})
        if (action_name(a) == name) return a;
    throw sdk::invalid_argument("unknown consent action '" + std::string(name) + "'");
}

bool is_subject_wide(ConsentAction action) {
    return action == ConsentAction::restrict || action == ConsentAction::lift_restriction;
}

bool is_allowed(const ConsentState &state, bool requires_opt_in) {
    if (state.restricted) return false;
    if (!state.last) return !requires_opt_in;
    switch (*state.last) {
    case ConsentAction::grant: return true;
    case ConsentAction::object:
    case ConsentAction::withdraw: return false;
    default: return !requires_opt_in; // subject-wide actions never appear in `last`
    }
}

bool listener_answer(const ConsentState &state) { return is_allowed(state, state.consent_asked); }

} // namespace plinth::privacy
