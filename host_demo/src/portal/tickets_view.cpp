#include "tickets_view.hpp"

#include <cctype>
#include <cstdio>

namespace plinth::portal {

namespace {

constexpr std::string_view kTable = R"(<table>
<thead><tr><th scope="col">Ticket</th><th scope="col">Subject</th><th scope="col">Status</th><th scope="col">Priority</th><th scope="col">Updated</th></tr></thead>
<tbody>
{{rows}}</tbody>
</table>)";

constexpr std::string_view kRow = R"(<tr><td><a href="{{href}}">Ticket {{id}}</a></td><td>{{subject}}</td><td>{{status}}</td><td>{{priority}}</td><td>{{updated}}</td></tr>
)";

constexpr std::string_view kTicket = R"(<dl>
<dt>Status</dt><dd>{{status}}</dd>
<dt>Priority</dt><dd>{{priority}}</dd>
<dt>Product</dt><dd>{{product}}</dd>
<dt>Opened</dt><dd>{{created}}</dd>
</dl>
<h2>Description</h2>
<div class="reply"><p class="description">{{description}}</p></div>
<h2>Environment</h2>
{{environment}}
<h2>Conversation</h2>
{{replies}}
<h2>Attachments</h2>
{{attachments}}
<h2>Temporary credentials</h2>
{{credentials}}
<h2>Who revealed the credentials</h2>
{{reveals}})";

const json::array *array_of(const json::value &v, std::string_view member) {
    const json::object *o = v.if_object();
    const json::value *m = o ? o->if_contains(member) : nullptr;
    return m ? m->if_array() : nullptr;
}

std::string scalar_text(const json::value &v) {
    if (v.is_string()) return std::string(v.as_string());
    if (v.is_null()) return "";
    return json::serialize(v);
}

// Every leaf of the environment as "section › name: value" rows; the module's redaction stays.
void environment_rows(const json::value &v, const std::string &path, Html &rows) {
    if (const json::object *o = v.if_object()) {
        if (o->contains("value") && o->contains("private")) {
            environment_rows(o->at("value"), path, rows);
            return;
        }
        for (const auto &[k, child] : *o)
            environment_rows(child, path.empty() ? std::string(k) : path + " \u203a " + std::string(k), rows);
    } else if (const json::array *a = v.if_array()) {
        for (size_t i = 0; i < a->size(); ++i) environment_rows((*a)[i], path + " " + std::to_string(i + 1), rows);
    } else {
        rows += render("<dt>{{k}}</dt><dd>{{v}}</dd>\n", {{"k", path}, {"v", scalar_text(v)}});
    }
}

} // namespace

Html ticket_table(const json::value &page, std::string_view link_prefix) {
    const json::array *tickets = array_of(page, "tickets");
    if (tickets == nullptr || tickets->empty()) return render("<p>No tickets.</p>", {});
    Html rows;
    for (const json::value &t : *tickets) {
        std::string id = std::to_string(number_of(t, "id"));
        rows += render(kRow, {{"href", std::string(link_prefix) + id},
                              {"id", id},
                              {"subject", text_of(t, "subject")},
                              {"status", text_of(t, "status")},
                              {"priority", text_of(t, "priority")},
                              {"updated", readable_time(number_of(t, "updated_at"))}});
    }
    return render(kTable, {{"rows", rows}});
}

Html next_page_link(const json::value &page, std::string_view base) {
    std::string cursor = text_of(page, "next_cursor");
    if (cursor.empty()) return {};
    // The cursor is the module's opaque position; percent-encode it for the query.
    std::string encoded;
    for (unsigned char c : cursor) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') encoded += static_cast<char>(c);
        else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            encoded += buf;
        }
    }
    return render(R"(<nav class="pager" aria-label="Pages"><a href="{{href}}" rel="next">Next page</a></nav>)",
                  {{"href", std::string(base) + "?cursor=" + encoded}});
}

Html ticket_view(const json::value &t, int64_t viewer_id) {
    Html env_rows;
    const json::object *o = t.if_object();
    if (const json::value *env = o ? o->if_contains("environment") : nullptr; env && !env->is_null())
        environment_rows(*env, "", env_rows);
    Html environment = env_rows.empty() ? render("<p>None given.</p>", {}) : render("<dl>{{rows}}</dl>", {{"rows", env_rows}});

    Html replies;
    if (const json::array *rs = array_of(t, "replies"))
        for (const json::value &r : *rs) {
            bool staff = text_of(r, "by") == "staff";
            std::string who = number_of(r, "author_id") == viewer_id ? "You"
                              : staff ? "Support (staff member " + std::to_string(number_of(r, "author_id")) + ")"
                                      : "Customer";
            replies += render(R"(<article class="reply{{cls}}"><p><strong>{{who}}</strong>, {{at}}</p><pre>{{body}}</pre></article>
)", {{"cls", staff ? " staff" : ""}, {"who", who}, {"at", readable_time(number_of(r, "created_at"))}, {"body", text_of(r, "body")}});
        }
    if (replies.empty()) replies = render("<p>No replies yet.</p>", {});

    Html attachments;
    if (const json::array *as = array_of(t, "attachments"))
        for (const json::value &a : *as)
            attachments += render("<li>{{name}} ({{type}}, {{size}} bytes), {{at}}</li>\n",
                                  {{"name", text_of(a, "file_name")},
                                   {"type", text_of(a, "media_type")},
                                   {"size", std::to_string(number_of(a, "size"))},
                                   {"at", readable_time(number_of(a, "created_at"))}});
    attachments = attachments.empty() ? render("<p>None.</p>", {}) : render("<ul>{{items}}</ul>", {{"items", attachments}});

    Html credentials;
    if (const json::array *cs = array_of(t, "credentials"))
        for (const json::value &c : *cs) {
            std::string state = text_of(c, "state");
            std::string until = state == "active" ? "expires " + readable_time(number_of(c, "expires_at"))
                                                  : "deleted " + readable_time(number_of(c, "purged_at")) + " (" +
                                                        text_of(c, "purge_reason") + ")";
            credentials += render("<li>Credentials {{id}}: {{state}}, shared {{at}}, {{until}}</li>\n",
                                  {{"id", std::to_string(number_of(c, "id"))},
                                   {"state", state},
                                   {"at", readable_time(number_of(c, "created_at"))},
                                   {"until", until}});
        }
    credentials = credentials.empty() ? render("<p>None shared.</p>", {}) : render("<ul>{{items}}</ul>", {{"items", credentials}});

    Html reveals;
    if (const json::array *rs = array_of(t, "credential_reveals"))
        for (const json::value &r : *rs)
            reveals += render("<li>Credentials {{cid}} revealed to staff member {{by}} on {{at}}</li>\n",
                              {{"cid", std::to_string(number_of(r, "credential_id"))},
                               {"by", std::to_string(number_of(r, "revealed_by"))},
                               {"at", readable_time(number_of(r, "revealed_at"))}});
    reveals = reveals.empty() ? render("<p>Nobody has revealed them.</p>", {}) : render("<ul>{{items}}</ul>", {{"items", reveals}});

    std::string product = text_of(t, "product");
    return render(kTicket, {{"status", text_of(t, "status")},
                            {"priority", text_of(t, "priority")},
                            {"product", product.empty() ? std::string("—") : product},
                            {"created", readable_time(number_of(t, "created_at"))},
                            {"description", text_of(t, "description")},
                            {"environment", environment},
                            {"replies", replies},
                            {"attachments", attachments},
                            {"credentials", credentials},
                            {"reveals", reveals}});
}

} // namespace plinth::portal
