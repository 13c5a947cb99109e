// tickets/service/personal_data.cpp — one person's tickets as a whole (export, erasure) and the
// retention sweep: which transactions run, and what each row's outcome is.
#include "tickets.hpp"

#include "../store/subject_store.hpp"

#include <plinth/sdk/error.hpp>

namespace plinth::tickets {
using sdk::db::Connection;

namespace {

constexpr const char *kRevealBasis =
    "legitimate interest (Art. 6(1)(f)): accountability for access to customer credentials";
constexpr int64_t kSecondsPerDay = 86400;

std::string of_ticket(const std::string &what, int64_t id, int64_t ticket_id) {
    return what + " " + std::to_string(id) + " of ticket " + std::to_string(ticket_id);
}

sdk::ErasureOutcome outcome(const char *category, std::string item, plinth_erasure_outcome what) {
    return sdk::ErasureOutcome{category, std::move(item), what, "", 0};
}

} // namespace

SubjectTickets Tickets::collect(int64_t user_id) {
    SubjectTickets out;
    if (user_id <= 0) return out;
    std::vector<int64_t> owned = pool_.run([&](Connection &c) { return TicketStore::owned_ids(c, user_id); });
    for (int64_t id : owned) {
        pool_.run([&](Connection &c) {
            auto ticket = TicketStore::find(c, id, false);
            if (!ticket || ticket->owner_id != user_id) return; // erased or anonymised meanwhile
            out.replies[id] = TicketStore::replies(c, id);
            out.attachments[id] = AttachmentStore::list(c, id);
            out.credentials[id] = CredentialStore::list(c, id);
            out.reveals[id] = CredentialStore::reveals(c, id);
            out.tickets.push_back(std::move(*ticket));
        });
    }
    return out;
}

void Tickets::erase(int64_t user_id, bool dry_run, const std::function<void(const sdk::ErasureOutcome &)> &report) {
    if (user_id <= 0) return;
    const int64_t now_s = now();
    const int64_t log_seconds = settings_.reveal_log_days * kSecondsPerDay;
    // Reveal log entries outlive the ticket (they record who saw a customer's credentials): kept
    // until their retention ends, removed now when it already has.
    auto reveal = [&](Connection &c, const RevealRow &r, const std::string &what) {
        const int64_t until = r.revealed_at + log_seconds;
        const std::string item = "reveal " + std::to_string(r.id) + " of " + what;
        if (until > now_s) {
            report(sdk::ErasureOutcome{kCategoryRevealLog, item, PLINTH_ERASURE_RETAINED, kRevealBasis, until});
        } else {
            report(outcome(kCategoryRevealLog, item, PLINTH_ERASURE_REMOVED));
            if (!dry_run) SubjectStore::delete_reveal(c, r.id);
        }
    };

    // 1. The subject's own tickets, one transaction each, everything in them included.
    std::vector<int64_t> owned = pool_.run([&](Connection &c) { return TicketStore::owned_ids(c, user_id); });
    for (int64_t ticket_id : owned) {
        pool_.transaction([&](Connection &c) {
            auto removed = [&](const char *category, std::string item) {
                report(outcome(category, std::move(item), PLINTH_ERASURE_REMOVED));
            };
            auto ticket = TicketStore::find(c, ticket_id, !dry_run);
            if (!ticket || ticket->owner_id != user_id) return;
            removed(kCategoryDescription, "ticket " + std::to_string(ticket_id));
            for (const TicketPart &r : SubjectStore::replies_of(c, ticket_id))
                removed(kCategoryDescription, of_ticket(r.by_staff ? "staff reply" : "reply", r.id, ticket_id));
            if (ticket->environment) removed(kCategoryEnvironment, "environment of ticket " + std::to_string(ticket_id));
            for (int64_t id : AttachmentStore::ids_of_ticket(c, ticket_id))
                removed(kCategoryAttachments, of_ticket("attachment", id, ticket_id));
            for (int64_t id : SubjectStore::credential_ids_of(c, ticket_id))
                removed(kCategoryCredentials, of_ticket("credential", id, ticket_id));
            for (const RevealRow &r : SubjectStore::reveals_of_ticket(c, ticket_id))
                reveal(c, r, of_ticket("credential", r.credential_id, ticket_id));
            if (!dry_run) {
                AttachmentStore::release_ticket(c, ticket_id);
                SubjectStore::delete_ticket(c, ticket_id);
            }
        });
    }
    // Files are the subject's alone (blobs are keyed by ticket owner), so they go now rather
    // than waiting for the sweep.
    if (!dry_run) pool_.transaction([&](Connection &c) { AttachmentStore::remove_owner_orphans(c, user_id); });

    // 2. What the subject wrote or uploaded as staff in other people's tickets: the customer's
    //    record keeps the text, without the link to the subject.
    pool_.transaction([&](Connection &c) {
        // A dry run still has the subject's own tickets; they are reported above, not here.
        for (const TicketPart &r : SubjectStore::replies_in_others(c, user_id))
            report(outcome(kCategoryDescription, of_ticket("reply", r.id, r.ticket_id), PLINTH_ERASURE_ANONYMISED));
        for (const TicketPart &a : SubjectStore::attachments_in_others(c, user_id))
            report(outcome(kCategoryAttachments, of_ticket("attachment", a.id, a.ticket_id),
                           PLINTH_ERASURE_ANONYMISED));
        if (!dry_run) SubjectStore::unlink_contributions(c, user_id);
    });

    // 3. Reveals the subject made as staff stay until the log's retention period ends.
    pool_.transaction([&](Connection &c) {
        for (const RevealRow &r : SubjectStore::reveals_by(c, user_id, !dry_run))
            reveal(c, r, "credential " + std::to_string(r.credential_id));
    });
}

int64_t Tickets::anonymise_closed_before(int64_t cutoff, int64_t at) {
    std::vector<int64_t> due = pool_.run([&](Connection &c) { return SubjectStore::closed_before(c, cutoff); });
    int64_t done = 0;
    for (int64_t ticket_id : due) {
        done += pool_.transaction([&](Connection &c) -> int64_t {
            auto t = TicketStore::find(c, ticket_id, true);
            // Reopened or handled by someone else since the list was read.
            if (!t || t->status != Status::closed || !t->closed_at || *t->closed_at >= cutoff || t->anonymised_at)
                return 0;
            AttachmentStore::release_ticket(c, ticket_id);
            CredentialStore::purge_ticket(c, ticket_id, PurgeReason::anonymised, at);
            SubjectStore::strip_ticket(c, ticket_id, at);
            return 1;
        });
    }
    return done;
}

int64_t Tickets::remove_orphans() {
    // One blob per transaction: each may hold megabytes of chunks, and a long purge must not hold
    // locks that uploads wait for. `ref_count = 0` is re-checked under the row lock, so a blob
    // that an upload just started to reuse stays.
    int64_t removed = 0;
    std::vector<int64_t> orphans = pool_.run([&](Connection &c) { return AttachmentStore::orphan_ids(c); });
    for (int64_t blob_id : orphans)
        removed += pool_.transaction([&](Connection &c) { return AttachmentStore::remove_orphan(c, blob_id) ? 1 : 0; });
    return removed;
}

std::vector<sdk::RetentionCount> Tickets::sweep(int64_t now_s) {
    int64_t expired = pool_.transaction([&](Connection &c) { return CredentialStore::expire_due(c, now_s); });
    int64_t anonymised = anonymise_closed_before(now_s - settings_.closed_ticket_days * kSecondsPerDay, now_s);
    int64_t orphans = remove_orphans(); // after anonymising, which releases files
    int64_t reveals = pool_.transaction([&](Connection &c) {
        return CredentialStore::remove_reveals_before(c, now_s - settings_.reveal_log_days * kSecondsPerDay);
    });
    return {{kCategoryCredentials, "expired", expired},
            {kCategoryDescription, "anonymised", anonymised},
            {kCategoryAttachments, "removed", orphans},
            {kCategoryRevealLog, "removed", reveals}};
}

std::vector<sdk::DataCategory> Tickets::data_categories() const {
    std::vector<sdk::DataCategory> out;
    for (const Category &c : tickets::data_categories(settings_))
        out.push_back(
            sdk::DataCategory{c.name, c.fields, c.purpose, c.legal_basis, c.retention, c.retention_days, c.recipients});
    return out;
}

} // namespace plinth::tickets
