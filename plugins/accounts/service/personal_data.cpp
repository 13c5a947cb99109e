// accounts/service/personal_data.cpp — the accounts module's part in every GDPR right: who a
// subject is (resolve), their export, their erasure, and the retention sweep.
#include "accounts.hpp"

#include "../domain/categories.hpp"
#include "../domain/gravatar.hpp"

#include <plinth/sdk/error.hpp>
#include <plinth/sdk/db.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <set>

namespace plinth::accounts {

using sdk::db::Connection;

// ---- personal data

ResolvedSubject Accounts::resolve_by_id(int64_t user_id) {
    ResolvedSubject out;
    pool_.run([&](Connection &c) {
        auto u = store_.user_by_id(c, user_id);
        if (!u) return;
        out.user_id = u->id;
        out.emails.push_back(u->email_normalized);
        for (const auto &h : store_.email_history(c, u->id))
            if (std::find(out.emails.begin(), out.emails.end(), h.email_normalized) == out.emails.end())
                out.emails.push_back(h.email_normalized);
    });
    return out;
}

ResolvedSubject Accounts::resolve_by_email(std::string_view email) {
    Email e = parse_email(email);
    auto id = pool_.run([&](Connection &c) -> std::optional<int64_t> {
        if (auto u = store_.user_by_email(c, e.normalized)) return u->id;
        return store_.user_by_previous_email(c, e.normalized);
    });
    if (id) {
        ResolvedSubject s = resolve_by_id(*id);
        if (s.user_id != 0) return s;
    }
    // No account: the address itself is still the subject, for modules that keyed data on it.
    return ResolvedSubject{0, {e.normalized}};
}

std::optional<int64_t> Accounts::account_of(int64_t user_id, const std::vector<std::string> &emails) {
    return pool_.run([&](Connection &c) -> std::optional<int64_t> {
        if (user_id != 0) {
            if (store_.user_by_id(c, user_id)) return user_id;
            return std::nullopt;
        }
        for (const std::string &e : emails)
            if (auto u = store_.user_by_email(c, normalize_login(e))) return u->id;
        return std::nullopt;
    });
}

std::vector<ExportItem> Accounts::export_subject(int64_t user_id) {
    std::vector<ExportItem> items;
    activity_.flush();
    pool_.run([&](Connection &c) {
        auto u = store_.user_by_id(c, user_id);
        if (!u) return;
        items.push_back({category::kEmail, {{"email", u->email}, {"current", true}, {"used_from", u->email_since}}});
        for (const auto &h : store_.email_history(c, user_id))
            items.push_back({category::kEmail,
                             {{"email", h.email}, {"current", false}, {"used_from", h.used_from}, {"replaced_at", h.replaced_at}}});
        items.push_back({category::kUsername,
                         {{"user_id", u->id},
                          {"username", u->username},
                          {"role", role_name(u->role)},
                          {"created_at", u->created_at},
                          {"updated_at", u->updated_at}}});
        items.push_back({category::kName, {{"first_name", u->first_name}, {"last_name", u->last_name}}});
        // Never the hash itself: only that a password exists and when it was set.
        items.push_back({category::kPassword, {{"password_set", true}, {"changed_at", u->password_changed_at}}});
        for (const auto &s : store_.sessions_of(c, user_id))
            items.push_back({category::kLogins,
                             {{"kind", "session"},
                              {"session_id", s.id},
                              {"created_at", s.times.created_at},
                              {"last_seen_at", s.times.last_seen_at},
                              {"expires_at", session_expires_at(s.times)}}});
        std::optional<int64_t> before;
        for (;;) {
            auto page = store_.events_of(c, user_id, 1000, before);
            for (const auto &e : page) {
                boost::json::object o{{"kind", "event"}, {"event", e.event}, {"at", e.at}};
                o["session_id"] = e.session_id ? boost::json::value(*e.session_id) : boost::json::value(nullptr);
                items.push_back({category::kLogins, std::move(o)});
            }
            if (page.size() < 1000) break;
            before = page.back().id;
        }
        if (auto t = store_.throttle(c, throttle_key_for_user(user_id)))
            items.push_back({category::kLogins,
                             {{"kind", "failed_login_counter"},
                              {"failures", t->failures},
                              {"last_failure_at", t->last_failure_at},
                              {"locked_until", t->locked_until}}});
        boost::json::object g{{"opted_in", u->gravatar_url.has_value()}};
        g["url"] = u->gravatar_url ? boost::json::value(*u->gravatar_url) : boost::json::value(nullptr);
        g["opted_in_at"] =
            u->gravatar_opted_in_at ? boost::json::value(*u->gravatar_opted_in_at) : boost::json::value(nullptr);
        items.push_back({category::kGravatar, std::move(g)});
    });
    return items;
}

void Accounts::erase_subject(int64_t user_id, bool dry_run, const std::function<void(const Erased &)> &report) {
    auto work = [&](Connection &c) {
        std::vector<Erased> out;
        auto u = store_.user_by_id(c, user_id, !dry_run);
        if (!u) return;
        const std::string account = "account " + std::to_string(user_id);
        out.push_back({category::kEmail, account + " current address"});
        auto history = store_.email_history(c, user_id);
        for (size_t i = 0; i < history.size(); ++i)
            out.push_back({category::kEmail, account + " previous address " + std::to_string(i + 1)});
        out.push_back({category::kUsername, account + " username and role"});
        out.push_back({category::kName, account + " first and last name"});
        out.push_back({category::kPassword, account + " password hash"});
        for (const auto &s : store_.sessions_of(c, user_id))
            out.push_back({category::kLogins, account + " session " + std::to_string(s.id)});
        int64_t events = store_.count_events_of(c, user_id);
        if (events > 0) out.push_back({category::kLogins, account + " login events (" + std::to_string(events) + ")"});
        TokenHash key = throttle_key_for_user(user_id);
        if (store_.throttle(c, key)) out.push_back({category::kLogins, account + " failed-login counter"});
        if (u->gravatar_url) out.push_back({category::kGravatar, account + " gravatar link"});
        if (!dry_run) {
            store_.delete_events_of(c, user_id);
            store_.delete_sessions_of(c, user_id);
            store_.delete_email_history(c, user_id);
            store_.delete_throttle(c, key);
            store_.delete_user(c, user_id);
        }
        for (const Erased &e : out) report(e);
    };
    if (dry_run) {
        pool_.run(work);
        return;
    }
    pool_.transaction(work);
    cache_.erase_user(user_id);
}

SweepCounts Accounts::sweep(int64_t now) {
    SweepCounts counts;
    activity_.flush(); // activity seen by this process must count before idle sessions go
    constexpr int64_t kBatch = 500;
    for (;;) {
        auto ended = pool_.transaction([&](Connection &c) {
            auto list = store_.ended_sessions(c, now, config_.session.idle_timeout_s, kBatch);
            for (const auto &s : list) {
                store_.insert_event(c, s.user_id, std::min(now, session_expires_at(s.times)), event::session_expired, s.id);
                store_.delete_session(c, s.id);
            }
            return list;
        });
        for (const auto &s : ended) cache_.erase_session(s.id);
        counts.sessions_expired += static_cast<int64_t>(ended.size());
        if (static_cast<int64_t>(ended.size()) < kBatch) break;
    }
    int64_t cutoff = now - config_.login_events_days * 86400;
    for (;;) {
        uint64_t n = pool_.run([&](Connection &c) { return store_.delete_events_before(c, cutoff, 5000); });
        counts.events_removed += static_cast<int64_t>(n);
        if (n < 5000) break;
    }
    for (;;) {
        uint64_t n = pool_.run(
            [&](Connection &c) { return store_.delete_stale_throttles(c, now, config_.throttle.reset_after_s, 5000); });
        counts.counters_removed += static_cast<int64_t>(n);
        if (n < 5000) break;
    }
    return counts;
}

} // namespace plinth::accounts
