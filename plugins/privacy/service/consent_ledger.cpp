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

ConsentAnswer PrivacyService::check_consent(const SubjectRef &who, std::string_view purpose,
                                           std::optional<bool> requires_opt_in) {
    sdk::Subject subject = subject_of(who);
    const PurposeInfo *info = settings_.purpose(purpose);
    const bool opt_in = requires_opt_in.value_or(info ? info->requires_opt_in : false);
    return ConsentAnswer{std::string(purpose), subject.user_id, opt_in, is_allowed(subject, purpose, opt_in)};
}

bool PrivacyService::answer_for(const ConsentState &state, std::string_view purpose) const {
    if (const PurposeInfo *info = settings_.purpose(purpose)) return privacy::is_allowed(state, info->requires_opt_in);
    return listener_answer(state);
}

std::vector<PurposeNotice> PrivacyService::announce(const sdk::Subject &subject, const SubjectKeys &keys,
                                                    const std::vector<std::string> &purposes) {
    std::vector<PurposeNotice> out;
    for (const auto &purpose : purposes) {
        ConsentState state = pool_.run([&](Connection &c) { return store_.consent_state(c, keys, purpose); });
        PurposeNotice notice{purpose, answer_for(state, purpose), {}};
        for (const auto &r : directory_.notify_consent(subject, purpose, notice.allowed)) {
            if (!r.error.empty())
                log_(PLINTH_LOG_WARNING, "consent listener '" + r.module + "' failed for purpose '" + purpose +
                                             "': " + r.error);
            notice.listeners.push_back(ListenerOutcome{r.module, r.error});
        }
        out.push_back(std::move(notice));
    }
    return out;
}

ConsentChangeResult PrivacyService::change_consent(const sdk::Caller &caller, const SubjectRef &who,
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
    ConsentChangeResult result;
    result.event_id = event_id;
    result.action = change.action;
    result.recorded_at = e.at;
    result.user_id = subject.user_id;
    result.notified = announce(subject, keys, purposes);
    result.subject_wide = wide;
    if (!wide) {
        result.purpose = change.purpose;
        result.allowed = result.notified.front().allowed;
    } else {
        result.restricted = change.action == ConsentAction::restrict;
    }
    return result;
}

ConsentHistory PrivacyService::consent_history(const sdk::Caller &caller, const SubjectRef &who) {
    precheck(caller, who);
    sdk::Subject subject = subject_of(who);
    require_self_or_staff(caller, subject.user_id);
    const SubjectKeys keys = keys_of(subject);
    ConsentHistory out;
    out.user_id = subject.user_id;
    std::vector<std::string> purposes;
    pool_.run([&](Connection &c) {
        out.events = store_.consent_history(c, keys);
        purposes = store_.consent_purposes(c, keys);
        out.restricted = store_.consent_state(c, keys, "").restricted;
    });
    for (const auto &p : purposes) {
        ConsentState s = pool_.run([&](Connection &c) { return store_.consent_state(c, keys, p); });
        out.current.emplace_back(p, answer_for(s, p));
    }
    return out;
}

} // namespace plinth::privacy
