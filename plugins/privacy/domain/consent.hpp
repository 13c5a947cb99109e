// privacy/domain/consent.hpp — the consent ledger's rules: which event answers "may we?".
//
// The ledger is a history of events per subject. A purpose's answer depends on the latest event
// for that purpose and on whether processing is restricted (Art. 18), which covers every purpose.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plinth::privacy {

enum class ConsentAction {
    grant,           // Art. 6(1)(a): the subject agrees to `purpose`
    withdraw,        // Art. 7(3): the subject takes the agreement back
    object,          // Art. 21: the subject objects to processing for `purpose`
    restrict,        // Art. 18: every purpose; processing limited to storage
    lift_restriction // the controller ends a restriction (Art. 18(3))
};

std::string_view action_name(ConsentAction action);
// Throws sdk::Error (invalid_argument) for unknown names.
ConsentAction parse_action(std::string_view name);
// True for actions that apply to every purpose at once (restriction and its lifting).
bool is_subject_wide(ConsentAction action);

// What the ledger knows about one subject and one purpose.
struct ConsentState {
    std::optional<ConsentAction> last; // latest grant/withdraw/object for the purpose
    bool restricted = false;           // latest restrict/lift_restriction is restrict
    bool consent_asked = false;        // a grant or withdrawal was ever recorded for the purpose
};

// The answer of plinth.consent/1 is_allowed. Precedence, first match wins:
//   restricted                      -> no (Art. 18 whatever the purpose)
//   last is object                  -> no (Art. 21; a later grant lifts it)
//   last is withdraw                -> no (also where no opt-in is needed: a withdrawal there is
//                                      an objection by another name, and the safer reading)
//   last is grant                   -> yes
//   nothing recorded                -> yes unless the purpose requires opt-in
bool is_allowed(const ConsentState &state, bool requires_opt_in);

// The `allowed` value passed to consent listeners after a change. The ledger does not know
// whether a purpose needs opt-in; a purpose for which consent was ever asked is treated as one.
bool listener_answer(const ConsentState &state);

} // namespace plinth::privacy
