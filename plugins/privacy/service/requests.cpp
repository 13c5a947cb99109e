// privacy/service/requests.cpp — data-subject requests: creation, confirmation, execution
// decisions, reading and listing.
#include "service_internal.hpp"

#include "../archive/digest.hpp"
#include "../archive/zip_writer.hpp"
#include "../domain/calendar.hpp"
#include "../domain/identifiers.hpp"
#include "../domain/text.hpp"

#include "export_staging.hpp"

#include <sodium.h>

#include <map>
#include <set>

namespace plinth::privacy {

using namespace internal;

namespace {

std::string what_is_asked(RequestKind kind, const std::optional<std::string> &purpose) {
    switch (kind) {
    case RequestKind::export_data: return "a copy of the personal data we hold about you";
    case RequestKind::erase: return "the erasure of the personal data we hold about you";
    case RequestKind::restrict: return "a restriction of the processing of your personal data";
    case RequestKind::object: return "an objection to the processing of your personal data for '" + purpose.value_or("") + "'";
    }
    return "a data-subject request";
}

} // namespace

void PrivacyService::require_may_act_on_role(const sdk::Caller &caller, RequestKind kind, int64_t subject_user_id) {
    if (kind != RequestKind::erase || caller.is_system() || subject_user_id <= 0) return;
    if (caller.is_user() && caller.user_id == subject_user_id) return; // their own request
    const std::optional<int32_t> role = directory_.role_of(subject_user_id);
    if (!role || *role < PLINTH_ROLE_STAFF || caller.is_admin()) return;
    throw sdk::permission_denied("erasing a staff member's or an administrator's data needs an administrator");
}

void PrivacyService::deliver_token(const sdk::Subject &subject, std::string_view address, int64_t id,
                                   RequestKind kind, const std::string &token, int64_t token_expires_at) {
    if (!deliver_.ready())
        throw sdk::unavailable("this host cannot deliver the confirmation token to the person (it offers no "
                               "plinth.notify/1), and the token is never handed to whoever asked");
    // An account's token goes to its current address (first in the subject), not to whichever of
    // its addresses the request named: an old one may belong to nobody now.
    const std::string to = subject.user_id > 0 && !subject.emails.empty() ? subject.emails.front() : std::string(address);
    auto row = pool_.run([&](Connection &c) { return store_.request(c, id); });
    OutboundMessage m;
    m.recipient = to;
    m.topic = "privacy.request-confirmation";
    m.subject = "Please confirm your data request " + std::to_string(id);
    m.body = "We received a request, made in your name, for " + what_is_asked(kind, row ? row->purpose : std::nullopt) +
             " (request " + std::to_string(id) + ").\n\nIf you made it, confirm it with this one-time code before " +
             format_utc(token_expires_at) + ":\n\n    " + token + "\n\n(request.confirm with request_id " +
             std::to_string(id) + " and this code.) If you did not, ignore this message: nothing happens without "
             "your confirmation.\n";
    deliver_.send(m);
}

PrivacyService::Created PrivacyService::create(const sdk::Caller &caller, std::string_view email_arg,
                                               RequestKind kind, std::optional<std::string> purpose) {
    const std::string email = checked_email(email_arg);
    if (kind == RequestKind::object) {
        if (!purpose) throw sdk::invalid_argument("an objection needs argument 'purpose'");
        purpose = checked_purpose(*purpose);
    } else if (purpose) {
        throw sdk::invalid_argument("argument 'purpose' applies only to objections");
    }
    sdk::Subject subject = resolve(email);
    require_self_or_staff(caller, subject.user_id);
    require_may_act_on_role(caller, kind, subject.user_id);
    // Only the console operator gets the token back; everyone else's request is confirmed by the
    // person, through a message only they receive. Checked before anything is written.
    if (!caller.is_system() && !deliver_.ready())
        throw sdk::unavailable("this host cannot deliver the confirmation token to the person (it offers no "
                               "plinth.notify/1), and the token is never handed to whoever asked");

    std::vector<unsigned char> raw(kTokenBytes);
    randombytes_buf(raw.data(), raw.size());
    Created created;
    created.token = sdk::encoding::to_hex(raw);
    const std::string token_hash =
        digest_string(std::string_view(reinterpret_cast<const char *>(raw.data()), raw.size()));
    sodium_memzero(raw.data(), raw.size());

    const int64_t t = now();
    NewRequest r;
    r.kind = kind;
    r.purpose = purpose;
    r.email = email;
    r.email_hash = email_hash(email);
    r.user_id = subject.user_id;
    r.open_slot = open_slot(kind, subject, email);
    r.token_hash = token_hash;
    r.token_expires_at = t + kTokenLifetimeSeconds;
    r.created_by = actor_label(caller);
    r.created_at = t;
    r.deadline_at = deadline_for(t);
    created.token_expires_at = r.token_expires_at;
    created.deadline_at = r.deadline_at;
    const int64_t keep_until = t + settings_.request_retention_days * kSecondsPerDay;

    const SubjectKeys keys = keys_of(subject);
    for (const auto &h : keys.email_hashes) r.subject_hashes.push_back(h);
    created.id = pool_.transaction([&](Connection &c) {
        created.replaced.clear(); // the transaction may run again
        std::map<int64_t, RequestRow> existing;
        for (auto &e : store_.open_requests_of(c, kind, keys, true)) existing.emplace(e.id, std::move(e));
        if (auto slotted = store_.request_by_slot(c, r.open_slot, true)) existing.emplace(slotted->id, *slotted);
        std::vector<int64_t> lapsed;
        for (const auto &[id, e] : existing) {
            if (token_lapsed(e.status, e.token_expires_at, t)) lapsed.push_back(id);
            // A failed request is replaced, never in the way: whatever made it fail must not
            // keep the person from asking again.
            else if (e.status == RequestStatus::failed) created.replaced.push_back(id);
            else
                throw sdk::conflict("this person already has an open " + std::string(kind_name(kind)) +
                                    " request (request " + std::to_string(id) + ", " +
                                    std::string(status_name(e.status)) + ")");
        }
        // An erasure under way settles every other request of the person (it would cancel this
        // one), so nothing else is started meanwhile.
        if (kind != RequestKind::erase)
            for (const auto &e : store_.open_requests_of(c, RequestKind::erase, keys, false))
                if (e.status != RequestStatus::pending)
                    throw sdk::conflict("an erasure of this person's data is under way (request " + std::to_string(e.id) +
                                        ", " + std::string(status_name(e.status)) + ")");
        for (int64_t id : lapsed) {
            store_.mark_expired(c, id, keep_until);
            store_.audit(c, t, id, "system", "expired", "token lapsed without confirmation");
        }
        for (int64_t id : created.replaced) store_.cancel(c, id, std::nullopt, t, keep_until);
        int64_t id = store_.insert_request(c, r);
        for (int64_t old : created.replaced) {
            store_.set_cancelled_by(c, old, id);
            store_.audit(c, t, old, r.created_by, "cancelled", "replaced by request " + std::to_string(id) + " after it failed");
        }
        store_.audit(c, t, id, r.created_by, "created",
                     std::string(kind_name(kind)) + (purpose ? " (purpose " + *purpose + ")" : "") +
                         (subject.user_id ? "; account " + std::to_string(subject.user_id) : "; no account"));
        return id;
    });
    if (kind == RequestKind::export_data && !settings_.state_dir.empty())
        for (int64_t old : created.replaced) ExportStaging(work_dir(old)).remove_all();
    if (!caller.is_system()) {
        try {
            deliver_token(subject, email, created.id, kind, created.token, created.token_expires_at);
        } catch (const std::exception &e) {
            // Undeliverable: the request could never be confirmed, so it must not block a new one.
            pool_.transaction([&](Connection &c) {
                store_.cancel(c, created.id, std::nullopt, now(), keep_until);
                store_.audit(c, now(), created.id, "system", "cancelled", "the confirmation could not be delivered");
            });
            throw sdk::unavailable(std::string("the confirmation could not be sent to the person: ") + e.what());
        }
    }
    return created;
}

RequestCreated PrivacyService::create_request(const sdk::Caller &caller, std::string_view email, RequestKind kind,
                                              std::optional<std::string> purpose) {
    Created c = create(caller, email, kind, std::move(purpose));
    RequestCreated out{c.id, kind, c.token_expires_at, c.deadline_at, std::move(c.replaced), std::nullopt};
    // The token proves the person asked: it reaches them alone. Only the console operator (who
    // could read the database anyway) gets it here.
    if (caller.is_system()) out.token = std::move(c.token);
    return out;
}

RequestRow PrivacyService::confirm_request(int64_t id, std::string_view token) { return confirm(id, token, "subject"); }

RequestRow PrivacyService::confirm(int64_t id, std::string_view token, const std::string &actor) {
    auto raw = token_bytes(token);
    if (!raw) throw sdk::invalid_argument("argument 'token' must be 64 hexadecimal characters");
    const std::string presented = digest_string(*raw);
    const int64_t t = now();
    const int64_t keep_expired_until = t + settings_.request_retention_days * kSecondsPerDay;
    struct Decided {
        ConfirmDecision decision;
        RequestRow row;
    };
    Decided o = pool_.transaction([&](Connection &c) -> Decided {
        auto row = store_.request(c, id, true);
        // An unknown request and a wrong token look the same: neither tells a guesser anything.
        if (!row) return {ConfirmDecision::wrong_token, {}};
        const bool matches = row->token_hash && row->token_hash->size() == presented.size() &&
                             sodium_memcmp(row->token_hash->data(), presented.data(), presented.size()) == 0;
        ConfirmDecision d = decide_confirm(row->status, row->token_expires_at, t, matches);
        if (d == ConfirmDecision::confirm) {
            store_.mark_confirmed(c, id, t);
            store_.audit(c, t, id, actor, "confirmed", "token accepted");
            row->status = RequestStatus::confirmed;
            row->confirmed_at = t;
        } else if (d == ConfirmDecision::expire) {
            store_.mark_expired(c, id, keep_expired_until);
            store_.audit(c, t, id, actor, "expired", "confirmation arrived after the token lapsed");
        }
        return {d, *row};
    });
    switch (o.decision) {
    case ConfirmDecision::wrong_token: throw sdk::unauthenticated("unknown request or wrong token");
    case ConfirmDecision::expire:
    case ConfirmDecision::expired:
        throw sdk::expired("the confirmation token has expired (tokens are valid for 24 hours); please make a new "
                           "request");
    case ConfirmDecision::not_pending:
        if (o.row.status == RequestStatus::cancelled)
            throw sdk::conflict("request " + std::to_string(id) + " was cancelled");
        throw sdk::conflict("request " + std::to_string(id) + " is already confirmed (" +
                            std::string(status_name(o.row.status)) + "): the token works once");
    case ConfirmDecision::confirm: break;
    }
    return o.row;
}

void PrivacyService::confirm_by_operator(int64_t id) {
    const int64_t t = now();
    pool_.transaction([&](Connection &c) {
        auto row = store_.request(c, id, true);
        if (!row || row->status != RequestStatus::pending) return; // confirmed meanwhile
        store_.mark_confirmed(c, id, t);
        store_.audit(c, t, id, "system", "confirmed", "confirmed by the console operator");
    });
}

RequestResult PrivacyService::execute_request(const sdk::Caller &caller, int64_t id) {
    return with_request_claim(pool_, id, [&]() -> RequestResult {
        auto row = pool_.run([&](Connection &c) {
            sdk::db::CausalReads causal(c); // on Galera: a confirmation or cancellation made through another node
            return store_.request(c, id);
        });
        if (!row) throw sdk::not_found("no request " + std::to_string(id));
        const int64_t t = now();
        switch (decide_execute(row->status, row->token_expires_at, t)) {
        case ExecuteDecision::return_result: return RequestResult{RecordedResult{id, row->result.value_or("{}")}};
        case ExecuteDecision::not_confirmed:
            throw sdk::conflict("request " + std::to_string(id) + " has not been confirmed yet");
        case ExecuteDecision::expired:
            if (row->status == RequestStatus::pending) {
                pool_.transaction([&](Connection &c) {
                    store_.mark_expired(c, id, t + settings_.request_retention_days * kSecondsPerDay);
                    store_.audit(c, t, id, "system", "expired", "token lapsed without confirmation");
                });
            }
            throw sdk::expired("request " + std::to_string(id) + " has expired");
        case ExecuteDecision::cancelled:
            throw sdk::conflict("request " + std::to_string(id) + " was cancelled" +
                                (row->cancelled_by ? " by request " + std::to_string(*row->cancelled_by) : std::string()) +
                                "; it cannot run any more");
        case ExecuteDecision::run: break;
        }
        return run(caller, std::move(*row));
    });
}

RequestSummary PrivacyService::summary_of(RequestRow row) const {
    const bool overdue = is_open(row.status) && now() > row.deadline_at;
    return {std::move(row), overdue};
}

RequestRow PrivacyService::visible_request(const sdk::Caller &caller, int64_t id) {
    auto row = pool_.run([&](Connection &c) { return store_.request(c, id); });
    // Customers learn nothing about requests that are not theirs, not even that they exist.
    if (!row || (!caller.is_staff() && !(caller.is_user() && row->user_id > 0 && row->user_id == caller.user_id)))
        throw sdk::not_found("no request " + std::to_string(id));
    return *row;
}

RequestDetail PrivacyService::get_request(const sdk::Caller &caller, int64_t id) {
    RequestRow row = visible_request(caller, id);
    if (token_lapsed(row.status, row.token_expires_at, now())) {
        const int64_t t = now();
        pool_.transaction([&](Connection &c) {
            store_.mark_expired(c, id, t + settings_.request_retention_days * kSecondsPerDay);
            store_.audit(c, t, id, "system", "expired", "token lapsed without confirmation");
        });
        row = *pool_.run([&](Connection &c) { return store_.request(c, id); });
    }
    RequestDetail detail;
    detail.request = summary_of(std::move(row));
    pool_.run([&](Connection &c) {
        detail.progress = store_.steps(c, id);
        detail.audit = store_.audit_for(c, id);
    });
    return detail;
}

ArchiveContents PrivacyService::archive_contents(const sdk::Caller &caller, int64_t id) {
    RequestRow row = visible_request(caller, id);
    auto archive = pool_.run([&](Connection &c) { return store_.export_of(c, id); });
    if (row.kind != RequestKind::export_data || !archive)
        throw sdk::not_found("request " + std::to_string(id) + " has no export archive");
    if (archive->deleted_at)
        throw sdk::not_found("the archive of request " + std::to_string(id) + " was deleted on " +
                             format_utc(*archive->deleted_at));
    const fs::path path = exports_dir() / archive->file_name;
    auto parse = [&](std::string_view entry) {
        boost::system::error_code ec;
        value v = boost::json::parse(read_zip_entry(path, entry), ec);
        if (ec || !v.is_object()) throw sdk::Error(PLINTH_E_INTERNAL, "the archive's " + std::string(entry) + " is damaged");
        return v;
    };
    value manifest = parse("manifest.json");
    value exported = parse("export.json");
    ArchiveContents out;
    out.request_id = id;
    out.archive = path.string();
    out.size = archive->size;
    out.sha256 = archive->sha256;
    out.expires_at = archive->expires_at;
    out.verified = true;
    for (const auto &f : manifest.as_object().at("files").as_array()) {
        const auto &o = f.as_object();
        ArchiveEntry entry;
        entry.path = std::string(o.at("path").as_string());
        entry.sha256 = std::string(o.at("sha256").as_string());
        entry.size = o.at("size").to_number<int64_t>();
        entry.verified = sha256_hex(read_zip_entry(path, entry.path)) == entry.sha256;
        out.verified = out.verified && entry.verified;
        out.entries.push_back(std::move(entry));
    }
    for (const auto &m : exported.as_object().at("modules").as_array())
        for (const auto &g : m.as_object().at("categories").as_array())
            out.groups.push_back({std::string(m.as_object().at("module").as_string()),
                                  std::string(g.as_object().at("category").as_string()),
                                  static_cast<int64_t>(g.as_object().at("items").as_array().size()),
                                  static_cast<int64_t>(g.as_object().at("files").as_array().size())});
    return out;
}

RequestPage PrivacyService::list_requests(std::optional<RequestStatus> status, std::optional<int64_t> user_id,
                                         int64_t limit, std::optional<int64_t> before_id) {
    auto rows = pool_.run([&](Connection &c) { return store_.list_requests(c, status, user_id, limit, before_id); });
    RequestPage page;
    if (rows.size() == static_cast<size_t>(limit) && !rows.empty()) page.next_before_id = rows.back().id;
    for (auto &r : rows) page.requests.push_back(summary_of(std::move(r)));
    return page;
}
} // namespace plinth::privacy
