// Tickets: the tickets module's ticket.list, ticket.create (with its environment), attachment.add,
// ticket.get, ticket.reply and credential.add, as the signed-in customer. Another customer's ticket
// is the module's not_found, shown as "Not found".
#include "portal.hpp"

#include "status_table.hpp"
#include "tickets_view.hpp"

#include <sodium.h>

namespace plinth::portal {

namespace bhttp = http::bhttp;

namespace {

constexpr std::string_view kList = R"(<p><a href="/account/tickets/new">Open a new ticket</a></p>
{{table}}
{{pager}})";

constexpr std::string_view kNewForm = R"({{error}}<form class="card" method="post" action="/account/tickets/new" enctype="multipart/form-data">
{{csrf}}
<label for="subject">Subject</label>
<input type="text" id="subject" name="subject" required maxlength="200" value="{{subject}}">
<label for="description">What happens, and what did you expect?</label>
<textarea id="description" name="description" required>{{description}}</textarea>
<label for="product">Product (optional)</label>
<input type="text" id="product" name="product" value="{{product}}">
<label for="priority">Priority</label>
<select id="priority" name="priority"><option value="normal">Normal</option><option value="low">Low</option><option value="high">High</option><option value="urgent">Urgent</option></select>
<fieldset>
<legend>Your site's environment (optional)</legend>
<label for="cms_version">WordPress version</label>
<input type="text" id="cms_version" name="cms_version" value="{{cms_version}}">
<label for="php_version">PHP version</label>
<input type="text" id="php_version" name="php_version" value="{{php_version}}">
<label for="server_software">Web server</label>
<input type="text" id="server_software" name="server_software" value="{{server_software}}">
<label for="database">Database server</label>
<input type="text" id="database" name="database" value="{{database}}">
</fieldset>
<label for="attachment">Attach a file (optional; logs, screenshots; up to 10 MiB)</label>
<input type="file" id="attachment" name="attachment">
<button type="submit">Open the ticket</button>
</form>)";

constexpr std::string_view kReplyForm = R"(<form class="card" method="post" action="/account/tickets/{{id}}/reply">
{{csrf}}
<label for="body">Your reply</label>
<textarea id="body" name="body" required></textarea>
<button type="submit">Send reply</button>
</form>
<form class="card" method="post" action="/account/tickets/{{id}}/credentials">
{{csrf}}
<h2>Share temporary site credentials</h2>
<p class="hint">Stored encrypted; support staff can reveal them, and every reveal is shown above. They expire on their own and are deleted when the ticket closes.</p>
<label for="site_url">Login URL</label>
<input type="url" id="site_url" name="site_url" required>
<label for="cred_username">Username</label>
<input type="text" id="cred_username" name="username" autocomplete="off" required>
<label for="cred_password">Password</label>
<input type="password" id="cred_password" name="password" autocomplete="new-password" required>
<label for="ttl_days">Expires after (days)</label>
<input type="number" id="ttl_days" name="ttl_days" min="1" max="7" value="7">
<button type="submit">Share credentials</button>
</form>)";

Html error_box(std::string_view message) {
    if (message.empty()) return {};
    return render(R"(<p class="error" role="alert">{{message}}</p>)", {{"message", message}});
}

http::Response list(Page &p) {
    json::object args{{"limit", p.portal().settings.page_size}};
    if (auto cursor = p.query("cursor")) args["cursor"] = *cursor;
    json::value page = p.call("tickets", "ticket.list", args);
    return p.html(200, "Your tickets",
                  render(kList, {{"table", ticket_table(page, "/account/tickets/")},
                                 {"pager", next_page_link(page, "/account/tickets")}}));
}

http::Response new_form(const Page &p, unsigned status, std::string_view error) {
    return p.html(status, "Open a ticket",
                  render(kNewForm, {{"error", error_box(error)},
                                    {"csrf", p.csrf_field()},
                                    {"subject", p.field("subject")},
                                    {"description", p.field("description")},
                                    {"product", p.field("product")},
                                    {"cms_version", p.field("cms_version")},
                                    {"php_version", p.field("php_version")},
                                    {"server_software", p.field("server_software")},
                                    {"database", p.field("database")}}));
}

// The environment object the tickets module accepts, from the form's optional fields.
json::object environment(const Page &p) {
    json::object env;
    if (!p.field("cms_version").empty()) env["cms"] = {{"name", "WordPress"}, {"version", p.field("cms_version")}};
    if (!p.field("php_version").empty()) env["language"] = {{"name", "PHP"}, {"version", p.field("php_version")}};
    json::object server;
    if (!p.field("server_software").empty()) server["software"] = p.field("server_software");
    if (!p.field("database").empty()) server["database"] = p.field("database");
    if (!server.empty()) env["server"] = std::move(server);
    return env;
}

std::string base64(std::string_view bytes) {
    std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1); // the terminating NUL
    return out;
}

http::Response create(Page &p) {
    json::object args{{"subject", p.field("subject")},
                      {"description", p.field("description")},
                      {"priority", p.field("priority").empty() ? std::string_view("normal") : p.field("priority")}};
    if (!p.field("product").empty()) args["product"] = p.field("product");
    json::object env = environment(p);
    if (!env.empty()) args["environment"] = std::move(env);
    // A file input left empty still sends a part with an empty file name: only named files count.
    const http::MultipartPart *file = nullptr;
    for (const auto &u : p.uploads)
        if (u.name == "attachment" && !u.filename.empty()) file = &u;
    http::CommandOutcome created = p.try_call("tickets", "ticket.create", args);
    if (!created.ok()) return new_form(p, http::http_status_for(created.status), created.message);
    int64_t id = number_of(json::parse(created.text), "id");
    if (file != nullptr) {
        std::string_view type = file->content_type.empty() ? std::string_view("application/octet-stream") : file->content_type;
        http::CommandOutcome added = p.try_call("tickets", "attachment.add",
                                                {{"ticket_id", id},
                                                 {"file_name", file->filename},
                                                 {"media_type", type},
                                                 {"content_base64", base64(file->body)}});
        if (!added.ok())
            return error_page(p, added.status, "Your ticket " + std::to_string(id) +
                                                   " is open, but the file was not attached: " + added.message);
    }
    return p.redirect("/account/tickets/" + std::to_string(id) + "?done=ticket-created");
}

http::Response show(Page &p) {
    auto id = positive_id(p.request.param("id"));
    if (!id) return error_page(p, PLINTH_E_NOT_FOUND, "");
    json::value t = p.call("tickets", "ticket.get", {{"ticket_id", *id}});
    Html body = ticket_view(t, p.visitor.user_id);
    body += render(kReplyForm, {{"id", std::to_string(*id)}, {"csrf", p.csrf_field()}});
    return p.html(200, "Ticket " + std::to_string(*id) + ": " + text_of(t, "subject"), body);
}

http::Response reply(Page &p) {
    auto id = positive_id(p.request.param("id"));
    if (!id) return error_page(p, PLINTH_E_NOT_FOUND, "");
    p.call("tickets", "ticket.reply", {{"ticket_id", *id}, {"body", p.field("body")}});
    return p.redirect("/account/tickets/" + std::to_string(*id) + "?done=replied");
}

http::Response share_credentials(Page &p) {
    auto id = positive_id(p.request.param("id"));
    if (!id) return error_page(p, PLINTH_E_NOT_FOUND, "");
    json::object args{{"ticket_id", *id},
                      {"site_url", p.field("site_url")},
                      {"username", p.field("username")},
                      {"password", p.field("password")}};
    if (auto days = positive_id(p.field("ttl_days"))) args["ttl_days"] = *days;
    p.call("tickets", "credential.add", args);
    return p.redirect("/account/tickets/" + std::to_string(*id) + "?done=credentials-added");
}

} // namespace

void add_ticket_pages(const Portal &portal, http::Router &router) {
    size_t upload_limit = portal.api.config.upload_body_limit_bytes;
    portal.add(router, {bhttp::verb::get}, "/account/tickets", Access::customer, list);
    portal.add(router, {bhttp::verb::get}, "/account/tickets/new", Access::customer,
               [](Page &p) { return new_form(p, 200, ""); });
    portal.add(router, {bhttp::verb::post}, "/account/tickets/new", Access::customer, create, upload_limit);
    portal.add(router, {bhttp::verb::get}, "/account/tickets/{id}", Access::customer, show);
    portal.add(router, {bhttp::verb::post}, "/account/tickets/{id}/reply", Access::customer, reply);
    portal.add(router, {bhttp::verb::post}, "/account/tickets/{id}/credentials", Access::customer, share_credentials);
}

} // namespace plinth::portal
