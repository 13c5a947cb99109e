#include "subject_store.hpp"

#include "../domain/credentials.hpp"
#include "../domain/inventory.hpp"
#include "attachment_store.hpp"
#include "credential_store.hpp"
#include "ticket_store.hpp"

#include <plinth/sdk/error.hpp>

namespace plinth::tickets {
using sdk::db::Connection;
using sdk::db::Row;

namespace {

constexpr const char *kRevealBasis = "legitimate interest (Art. 6(1)(f)): accountability for access to customer credentials";

std::string of_ticket(const std::string &what, int64_t id, int64_t ticket_id) {
    return what + " " + std::to_string(id) + " of ticket " + std::to_string(ticket_id);
}

std::vector<int64_t> ids(Connection &c, const std::string &sql, int64_t param) {
    std::vector<int64_t> out;
    for (const Row &r : c.query(sql, {param})) out.push_back(r.i64(0));
    return out;
}

} // namespace

SubjectTickets SubjectStore::collect(int64_t user_id) {
    SubjectTickets out;
    if (user_id <= 0) return out;
    TicketStore tickets(pool_);
    AttachmentStore attachments(pool_);
    std::vector<int64_t> owned =
        pool_.run([&](Connection &c) { return ids(c, "SELECT id FROM tickets_tickets WHERE owner_id = ? ORDER BY id", user_id); });
    Viewer owner{user_id, false, false};
    for (int64_t id : owned) {
        TicketRow ticket;
        try {
            ticket = tickets.get(owner, id);
        } catch (const sdk::Error &e) {
            if (e.status() == PLINTH_E_NOT_FOUND) continue; // erased or anonymised meanwhile
            throw;
        }
        out.replies[id] = tickets.replies(id);
        out.attachments[id] = attachments.list(id);
        out.credentials[id] = pool_.run([&](Connection &c) {
            std::vector<CredentialRow> rows;
            for (const Row &r : c.query(std::string("SELECT ") + CredentialStore::kColumns +
                                            " FROM tickets_credentials WHERE ticket_id = ? ORDER BY id",
                                        {id}))
                rows.push_back(CredentialStore::row(r));
            return rows;
        });
        out.reveals[id] = pool_.run([&](Connection &c) {
            std::vector<RevealRow> rows;
            for (const Row &r : c.query("SELECT id, credential_id, ticket_id, revealed_by, revealed_at FROM "
                                        "tickets_credential_reveals WHERE ticket_id = ? ORDER BY id",
                                        {id}))
                rows.push_back(RevealRow{r.i64(0), r.i64(1), r.i64(2), r.i64(3), r.i64(4)});
            return rows;
        });
        out.tickets.push_back(std::move(ticket));
    }
    return out;
}

void SubjectStore::erase(int64_t user_id, bool dry_run, int64_t reveal_log_days, int64_t now,
                         const std::function<void(const ErasureItem &)> &report) {
    if (user_id <= 0) return;
    const int64_t log_seconds = reveal_log_days * 86400;
    // Reveal log entries outlive the ticket (they record who saw a customer's credentials): kept
    // until their retention ends, removed now when it already has.
    auto reveal = [&](Connection &c, const Row &r, const std::string &what) {
        const int64_t until = r.i64(2) + log_seconds;
        const std::string item = "reveal " + std::to_string(r.i64(0)) + " of " + what;
        if (until > now) {
            report(ErasureItem{kCategoryRevealLog, item, ErasureAction::retained, kRevealBasis, until});
        } else {
            report(ErasureItem{kCategoryRevealLog, item, ErasureAction::removed, {}, 0});
            if (!dry_run) c.execute("DELETE FROM tickets_credential_reveals WHERE id = ?", {r.i64(0)});
        }
    };

    // 1. The subject's own tickets, one transaction each, everything in them included.
    std::vector<int64_t> owned =
        pool_.run([&](Connection &c) { return ids(c, "SELECT id FROM tickets_tickets WHERE owner_id = ? ORDER BY id", user_id); });
    for (int64_t ticket_id : owned) {
        pool_.transaction([&](Connection &c) {
            auto add = [&](const char *category, std::string item) {
                report(ErasureItem{category, std::move(item), ErasureAction::removed, {}, 0});
            };
            auto ticket = TicketStore::find(c, ticket_id, !dry_run);
            if (!ticket || ticket->owner_id != user_id) return;
            add(kCategoryDescription, "ticket " + std::to_string(ticket_id));
            for (const Row &r : c.query("SELECT id, by_staff FROM tickets_replies WHERE ticket_id = ? ORDER BY id", {ticket_id}))
                add(kCategoryDescription, of_ticket(r.i64(1) ? "staff reply" : "reply", r.i64(0), ticket_id));
            if (ticket->environment) add(kCategoryEnvironment, "environment of ticket " + std::to_string(ticket_id));
            for (int64_t id : ids(c, "SELECT id FROM tickets_attachments WHERE ticket_id = ? ORDER BY id", ticket_id))
                add(kCategoryAttachments, of_ticket("attachment", id, ticket_id));
            for (int64_t id : ids(c, "SELECT id FROM tickets_credentials WHERE ticket_id = ? ORDER BY id", ticket_id))
                add(kCategoryCredentials, of_ticket("credential", id, ticket_id));
            for (const Row &r : c.query("SELECT id, credential_id, revealed_at FROM tickets_credential_reveals WHERE "
                                        "ticket_id = ? ORDER BY id",
                                        {ticket_id}))
                reveal(c, r, of_ticket("credential", r.i64(1), ticket_id));
            if (!dry_run) {
                AttachmentStore::release_ticket(c, ticket_id);
                // Replies and credential rows go with the ticket (ON DELETE CASCADE).
                c.execute("DELETE FROM tickets_tickets WHERE id = ?", {ticket_id});
            }
        });
    }
    // Files are the subject's alone (blobs are keyed by ticket owner), so they go now rather
    // than waiting for the sweep.
    if (!dry_run)
        pool_.transaction([&](Connection &c) { AttachmentStore::remove_owner_orphans(c, user_id); });

    // 2. What the subject wrote or uploaded as staff in other people's tickets: the customer's
    //    record keeps the text, without the link to the subject.
    pool_.transaction([&](Connection &c) {
        // A dry run still has the subject's own tickets; they are reported above, not here.
        for (const Row &r : c.query("SELECT r.id, r.ticket_id FROM tickets_replies r JOIN tickets_tickets t ON t.id = "
                                    "r.ticket_id WHERE r.author_id = ? AND t.owner_id <> ? ORDER BY r.id",
                                    {user_id, user_id}))
            report(ErasureItem{kCategoryDescription, of_ticket("reply", r.i64(0), r.i64(1)), ErasureAction::anonymised,
                               {}, 0});
        for (const Row &r : c.query("SELECT a.id, a.ticket_id FROM tickets_attachments a JOIN tickets_tickets t ON t.id = "
                                    "a.ticket_id WHERE a.uploaded_by = ? AND t.owner_id <> ? ORDER BY a.id",
                                    {user_id, user_id}))
            report(ErasureItem{kCategoryAttachments, of_ticket("attachment", r.i64(0), r.i64(1)),
                               ErasureAction::anonymised, {}, 0});
        if (!dry_run) {
            c.execute("UPDATE tickets_replies SET author_id = 0 WHERE author_id = ?", {user_id});
            c.execute("UPDATE tickets_attachments SET uploaded_by = 0 WHERE uploaded_by = ?", {user_id});
        }
    });

    // 3. Reveals the subject made as staff stay until the log's retention period ends.
    pool_.transaction([&](Connection &c) {
        for (const Row &r : c.query("SELECT id, credential_id, revealed_at FROM tickets_credential_reveals WHERE "
                                    "revealed_by = ? ORDER BY id" + std::string(dry_run ? "" : " FOR UPDATE"),
                                    {user_id}))
            reveal(c, r, "credential " + std::to_string(r.i64(1)));
    });
}

int64_t SubjectStore::anonymise_closed_before(int64_t cutoff, int64_t now) {
    std::vector<int64_t> due = pool_.run([&](Connection &c) {
        std::vector<int64_t> out;
        for (const Row &r : c.query("SELECT id FROM tickets_tickets WHERE status = ? AND closed_at < ? AND "
                                    "anonymised_at IS NULL ORDER BY id",
                                    {static_cast<int>(Status::closed), cutoff}))
            out.push_back(r.i64(0));
        return out;
    });
    int64_t done = 0;
    for (int64_t ticket_id : due) {
        done += pool_.transaction([&](Connection &c) -> int64_t {
            auto t = TicketStore::find(c, ticket_id, true);
            // Reopened or handled by someone else since the list was read.
            if (!t || t->status != Status::closed || !t->closed_at || *t->closed_at >= cutoff || t->anonymised_at)
                return 0;
            AttachmentStore::release_ticket(c, ticket_id);
            CredentialStore::purge_ticket(c, ticket_id, PurgeReason::anonymised, now);
            c.execute("UPDATE tickets_credentials SET created_by = 0 WHERE ticket_id = ?", {ticket_id});
            c.execute("DELETE FROM tickets_replies WHERE ticket_id = ?", {ticket_id});
            c.execute("UPDATE tickets_tickets SET owner_id = 0, subject = '[anonymised]', description = '', "
                      "license_ref = NULL, environment = NULL, anonymised_at = ? WHERE id = ?",
                      {now, ticket_id});
            return 1;
        });
    }
    return done;
}

} // namespace plinth::tickets
