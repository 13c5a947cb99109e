// Staff pages: the ticket queue (ticket.queue), a ticket with reply and credential reveal
// (ticket.get, ticket.reply, credential.reveal), license lookup (users.search, license.list) and
// the data requests waiting to be carried out (request.list, request.execute). The modules check
// that the caller is staff; the portal only hides these pages from everyone else.
#include "portal.hpp"

#include "tickets_view.hpp"

namespace plinth::portal {

namespace bhttp = http::bhttp;

namespace {

constexpr std::string_view kStaffTicketForms = R"(<form class="card" method="post" action="/account/staff/tickets/{{id}}/reply">
{{csrf}}
<label for="body">Reply to the customer</label>
<textarea id="body" name="body" required></textarea>
<button type="submit">Send reply</button>
</form>
{{reveal_forms}})";

constexpr std::string_view kRevealForm = R"(<form class="card" method="post" action="/account/staff/credentials/{{cid}}/reveal">
{{csrf}}
<h2>Reveal credentials {{cid}}</h2>
<p class="hint">Every reveal is logged and shown to the customer, with your reason.</p>
<input type="hidden" name="ticket_id" value="{{id}}">
<label for="reason-{{cid}}">Why do you need them?</label>
<input type="text" id="reason-{{cid}}" name="reason" required maxlength="500">
<button type="submit" class="danger">Reveal credentials {{cid}}</button>
</form>
)";

constexpr std::string_view kRevealed = R"(<p class="notice" role="status">Revealed for ticket {{ticket}}; the reveal and your reason are on record. This page is not stored: copy what you need now.</p>
<dl>
<dt>Login URL</dt><dd>{{site}}</dd>
<dt>Username</dt><dd>{{username}}</dd>
<dt>Password</dt><dd><span class="key">{{password}}</span></dd>
<dt>Note</dt><dd>{{note}}</dd>
<dt>Expires</dt><dd>{{expires}}</dd>
</dl>
<p><a href="/account/staff/tickets/{{ticket}}">Back to ticket {{ticket}}</a></p>)";

constexpr std::string_view kLookup = R"(<form class="card" method="post" action="/account/staff/licenses">
{{csrf}}
<label for="query">Customer's email, username or name</label>
<p class="hint">Sent in the form, never in the address bar.</p>
<input type="text" id="query" name="query" required value="{{query}}">
<button type="submit">Look up</button>
</form>
{{results}})";

constexpr std::string_view kRequests = R"(<p>Confirmed requests wait for a staff member to carry them out; the person's own confirmation came first.</p>
{{table}})";

http::Response queue(Page &p) {
    json::object args{{"limit", p.portal().settings.page_size}};
    if (auto cursor = p.query("cursor")) args["cursor"] = *cursor;
    json::value page = p.call("tickets", "ticket.queue", args);
    return p.html(200, "Ticket queue",
                  render("{{table}}{{pager}}", {{"table", ticket_table(page, "/account/staff/tickets/")},
                                                {"pager", next_page_link(page, "/account/staff/tickets")}}));
}

http::Response ticket(Page &p) {
    auto id = positive_id(p.request.param("id"));
    if (!id) return error_page(p, PLINTH_E_NOT_FOUND, "");
    json::value t = p.call("tickets", "ticket.get", {{"ticket_id", *id}});
    std::string ticket_id = std::to_string(*id);
    Html reveal_forms;
    if (const json::value *cs = t.as_object().if_contains("credentials"); cs && cs->is_array())
        for (const json::value &c : cs->as_array())
            if (text_of(c, "state") == "active")
                reveal_forms += render(kRevealForm, {{"cid", std::to_string(number_of(c, "id"))},
                                                     {"id", ticket_id},
                                                     {"csrf", p.csrf_field()}});
    Html body = ticket_view(t, p.visitor.user_id);
    body += render(kStaffTicketForms, {{"id", ticket_id}, {"csrf", p.csrf_field()}, {"reveal_forms", reveal_forms}});
    return p.html(200, "Ticket " + ticket_id + ": " + text_of(t, "subject"), body);
}

http::Response reply(Page &p) {
    auto id = positive_id(p.request.param("id"));
    if (!id) return error_page(p, PLINTH_E_NOT_FOUND, "");
    p.call("tickets", "ticket.reply", {{"ticket_id", *id}, {"body", p.field("body")}});
    return p.redirect("/account/staff/tickets/" + std::to_string(*id) + "?done=replied");
}

// The tickets module logs every reveal (who, when); it has no place for a reason, so the reason
// goes into the ticket's conversation, where the customer sees it next to the reveal log.
http::Response reveal(Page &p) {
    auto credential = positive_id(p.request.param("id"));
    auto ticket_id = positive_id(p.field("ticket_id"));
    if (!credential || !ticket_id) return error_page(p, PLINTH_E_NOT_FOUND, "");
    std::string_view reason = p.field("reason");
    if (reason.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return error_page(p, PLINTH_E_INVALID_ARGUMENT, "Give the reason you need the credentials.");
    // The reason is recorded first: a reveal never happens without its reason on record.
    p.call("tickets", "ticket.reply",
           {{"ticket_id", *ticket_id},
            {"body", "I am revealing your temporary credentials " + std::to_string(*credential) +
                         ". Reason: " + std::string(reason)}});
    json::value c = p.call("tickets", "credential.reveal", {{"credential_id", *credential}});
    return p.html(200, "Credentials " + std::to_string(*credential),
                  render(kRevealed, {{"ticket", std::to_string(number_of(c, "ticket_id"))},
                                     {"site", text_of(c, "site_url")},
                                     {"username", text_of(c, "username")},
                                     {"password", text_of(c, "password")},
                                     {"note", text_of(c, "note")},
                                     {"expires", readable_time(number_of(c, "expires_at"))}}));
}

http::Response lookup(Page &p) {
    Html results;
    std::string_view query = p.field("query");
    if (p.request.message.method() == bhttp::verb::post) {
        json::value found = p.call("accounts", "users.search", {{"query", query}, {"limit", p.portal().settings.page_size}});
        const json::value *users = found.as_object().if_contains("users");
        Html rows;
        if (users && users->is_array())
            for (const json::value &u : users->as_array()) {
                int64_t user_id = number_of(u, "user_id");
                json::value licenses = p.call("licenses", "license.list", {{"user_id", user_id}, {"limit", 100}});
                Html links;
                if (const json::array *ls = licenses.if_array())
                    for (const json::value &l : *ls)
                        links += render(R"(<li><a href="/account/licenses/{{id}}">License {{id}}</a>: {{product}}, {{status}}, {{used}} of {{limit}} seats</li>)",
                                        {{"id", std::to_string(number_of(l, "id"))},
                                         {"product", text_of(l, "product")},
                                         {"status", text_of(l, "status")},
                                         {"used", std::to_string(number_of(l, "seats_used"))},
                                         {"limit", number_of(l, "seat_limit") < 0 ? std::string("unlimited")
                                                                                   : std::to_string(number_of(l, "seat_limit"))}});
                rows += render(R"(<tr><td>{{name}}</td><td>{{email}}</td><td>{{licenses}}</td></tr>
)", {{"name", text_of(u, "first_name") + " " + text_of(u, "last_name") + " (" + text_of(u, "username") + ")"},
     {"email", text_of(u, "email")},
     {"licenses", links.empty() ? render("None", {}) : render("<ul>{{l}}</ul>", {{"l", links}})}});
            }
        results = rows.empty() ? render("<p>Nobody matches.</p>", {})
                               : render(R"(<table><thead><tr><th scope="col">Customer</th><th scope="col">Email</th><th scope="col">Licenses</th></tr></thead><tbody>{{rows}}</tbody></table>)",
                                        {{"rows", rows}});
    }
    return p.html(200, "License lookup", render(kLookup, {{"csrf", p.csrf_field()}, {"query", query}, {"results", results}}));
}

http::Response requests(Page &p) {
    json::object args{{"status", "confirmed"}, {"limit", p.portal().settings.page_size}};
    if (auto before = p.query("before")) {
        auto id = positive_id(*before);
        if (!id) return error_page(p, PLINTH_E_INVALID_ARGUMENT, "that page does not exist");
        args["before_id"] = *id;
    }
    json::value page = p.call("privacy", "request.list", args);
    Html rows;
    if (const json::value *rs = page.as_object().if_contains("requests"); rs && rs->is_array())
        for (const json::value &r : rs->as_array()) {
            std::string id = std::to_string(number_of(r, "request_id"));
            rows += render(R"(<tr><td>Request {{id}}</td><td>{{kind}}</td><td>{{deadline}}</td><td><form method="post" action="/account/staff/requests/{{id}}/execute">{{csrf}}<button type="submit" aria-label="Carry out request {{id}}">Carry out</button></form></td></tr>
)", {{"id", id}, {"kind", text_of(r, "kind")}, {"deadline", readable_time(std::string_view(text_of(r, "deadline")))}, {"csrf", p.csrf_field()}});
        }
    Html table = rows.empty() ? render("<p>No confirmed requests are waiting.</p>", {})
                              : render(R"(<table><thead><tr><th scope="col">Request</th><th scope="col">Kind</th><th scope="col">Deadline</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead><tbody>{{rows}}</tbody></table>)",
                                       {{"rows", rows}});
    if (int64_t next = number_of(page, "next_before_id"); next > 0)
        table += render(R"(<nav class="pager" aria-label="Pages"><a href="/account/staff/requests?before={{n}}" rel="next">Next page</a></nav>)",
                        {{"n", std::to_string(next)}});
    return p.html(200, "Data requests", render(kRequests, {{"table", table}}));
}

http::Response execute(Page &p) {
    auto id = positive_id(p.request.param("id"));
    if (!id) return error_page(p, PLINTH_E_NOT_FOUND, "");
    p.call("privacy", "request.execute", {{"request_id", *id}});
    return p.redirect("/account/staff/requests?done=executed");
}

} // namespace

void add_staff_pages(const Portal &portal, http::Router &router) {
    portal.add(router, {bhttp::verb::get}, "/account/staff/tickets", Access::staff, queue);
    portal.add(router, {bhttp::verb::get}, "/account/staff/tickets/{id}", Access::staff, ticket);
    portal.add(router, {bhttp::verb::post}, "/account/staff/tickets/{id}/reply", Access::staff, reply);
    portal.add(router, {bhttp::verb::post}, "/account/staff/credentials/{id}/reveal", Access::staff, reveal);
    portal.add(router, {bhttp::verb::get, bhttp::verb::post}, "/account/staff/licenses", Access::staff, lookup);
    portal.add(router, {bhttp::verb::get}, "/account/staff/requests", Access::staff, requests);
    portal.add(router, {bhttp::verb::post}, "/account/staff/requests/{id}/execute", Access::staff, execute);
}

} // namespace plinth::portal
