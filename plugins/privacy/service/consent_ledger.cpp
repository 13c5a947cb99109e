// privacy/service/consent_ledger.cpp — the consent ledger: answers, changes, history, listeners.
#include "service_internal.hpp"

#include "../domain/calendar.hpp"

#include <algorithm>

namespace plinth::privacy {

using namespace internal;

bool PrivacyService::is_allowed(const sdk::Subject &subject, std::string_view purpose, bool requires_opt_in) {
    if (purpose.empty()) throw sdk::invalid_argument("no purpose given");
    SubjectKeys keys = keys_of(subject);
    ConsentState state = pool_.run([&](Connection &c) { return store_.consent_state(c, keys, purpose); });
    return privacy::is_allowed(state, requires_opt_in);
}

boost::json::value PrivacyService::check_consent(const SubjectRef &who, std::string_view purpose,
                                                 std::optional<bool> requires_opt_in) {
    sdk::Subject subject = subject_of(who);
    const PurposeInfo *info = settings_.purpose(purpose);
    const bool opt_in = requires_opt_in.value_or(info ? info->requires_opt_in : false);
    return {{"purpose", purpose},
            {"user_id", subject.user_id},
            {"requires_opt_in", opt_in},
            {"allowed", is_allowed(subject, purpose, opt_in)}};
}

bool PrivacyService::answer_for(const ConsentState &state, std::string_view purpose) const {
    if (const PurposeInfo *info = settings_.purpose(purpose)) return privacy::is_allowed(state, info->requires_opt_in);
    return listener_answer(state);
}

boost::json::array PrivacyService::notify(const sdk::Subject &subject, const SubjectKeys &keys,
                                          const std::vector<std::string> &purposes) {
    array out;
    for (const auto &purpose : purposes) {
        ConsentState state = pool_.run([&](Connection &c) { return store_.consent_state(c, keys, purpose); });
        const bool allowed = answer_for(state, purpose);
        array listeners;
        for (const auto &r : directory_.notify_consent(subject, purpose, allowed)) {
            if (!r.error.empty())
                log_(PLINTH_LOG_WARNING, "consent listener '" + r.module + "' failed for purpose '" + purpose +
                                             "': " + r.error);
            listeners.push_back({{"module", r.module}, {"ok", r.error.empty()}, {"error", r.error}});
        }
        out.push_back({{"purpose", purpose}, {"allowed", allowed}, {"listeners", std::move(listeners)}});
    }
    return out;
}

boost::json::value PrivacyService::change_consent(const sdk::Caller &caller, const SubjectRef &who,
                                                  const ConsentChange &change) {
    if (change.action == ConsentAction::lift_restriction && !caller.is_staff())
        throw sdk::permission_denied("only staff can lift a restriction of processing");
    precheck(caller, who);
    sdk::Subject subject = subject_of(who);
    require_self_or_staff(caller, subject.user_id);
    if (subject.user_id == 0 && subject.emails.empty())
        throw sdk::invalid_argument("the subject has neither an account nor an email address");
    const SubjectKeys keys = keys_of(subject);
    const bool wide = is_subject_wide(change.action);

    NewConsentEvent e;
    e.user_id = subject.user_id;
    if (who.email) e.email_hash = email_hash(*who.email);
    else if (!subject.emails.empty()) e.email_hash = email_hash(subject.emails.front());
    e.purpose = wide ? std::string() : change.purpose;
    e.action = change.action;
    e.policy_version = change.policy_version;
    e.source = change.source;
    e.actor = actor_label(caller);
    e.at = now();
    const int64_t event_id = pool_.transaction([&](Connection &c) { return store_.add_consent_event(c, e); });

    std::vector<std::string> purposes;
    if (wide) {
        purposes = pool_.run([&](Connection &c) { return store_.consent_purposes(c, keys); });
        for (const auto &[name, info] : settings_.purposes)
            if (std::find(purposes.begin(), purposes.end(), name) == purposes.end()) purposes.push_back(name);
    } else {
        purposes.push_back(change.purpose);
    }
    array notified = notify(subject, keys, purposes);
    object result{{"event_id", event_id},
                  {"action", action_name(change.action)},
                  {"recorded_at", format_utc(e.at)},
                  {"user_id", subject.user_id},
                  {"notified", std::move(notified)}};
    if (!wide) {
        result["purpose"] = change.purpose;
        result["allowed"] = result["notified"].as_array().front().as_object().at("allowed");
    } else {
        result["restricted"] = change.action == ConsentAction::restrict;
    }
    return result;
}

boost::json::value PrivacyService::consent_history(const sdk::Caller &caller, const SubjectRef &who) {
    precheck(caller, who);
    sdk::Subject subject = subject_of(who);
    require_self_or_staff(caller, subject.user_id);
    const SubjectKeys keys = keys_of(subject);
    std::vector<ConsentEventRow> events;
    std::vector<std::string> purposes;
    bool restricted = false;
    pool_.run([&](Connection &c) {
        events = store_.consent_history(c, keys);
        purposes = store_.consent_purposes(c, keys);
        restricted = store_.consent_state(c, keys, "").restricted;
    });
    array history;
    for (const auto &ev : events)
        history.push_back({{"id", ev.id},
                           {"purpose", ev.purpose.empty() ? value(nullptr) : value(ev.purpose)},
                           {"action", ev.action},
                           {"policy_version", ev.policy_version},
                           {"source", ev.source},
                           {"recorded_by", ev.actor},
                           {"recorded_at", format_utc(ev.created_at)},
                           {"recorded_at_unix", ev.created_at}});
    object current;
    for (const auto &p : purposes) {
        ConsentState s = pool_.run([&](Connection &c) { return store_.consent_state(c, keys, p); });
        current[p] = answer_for(s, p);
    }
    return {{"user_id", subject.user_id},
            {"restricted", restricted},
            {"current", std::move(current)},
            {"history", std::move(history)}};
}
} // namespace plinth::privacy
