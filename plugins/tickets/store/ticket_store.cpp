#include "ticket_store.hpp"

#include <plinth/sdk/error.hpp>

#include <charconv>

namespace plinth::tickets::TicketStore {
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

std::optional<TicketRow> find(Connection &c, int64_t ticket_id, bool for_update) {
    std::string sql = std::string("SELECT ") + kColumns + " FROM tickets_tickets WHERE id = ?";
    if (for_update) sql += " FOR UPDATE";
    sdk::db::Rows rows = c.query(sql, {ticket_id});
    if (rows.empty()) return std::nullopt;
    return ticket_from(rows[0]);
}

void touch(Connection &c, int64_t ticket_id, int64_t now) {
    c.execute("UPDATE tickets_tickets SET updated_at = ? WHERE id = ?", {now, ticket_id});
}

TicketRow insert(Connection &c, const NewTicket &t, int64_t now) {
    c.execute("INSERT INTO tickets_tickets (owner_id, subject, description, product, license_ref, priority, "
              "status, environment, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {t.owner_id, t.subject, t.description, t.product, t.license_ref, static_cast<int>(t.priority),
               static_cast<int>(Status::open), t.environment, now, now});
    int64_t id = static_cast<int64_t>(c.last_insert_id());
    return *find(c, id, false);
}

std::vector<ReplyRow> replies(Connection &c, int64_t ticket_id) {
    std::vector<ReplyRow> out;
    for (const Row &r : c.query("SELECT id, ticket_id, author_id, by_staff, body, created_at FROM tickets_replies "
                                "WHERE ticket_id = ? ORDER BY id",
                                {ticket_id}))
        out.push_back(reply_from(r));
    return out;
}

TicketPage list_owned(Connection &c, int64_t owner_id, const TicketFilter &filter) {
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
    for (const Row &r : c.query(sql, params)) page.tickets.push_back(ticket_from(r));
    if (static_cast<int64_t>(page.tickets.size()) > filter.limit) {
        page.tickets.pop_back();
        page.next_cursor = std::to_string(page.tickets.back().id);
    }
    return page;
}

TicketPage queue(Connection &c, const TicketFilter &filter) {
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
    for (const Row &r : c.query(sql, params)) page.tickets.push_back(ticket_from(r));
    if (static_cast<int64_t>(page.tickets.size()) > filter.limit) {
        page.tickets.pop_back();
        const TicketRow &last = page.tickets.back();
        page.next_cursor = std::to_string(static_cast<int>(last.priority)) + "." + std::to_string(last.id);
    }
    return page;
}

ReplyRow insert_reply(Connection &c, int64_t ticket_id, int64_t author_id, bool by_staff, const std::string &body,
                      int64_t now) {
    c.execute("INSERT INTO tickets_replies (ticket_id, author_id, by_staff, body, created_at) VALUES (?, ?, ?, ?, ?)",
              {ticket_id, author_id, by_staff, body, now});
    return ReplyRow{static_cast<int64_t>(c.last_insert_id()), ticket_id, author_id, by_staff, body, now};
}

void set_status(Connection &c, int64_t ticket_id, Status status, int64_t now) {
    if (status == Status::closed)
        c.execute("UPDATE tickets_tickets SET status = ?, updated_at = ?, closed_at = ? WHERE id = ?",
                  {static_cast<int>(status), now, now, ticket_id});
    else
        c.execute("UPDATE tickets_tickets SET status = ?, updated_at = ?, closed_at = NULL WHERE id = ?",
                  {static_cast<int>(status), now, ticket_id});
}

void set_priority(Connection &c, int64_t ticket_id, Priority priority, int64_t now) {
    c.execute("UPDATE tickets_tickets SET priority = ?, updated_at = ? WHERE id = ?",
              {static_cast<int>(priority), now, ticket_id});
}

void set_environment(Connection &c, int64_t ticket_id, const std::optional<std::string> &environment, int64_t now) {
    c.execute("UPDATE tickets_tickets SET environment = ?, updated_at = ? WHERE id = ?", {environment, now, ticket_id});
}

std::vector<int64_t> owned_ids(Connection &c, int64_t owner_id) {
    std::vector<int64_t> out;
    for (const Row &r : c.query("SELECT id FROM tickets_tickets WHERE owner_id = ? ORDER BY id", {owner_id}))
        out.push_back(r.i64(0));
    return out;
}

} // namespace plinth::tickets::TicketStore
