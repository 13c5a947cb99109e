#include "subject_store.hpp"

#include "../domain/workflow.hpp"

namespace plinth::tickets::SubjectStore {
using sdk::db::Connection;
using sdk::db::Row;

namespace {

std::vector<RevealRow> reveal_rows(const sdk::db::Rows &rows) {
    std::vector<RevealRow> out;
    for (const Row &r : rows) out.push_back(RevealRow{r.i64(0), r.i64(1), r.i64(2), r.i64(3), r.i64(4)});
    return out;
}

std::vector<TicketPart> parts(const sdk::db::Rows &rows) {
    std::vector<TicketPart> out;
    for (const Row &r : rows) out.push_back(TicketPart{r.i64(0), r.i64(1), false});
    return out;
}

} // namespace

std::vector<TicketPart> replies_of(Connection &c, int64_t ticket_id) {
    std::vector<TicketPart> out;
    for (const Row &r : c.query("SELECT id, by_staff FROM tickets_replies WHERE ticket_id = ? ORDER BY id", {ticket_id}))
        out.push_back(TicketPart{r.i64(0), ticket_id, r.i64(1) != 0});
    return out;
}

std::vector<int64_t> credential_ids_of(Connection &c, int64_t ticket_id) {
    std::vector<int64_t> out;
    for (const Row &r : c.query("SELECT id FROM tickets_credentials WHERE ticket_id = ? ORDER BY id", {ticket_id}))
        out.push_back(r.i64(0));
    return out;
}

std::vector<RevealRow> reveals_of_ticket(Connection &c, int64_t ticket_id) {
    return reveal_rows(c.query("SELECT id, credential_id, ticket_id, revealed_by, revealed_at FROM "
                               "tickets_credential_reveals WHERE ticket_id = ? ORDER BY id",
                               {ticket_id}));
}

std::vector<RevealRow> reveals_by(Connection &c, int64_t revealed_by, bool for_update) {
    return reveal_rows(c.query("SELECT id, credential_id, ticket_id, revealed_by, revealed_at FROM "
                               "tickets_credential_reveals WHERE revealed_by = ? ORDER BY id" +
                                   std::string(for_update ? " FOR UPDATE" : ""),
                               {revealed_by}));
}

void delete_reveal(Connection &c, int64_t reveal_id) {
    c.execute("DELETE FROM tickets_credential_reveals WHERE id = ?", {reveal_id});
}

void delete_ticket(Connection &c, int64_t ticket_id) {
    c.execute("DELETE FROM tickets_tickets WHERE id = ?", {ticket_id});
}

std::vector<TicketPart> replies_in_others(Connection &c, int64_t user_id) {
    return parts(c.query("SELECT r.id, r.ticket_id FROM tickets_replies r JOIN tickets_tickets t ON t.id = "
                         "r.ticket_id WHERE r.author_id = ? AND t.owner_id <> ? ORDER BY r.id",
                         {user_id, user_id}));
}

std::vector<TicketPart> attachments_in_others(Connection &c, int64_t user_id) {
    return parts(c.query("SELECT a.id, a.ticket_id FROM tickets_attachments a JOIN tickets_tickets t ON t.id = "
                         "a.ticket_id WHERE a.uploaded_by = ? AND t.owner_id <> ? ORDER BY a.id",
                         {user_id, user_id}));
}

void unlink_contributions(Connection &c, int64_t user_id) {
    c.execute("UPDATE tickets_replies SET author_id = 0 WHERE author_id = ?", {user_id});
    c.execute("UPDATE tickets_attachments SET uploaded_by = 0 WHERE uploaded_by = ?", {user_id});
}

std::vector<int64_t> closed_before(Connection &c, int64_t cutoff) {
    std::vector<int64_t> out;
    for (const Row &r : c.query("SELECT id FROM tickets_tickets WHERE status = ? AND closed_at < ? AND "
                                "anonymised_at IS NULL ORDER BY id",
                                {static_cast<int>(Status::closed), cutoff}))
        out.push_back(r.i64(0));
    return out;
}

void strip_ticket(Connection &c, int64_t ticket_id, int64_t now) {
    c.execute("UPDATE tickets_credentials SET created_by = 0 WHERE ticket_id = ?", {ticket_id});
    c.execute("DELETE FROM tickets_replies WHERE ticket_id = ?", {ticket_id});
    c.execute("UPDATE tickets_tickets SET owner_id = 0, subject = '[anonymised]', description = '', "
              "license_ref = NULL, environment = NULL, anonymised_at = ? WHERE id = ?",
              {now, ticket_id});
}

} // namespace plinth::tickets::SubjectStore
