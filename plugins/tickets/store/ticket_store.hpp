// tickets/store/ticket_store.hpp — tickets and their replies in MariaDB.
//
// Stateless SQL over a connection the caller holds (usually inside the service's transaction):
// no permission checks, no workflow rules. The service (service/tickets.hpp) locks a ticket with
// find(c, id, true), decides, and only then calls the writers here, so a refusal changes nothing.
#pragma once

#include "records.hpp"

#include <plinth/sdk/db.hpp>

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

namespace TicketStore {

// The ticket, locked FOR UPDATE when `for_update`; nullopt when there is none.
std::optional<TicketRow> find(sdk::db::Connection &c, int64_t ticket_id, bool for_update);
// Inserts an open ticket and returns it as stored.
TicketRow insert(sdk::db::Connection &c, const NewTicket &ticket, int64_t now);
std::vector<ReplyRow> replies(sdk::db::Connection &c, int64_t ticket_id);

// The owner's tickets, newest first. Cursor: the last id seen.
TicketPage list_owned(sdk::db::Connection &c, int64_t owner_id, const TicketFilter &filter);
// The staff queue: most urgent first, then oldest first. Cursor: "<priority>.<id>".
TicketPage queue(sdk::db::Connection &c, const TicketFilter &filter);

ReplyRow insert_reply(sdk::db::Connection &c, int64_t ticket_id, int64_t author_id, bool by_staff,
                      const std::string &body, int64_t now);
// Sets the status; `closed` also stamps closed_at, any other status clears it.
void set_status(sdk::db::Connection &c, int64_t ticket_id, Status status, int64_t now);
void set_priority(sdk::db::Connection &c, int64_t ticket_id, Priority priority, int64_t now);
void set_environment(sdk::db::Connection &c, int64_t ticket_id, const std::optional<std::string> &environment,
                     int64_t now);
void touch(sdk::db::Connection &c, int64_t ticket_id, int64_t now);

// Ids of the tickets `owner_id` owns, oldest first.
std::vector<int64_t> owned_ids(sdk::db::Connection &c, int64_t owner_id);

} // namespace TicketStore

} // namespace plinth::tickets
