// tickets/store/subject_store.hpp — the SQL behind one person's tickets as a whole: export,
// erasure, and the anonymisation of closed tickets past their retention period.
//
// Stateless SQL over the caller's connection; what is removed, anonymised or retained, and the
// transactions it happens in, are the service's (service/personal_data.cpp).
#pragma once

#include "records.hpp"

#include <plinth/sdk/db.hpp>

#include <cstdint>
#include <vector>

namespace plinth::tickets {

// A row of another table that names a ticket: a reply, an attachment, a credential.
struct TicketPart {
    int64_t id = 0;
    int64_t ticket_id = 0;
    bool by_staff = false; // replies only
};

namespace SubjectStore {

// The ticket's replies (id, by_staff) and credentials, oldest first.
std::vector<TicketPart> replies_of(sdk::db::Connection &c, int64_t ticket_id);
std::vector<int64_t> credential_ids_of(sdk::db::Connection &c, int64_t ticket_id);
// Reveal log rows about the ticket's credentials, and rows of reveals `revealed_by` made.
std::vector<RevealRow> reveals_of_ticket(sdk::db::Connection &c, int64_t ticket_id);
std::vector<RevealRow> reveals_by(sdk::db::Connection &c, int64_t revealed_by, bool for_update);
void delete_reveal(sdk::db::Connection &c, int64_t reveal_id);
// Deletes the ticket; replies and credential rows go with it (ON DELETE CASCADE).
void delete_ticket(sdk::db::Connection &c, int64_t ticket_id);

// What `user_id` wrote or uploaded in tickets that others own (as staff), and the removal of
// that link (author and uploader become 0).
std::vector<TicketPart> replies_in_others(sdk::db::Connection &c, int64_t user_id);
std::vector<TicketPart> attachments_in_others(sdk::db::Connection &c, int64_t user_id);
void unlink_contributions(sdk::db::Connection &c, int64_t user_id);

// Closed tickets whose closed_at is before `cutoff` and that are not anonymised yet.
std::vector<int64_t> closed_before(sdk::db::Connection &c, int64_t cutoff);
// Removes what identifies the ticket's owner: the link to the account, subject, description,
// license reference, environment, replies and the credentials' creator. Product, priority,
// status and times remain.
void strip_ticket(sdk::db::Connection &c, int64_t ticket_id, int64_t now);

} // namespace SubjectStore

} // namespace plinth::tickets
