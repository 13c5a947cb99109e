#include "throttle.hpp"

#include <algorithm>

namespace plinth::accounts {

int64_t throttle_delay_s(const ThrottlePolicy &policy, int64_t failures) {
    if (failures < policy.free_failures || policy.free_failures < 0) return 0;
    int64_t doublings = failures - policy.free_failures;
    int64_t delay = std::max<int64_t>(policy.base_delay_s, 1);
    for (int64_t i = 0; i < doublings && delay < policy.max_delay_s; ++i) delay *= 2;
    return std::min(delay, policy.max_delay_s);
}

ThrottleDecision throttle_attempt(const ThrottlePolicy &policy, const ThrottleState &state, int64_t now) {
    ThrottleDecision d;
    if (now < state.locked_until) {
        d.allowed = false;
        d.retry_after_s = state.locked_until - now;
        return d;
    }
    ThrottleState base = state;
    if (base.last_failure_at != 0 && now - base.last_failure_at >= policy.reset_after_s) base = ThrottleState{};
    d.charged.failures = base.failures + 1;
    d.charged.last_failure_at = now;
    int64_t delay = throttle_delay_s(policy, d.charged.failures);
    d.charged.locked_until = delay > 0 ? now + delay : 0;
    return d;
}

bool throttle_state_expired(const ThrottlePolicy &policy, const ThrottleState &state, int64_t now) {
    return now >= state.locked_until && (state.last_failure_at == 0 || now - state.last_failure_at >= policy.reset_after_s);
}

} // namespace plinth::accounts
