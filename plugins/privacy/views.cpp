#include "views.hpp"

#include "domain/calendar.hpp"
#include "domain/consent.hpp"

namespace plinth::privacy {

using boost::json::array;
using boost::json::object;
using boost::json::value;

array notices_json(const std::vector<PurposeNotice> &notices) {
    array out;
    for (const PurposeNotice &n : notices) {
        array listeners;
        for (const ListenerOutcome &l : n.listeners)
            listeners.push_back(object{{"module", l.module}, {"ok", l.error.empty()}, {"error", l.error}});
        out.push_back(object{{"purpose", n.purpose}, {"allowed", n.allowed}, {"listeners", std::move(listeners)}});
    }
    return out;
}

object consent_answer_json(const ConsentAnswer &a) {
    return {{"purpose", a.purpose},
            {"user_id", a.user_id},
            {"requires_opt_in", a.requires_opt_in},
            {"allowed", a.allowed}};
}

object consent_change_json(const ConsentChangeResult &r) {
    object out{{"event_id", r.event_id},
               {"action", action_name(r.action)},
               {"recorded_at", format_utc(r.recorded_at)},
               {"user_id", r.user_id},
               {"notified", notices_json(r.notified)}};
    if (!r.subject_wide) {
        out["purpose"] = r.purpose;
        out["allowed"] = r.allowed;
    } else {
        out["restricted"] = r.restricted;
    }
    return out;
}

object consent_history_json(const ConsentHistory &h) {
    array history;
    for (const ConsentEventRow &ev : h.events)
        history.push_back(object{{"id", ev.id},
                                 {"purpose", ev.purpose.empty() ? value(nullptr) : value(ev.purpose)},
                                 {"action", ev.action},
                                 {"policy_version", ev.policy_version},
                                 {"source", ev.source},
                                 {"recorded_by", ev.actor},
                                 {"recorded_at", format_utc(ev.created_at)},
                                 {"recorded_at_unix", ev.created_at}});
    object current;
    for (const auto &[purpose, allowed] : h.current) current[purpose] = allowed;
    return {{"user_id", h.user_id},
            {"restricted", h.restricted},
            {"current", std::move(current)},
            {"history", std::move(history)}};
}

} // namespace plinth::privacy
