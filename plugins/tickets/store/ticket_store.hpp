// tickets/store/ticket_store.hpp — tickets and their replies in MariaDB.
//
// Every method that changes a ticket runs in one transaction that first locks the ticket row
// (SELECT ... FOR UPDATE), checks visibility and the workflow, and only then writes; a refusal
// therefore changes nothing. Tickets a viewer may not see are reported as not found.
#pragma once

#include "../domain/access.hpp"
#include "records.hpp"

#include <plinth/sdk/db.hpp>

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace plinth::tickets {

struct NewTicket {
    int64_t owner_id = 0;
    std::string subject;
    std::string description;
    std::optional<std::string> product;
    std::optional<std::string> license_ref;
    Priority priority = Priority::normal;
    std::optional<std::string> environment; // normalised JSON text
};

struct TicketFilter {
    std::vector<Status> statuses;           // empty: any
    std::optional<Priority> priority;
    std::optional<int64_t> owner_id;
    std::optional<std::string> product;
    int64_t limit = 20;
    std::optional<std::string> cursor;      // from a previous page's next_cursor
};

struct TicketPage {
    std::vector<TicketRow> tickets;
    std::optional<std::string> next_cursor; // absent on the last page
};

struct ReplyResult {
    ReplyRow reply;
    Status status; // the ticket's status after the reply
};

struct StatusChange {
    Status status;
    int64_t credentials_purged = 0;
};

class TicketStore {
public:
    explicit TicketStore(sdk::db::Database &pool) : pool_(pool) {}

    TicketRow create(const NewTicket &ticket, int64_t now);
    TicketRow get(const Viewer &viewer, int64_t ticket_id);
    std::vector<ReplyRow> replies(int64_t ticket_id);

    // The owner's tickets, newest first. Cursor: the last id seen.
    TicketPage list_owned(int64_t owner_id, const TicketFilter &filter);
    // The staff queue: most urgent first, then oldest first. Cursor: "<priority>.<id>".
    TicketPage queue(const TicketFilter &filter);

    ReplyResult reply(const Viewer &viewer, int64_t ticket_id, const std::string &body, int64_t now);
    // Closing purges the ticket's credentials in the same transaction.
    StatusChange set_status(const Viewer &viewer, int64_t ticket_id, Status to, int64_t now);
    void set_priority(const Viewer &viewer, int64_t ticket_id, Priority priority, int64_t now);
    // Only the owner may replace the environment (it is their system, and their private values).
    void set_environment(const Viewer &viewer, int64_t ticket_id, const std::optional<std::string> &environment,
                         int64_t now);

    // ---- Shared with the other stores, inside their transactions ----

    static std::optional<TicketRow> find(sdk::db::Connection &c, int64_t ticket_id, bool for_update);
    // The ticket, locked, when `viewer` may read it; PLINTH_E_NOT_FOUND otherwise.
    static TicketRow lock_visible(sdk::db::Connection &c, const Viewer &viewer, int64_t ticket_id);
    // PLINTH_E_CONFLICT when the ticket no longer takes changes (closed or anonymised).
    static void require_changeable(const TicketRow &ticket);
    static void touch(sdk::db::Connection &c, int64_t ticket_id, int64_t now);

private:
    sdk::db::Database &pool_;
};

} // namespace plinth::tickets
