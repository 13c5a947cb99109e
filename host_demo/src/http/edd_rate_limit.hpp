// Which rate limit an EDD request draws on. The EDD endpoint ("/", a form) and the JSON command
// (POST /v1/releases/edd) reach the same releases command, so they must decide alike: otherwise
// one door is a way around the other's limit.
#pragma once

#include <optional>
#include <string_view>

namespace plinth::http {

// True when a request with this edd_action may change a licence's activations: every action but
// check_license and get_version, which only read. The action is read as the releases module reads
// it (spaces, tabs and line ends around it ignored), so padding cannot move a request to the laxer
// limit; an absent or unreadable action counts as changing (the stricter limit: the module refuses
// such a request anyway). [thread-safe]
inline bool edd_action_may_change_activations(std::optional<std::string_view> action) {
    if (!action) return true;
    std::string_view a = *action;
    while (!a.empty() && (a.front() == ' ' || a.front() == '\t' || a.front() == '\r' || a.front() == '\n'))
        a.remove_prefix(1);
    while (!a.empty() && (a.back() == ' ' || a.back() == '\t' || a.back() == '\r' || a.back() == '\n'))
        a.remove_suffix(1);
    return a != "check_license" && a != "get_version";
}

} // namespace plinth::http
