// accounts/domain/throttle.hpp — per-account exponential back-off after failed logins.
//
// Rule: once `free_failures` consecutive failures have happened, the n-th failure locks the
// account for base_delay * 2^(n - free_failures) seconds, capped at max_delay; an attempt during
// the lock is refused without looking at the password. A success clears everything; so does a
// quiet period of `reset_after_s` since the last failure.
//
// Rationale: the attempt is counted as a failure *before* the password is verified (and the count
// undone on success), so a burst of parallel guesses cannot slip through while the first ones are
// still hashing.
#pragma once

#include <cstdint>

namespace plinth::accounts {

struct ThrottlePolicy {
    int64_t free_failures = 5;
    int64_t base_delay_s = 1;
    int64_t max_delay_s = 900;
    int64_t reset_after_s = 86400;
};

// What is stored per throttle key. Times are Unix seconds; 0 means never.
struct ThrottleState {
    int64_t failures = 0;
    int64_t last_failure_at = 0;
    int64_t locked_until = 0;

    bool operator==(const ThrottleState &) const = default;
};

struct ThrottleDecision {
    bool allowed = true;
    int64_t retry_after_s = 0;  // when refused: seconds until the lock ends (>= 1)
    ThrottleState charged;      // when allowed: the state to store before verifying
};

// Decides whether an attempt at `now` may proceed and, if so, the state to record assuming it
// fails (see Rationale).
ThrottleDecision throttle_attempt(const ThrottlePolicy &policy, const ThrottleState &state, int64_t now);

// The lock after `failures` consecutive failures (0 while within the free allowance).
int64_t throttle_delay_s(const ThrottlePolicy &policy, int64_t failures);

// True when a stored state no longer matters at `now` and may be deleted by the retention sweep.
bool throttle_state_expired(const ThrottlePolicy &policy, const ThrottleState &state, int64_t now);

} // namespace plinth::accounts
