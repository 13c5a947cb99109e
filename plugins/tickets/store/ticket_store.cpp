#include "ticket_store.hpp"

#include "credential_store.hpp"

#include <plinth/sdk/error.hpp>

#include <charconv>

namespace plinth::tickets {
using sdk::db::Connection;
using sdk::db::Param;
using sdk::db::Row;

namespace {

constexpr const char *kColumns =
    "id, owner_id, subject, description, product, license_ref, priority, status, environment, created_at, "
    "updated_at, closed_at, anonymised_at";

TicketRow ticket_from(const Row &r) {
    TicketRow t;
    t.id = r.i64(0);
    t.owner_id = r.i64(1);
    t.subject = r.str(2);
    t.description = r.str(3);
    t.product = r.optional_str(4);
    t.license_ref = r.optional_str(5);
    t.priority = priority_from_db(r.i64(6));
    t.status = status_from_db(r.i64(7));
    t.environment = r.optional_str(8);
    t.created_at = r.i64(9);
    t.updated_at = r.i64(10);
    t.closed_at = r.optional_i64(11);
    t.anonymised_at = r.optional_i64(12);
    return t;
}

ReplyRow reply_from(const Row &r) {
    return ReplyRow{r.i64(0), r.i64(1), r.i64(2), r.i64(3) != 0, r.str(4), r.i64(5)};
}

std::string not_found_message(int64_t id) { return "ticket " + std::to_string(id) + " not found"; }

bool parse_int(std::string_view s, int64_t &out) {
    if (s.empty() || s.size() > 19) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size() && out >= 0;
}

void add_status_filter(std::string &sql, std::vector<Param> &params, const std::vector<Status> &statuses) {
    if (statuses.empty()) return;
    sql += " AND status IN (";
    for (size_t i = 0; i < statuses.size(); ++i) {
        sql += i ? ",?" : "?";
        params.emplace_back(static_cast<int>(statuses[i]));
    }
    sql += ")";
}

} // namespace

std::optional<TicketRow> TicketStore::find(Connection &c, int64_t ticket_id, bool for_update) {
    std::string sql = std::string("SELECT ") + kColumns + " FROM tickets_tickets WHERE id = ?";
    if (for_update) sql += " FOR UPDATE";
    sdk::db::Rows rows = c.query(sql, {ticket_id});
    if (rows.empty()) return std::nullopt;
    return ticket_from(rows[0]);
}

TicketRow TicketStore::lock_visible(Connection &c, const Viewer &viewer, int64_t ticket_id) {
    auto ticket = find(c, ticket_id, true);
    if (!ticket || !viewer.can_read(ticket->owner_id)) throw sdk::not_found(not_found_message(ticket_id));
    return *ticket;
}

void TicketStore::require_changeable(const TicketRow &ticket) {
    if (ticket.anonymised_at) throw sdk::conflict("ticket " + std::to_string(ticket.id) + " has been anonymised");
    if (!accepts_changes(ticket.status))
        throw sdk::conflict("ticket " + std::to_string(ticket.id) + " is closed; reopen it first");
}

void TicketStore::touch(Connection &c, int64_t ticket_id, int64_t now) {
    c.execute("UPDATE tickets_tickets SET updated_at = ? WHERE id = ?", {now, ticket_id});
}

TicketRow TicketStore::create(const NewTicket &t, int64_t now) {
    return pool_.transaction([&](Connection &c) {
        c.execute("INSERT INTO tickets_tickets (owner_id, subject, description, product, license_ref, priority, "
                  "status, environment, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  {t.owner_id, t.subject, t.description, t.product, t.license_ref, static_cast<int>(t.priority),
                   static_cast<int>(Status::open), t.environment, now, now});
        int64_t id = static_cast<int64_t>(c.last_insert_id());
        return *find(c, id, false);
    });
}

TicketRow TicketStore::get(const Viewer &viewer, int64_t ticket_id) {
    auto ticket = pool_.run([&](Connection &c) { return find(c, ticket_id, false); });
    if (!ticket || !viewer.can_read(ticket->owner_id)) throw sdk::not_found(not_found_message(ticket_id));
    return *ticket;
}

std::vector<ReplyRow> TicketStore::replies(int64_t ticket_id) {
    return pool_.run([&](Connection &c) {
        std::vector<ReplyRow> out;
        for (const Row &r : c.query("SELECT id, ticket_id, author_id, by_staff, body, created_at FROM tickets_replies "
                                    "WHERE ticket_id = ? ORDER BY id",
                                    {ticket_id}))
            out.push_back(reply_from(r));
        return out;
    });
}

TicketPage TicketStore::list_owned(int64_t owner_id, const TicketFilter &filter) {
    std::string sql = std::string("SELECT ") + kColumns + " FROM tickets_tickets WHERE owner_id = ?";
    std::vector<Param> params{owner_id};
    add_status_filter(sql, params, filter.statuses);
    int64_t after = 0;
    if (filter.cursor) {
        if (!parse_int(*filter.cursor, after)) throw sdk::invalid_argument("cursor is not one this command returned");
        sql += " AND id < ?";
        params.emplace_back(after);
    }
    sql += " ORDER BY id DESC LIMIT ?";
    params.emplace_back(filter.limit + 1); // one more tells whether another page exists
    TicketPage page;
    pool_.run([&](Connection &c) {
        for (const Row &r : c.query(sql, params)) page.tickets.push_back(ticket_from(r));
    });
    if (static_cast<int64_t>(page.tickets.size()) > filter.limit) {
        page.tickets.pop_back();
        page.next_cursor = std::to_string(page.tickets.back().id);
    }
    return page;
}

TicketPage TicketStore::queue(const TicketFilter &filter) {
    std::string sql = std::string("SELECT ") + kColumns + " FROM tickets_tickets WHERE 1 = 1";
    std::vector<Param> params;
    add_status_filter(sql, params, filter.statuses);
    if (filter.priority) {
        sql += " AND priority = ?";
        params.emplace_back(static_cast<int>(*filter.priority));
    }
    if (filter.owner_id) {
        sql += " AND owner_id = ?";
        params.emplace_back(*filter.owner_id);
    }
    if (filter.product) {
        sql += " AND product = ?";
        params.emplace_back(*filter.product);
    }
    if (filter.cursor) {
        const std::string &cursor = *filter.cursor;
        size_t dot = cursor.find('.');
        int64_t priority = 0, id = 0;
        if (dot == std::string::npos || !parse_int(std::string_view(cursor).substr(0, dot), priority) ||
            !parse_int(std::string_view(cursor).substr(dot + 1), id) || priority > 3)
            throw sdk::invalid_argument("cursor is not one this command returned");
        sql += " AND (priority < ? OR (priority = ? AND id > ?))";
        params.emplace_back(priority);
        params.emplace_back(priority);
        params.emplace_back(id);
    }
    sql += " ORDER BY priority DESC, id ASC LIMIT ?";
    params.emplace_back(filter.limit + 1);
    TicketPage page;
    pool_.run([&](Connection &c) {
        for (const Row &r : c.query(sql, params)) page.tickets.push_back(ticket_from(r));
    });
    if (static_cast<int64_t>(page.tickets.size()) > filter.limit) {
        page.tickets.pop_back();
        const TicketRow &last = page.tickets.back();
        page.next_cursor = std::to_string(static_cast<int>(last.priority)) + "." + std::to_string(last.id);
    }
    return page;
}

ReplyResult TicketStore::reply(const Viewer &viewer, int64_t ticket_id, const std::string &body, int64_t now) {
    return pool_.transaction([&](Connection &c) {
        TicketRow ticket = lock_visible(c, viewer, ticket_id);
        if (ticket.anonymised_at) require_changeable(ticket);
        Actor actor = viewer.actor_for(ticket.owner_id);
        Status next = status_after_reply(ticket.status, actor);
        c.execute("INSERT INTO tickets_replies (ticket_id, author_id, by_staff, body, created_at) VALUES (?, ?, ?, ?, ?)",
                  {ticket_id, viewer.user_id, actor == Actor::staff, body, now});
        ReplyRow reply{static_cast<int64_t>(c.last_insert_id()), ticket_id, viewer.user_id, actor == Actor::staff, body,
                       now};
        c.execute("UPDATE tickets_tickets SET status = ?, updated_at = ? WHERE id = ?",
                  {static_cast<int>(next), now, ticket_id});
        return ReplyResult{std::move(reply), next};
    });
}

StatusChange TicketStore::set_status(const Viewer &viewer, int64_t ticket_id, Status to, int64_t now) {
    return pool_.transaction([&](Connection &c) {
        TicketRow ticket = lock_visible(c, viewer, ticket_id);
        if (ticket.anonymised_at) require_changeable(ticket);
        StatusChange change{transition(ticket.status, to, viewer.actor_for(ticket.owner_id))};
        if (to == Status::closed) {
            change.credentials_purged = CredentialStore::purge_ticket(c, ticket_id, PurgeReason::ticket_closed, now);
            c.execute("UPDATE tickets_tickets SET status = ?, updated_at = ?, closed_at = ? WHERE id = ?",
                      {static_cast<int>(to), now, now, ticket_id});
        } else {
            c.execute("UPDATE tickets_tickets SET status = ?, updated_at = ?, closed_at = NULL WHERE id = ?",
                      {static_cast<int>(to), now, ticket_id});
        }
        return change;
    });
}

void TicketStore::set_priority(const Viewer &viewer, int64_t ticket_id, Priority priority, int64_t now) {
    pool_.transaction([&](Connection &c) {
        TicketRow ticket = lock_visible(c, viewer, ticket_id);
        require_changeable(ticket);
        if (!viewer.staff) throw sdk::permission_denied("only staff can change a ticket's priority");
        c.execute("UPDATE tickets_tickets SET priority = ?, updated_at = ? WHERE id = ?",
                  {static_cast<int>(priority), now, ticket_id});
    });
}

void TicketStore::set_environment(const Viewer &viewer, int64_t ticket_id,
                                  const std::optional<std::string> &environment, int64_t now) {
    pool_.transaction([&](Connection &c) {
        TicketRow ticket = lock_visible(c, viewer, ticket_id);
        if (!viewer.owns(ticket.owner_id))
            throw sdk::permission_denied("only the ticket's owner can change its environment");
        require_changeable(ticket);
        c.execute("UPDATE tickets_tickets SET environment = ?, updated_at = ? WHERE id = ?",
                  {environment, now, ticket_id});
    });
}

} // namespace plinth::tickets
