// tickets/store/subject_store.hpp — one person's tickets as a whole: export, erasure, and the
// anonymisation of closed tickets past their retention period.
#pragma once

#include "records.hpp"

#include <plinth/sdk/db.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace plinth::tickets {

struct SubjectTickets {
    std::vector<TicketRow> tickets;
    std::map<int64_t, std::vector<ReplyRow>> replies;          // by ticket id
    std::map<int64_t, std::vector<AttachmentRow>> attachments; // by ticket id
    std::map<int64_t, std::vector<CredentialRow>> credentials; // by ticket id
    std::map<int64_t, std::vector<RevealRow>> reveals;         // by ticket id: who saw the credentials
};

enum class ErasureAction { removed, anonymised, retained };

struct ErasureItem {
    std::string category;
    std::string item; // "ticket 42", "attachment 7 of ticket 42": ids, nothing identifying
    ErasureAction action = ErasureAction::removed;
    std::string legal_basis;
    int64_t retained_until = 0;
};

class SubjectStore {
public:
    explicit SubjectStore(sdk::db::Database &pool) : pool_(pool) {}

    // Everything in the tickets the subject owns (read only).
    SubjectTickets collect(int64_t user_id);

    // Removes the subject's tickets with everything in them (staff replies included) and their
    // files; anonymises what the subject wrote in other people's tickets (as staff); retains the
    // reveal log entries about the subject's credentials and of credentials the subject revealed
    // (as staff) until they age out (entries already past that are removed). With dry_run nothing
    // changes and the items say what would happen. Idempotent.
    //
    // `report` receives every item inside the transaction that makes its change, before the
    // commit: a crash never loses the report of a committed change, and a retried or resumed
    // transaction reports its items again (the receiver keeps one outcome per item).
    void erase(int64_t user_id, bool dry_run, int64_t reveal_log_days, int64_t now,
               const std::function<void(const ErasureItem &)> &report);

    // Closed tickets whose closed_at is before `cutoff` lose everything that identifies their
    // owner: the link to the account, subject, description, license reference, environment,
    // replies, attachments and credential traces. Product, priority, status and times remain.
    int64_t anonymise_closed_before(int64_t cutoff, int64_t now);

private:
    sdk::db::Database &pool_;
};

} // namespace plinth::tickets
