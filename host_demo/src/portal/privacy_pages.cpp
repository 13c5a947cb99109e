// "My data": the privacy module's inventory (the register of processing), consent ledger
// (consent.history, consent.grant, consent.withdraw) and data-subject requests (request.create,
// request.confirm, request.get, request.archive), as the signed-in person. The one-time code that
// confirms a request reaches the person by email (plinth.notify/1), never this page.
#include "portal.hpp"

#include <plinth/sdk/error.hpp>

namespace plinth::portal {

namespace bhttp = http::bhttp;

namespace {

constexpr std::string_view kData = R"(<h2 id="register">What we keep, why, and for how long</h2>
{{register}}
<h2 id="consents">Your choices</h2>
{{consents}}
<h2>History of your choices</h2>
{{history}}
<h2 id="export">A copy of your data</h2>
<form class="card" method="post" action="/account/data/export">
{{csrf}}
<p>We prepare an archive (a zip file) of everything above that concerns you, your files included. We first send a one-time code to your email address to make sure the request is yours.</p>
<button type="submit">Request a copy of my data</button>
</form>
<h2 id="erase">Erase your account</h2>
<p><a href="/account/data/erase">Ask us to erase your data</a>: you will see what is removed and what the law makes us keep before anything happens.</p>
<h2>A request you made</h2>
<form class="card" method="get" action="/account/data/request">
<label for="request">Request number (from our email)</label>
<input type="text" id="request" name="id" inputmode="numeric" required>
<button type="submit" class="secondary">Show the request</button>
</form>)";

constexpr std::string_view kConsentRow = R"(<tr><td>{{label}}</td><td>{{state}}</td><td><form method="post" action="/account/data/consent">{{csrf}}<input type="hidden" name="purpose" value="{{purpose}}"><input type="hidden" name="allow" value="{{next}}"><button type="submit" class="secondary" aria-label="{{action}}: {{label}}">{{action}}</button></form></td></tr>
)";

constexpr std::string_view kErase = R"(<p>Erasure removes your account and the data linked to it. You cannot sign in afterwards. Some records must be kept for a time by law or for accounting; they are unlinked from you where possible. Here is every kind of data we hold and what happens to it:</p>
{{register}}
<form class="card" method="post" action="/account/data/erase">
{{csrf}}
<p class="checkbox"><input type="checkbox" id="understood" name="understood" value="yes" required> <label for="understood">I understand that my account and data will be erased, except what is kept as listed above.</label></p>
<button type="submit" class="danger">Request erasure</button>
</form>
<p><a href="/account/data">Back to my data</a></p>)";

constexpr std::string_view kRequest = R"(<dl>
<dt>Request</dt><dd>{{id}}</dd>
<dt>Kind</dt><dd>{{kind}}</dd>
<dt>Status</dt><dd>{{status}}</dd>
<dt>Made</dt><dd>{{created}}</dd>
<dt>We answer by</dt><dd>{{deadline}}</dd>
</dl>
{{action}}
<h2>What happened so far</h2>
<ul>{{audit}}</ul>
<p><a href="/account/data">Back to my data</a></p>)";

constexpr std::string_view kConfirmForm = R"(<form class="card" method="post" action="/account/data/request/{{id}}/confirm">
{{csrf}}
<label for="code">The one-time code from our email</label>
<p class="hint">It works once and expires on {{expires}}.</p>
<input type="text" id="code" name="code" autocomplete="one-time-code" required spellcheck="false">
<button type="submit">Confirm the request</button>
</form>)";

// The register of processing, one entry per kind of data (a table of six columns does not fit a
// phone).
Html register_table(const Page &p) {
    json::value answer = p.call("privacy", "inventory", {{"format", "json"}});
    json::value doc = json::parse(text_of(answer, "document"));
    Html entries;
    if (const json::value *cats = doc.as_object().if_contains("categories"); cats && cats->is_array())
        for (const json::value &c : cats->as_array()) {
            std::string recipients = text_of(c, "recipients");
            entries += render(R"(<section class="register"><h3>{{category}}</h3>
<dl><dt>What exactly</dt><dd>{{fields}}</dd><dt>Why</dt><dd>{{purpose}}</dd><dt>Legal basis</dt><dd>{{basis}}</dd><dt>How long</dt><dd>{{retention}}</dd><dt>Shared with</dt><dd>{{recipients}}</dd></dl>
</section>
)", {{"category", text_of(c, "category")},
     {"fields", text_of(c, "fields")},
     {"purpose", text_of(c, "purpose")},
     {"basis", text_of(c, "legal_basis")},
     {"retention", text_of(c, "retention")},
     {"recipients", recipients.empty() ? std::string("nobody") : recipients}});
        }
    return entries;
}

http::Response data_page(Page &p) {
    json::value consent = p.call("privacy", "consent.history", {{"user_id", p.visitor.user_id}});
    const json::object *current = consent.as_object().if_contains("current") ? consent.at("current").if_object() : nullptr;
    Html consent_rows;
    for (const ConsentPurpose &c : p.portal().settings.consent_purposes) {
        const json::value *answer = current ? current->if_contains(c.purpose) : nullptr;
        bool allowed = answer && answer->is_bool() && answer->as_bool();
        std::string state = answer == nullptr ? "Not asked yet (off)" : allowed ? "Allowed" : "Not allowed";
        consent_rows += render(kConsentRow, {{"label", c.label},
                                             {"state", state},
                                             {"csrf", p.csrf_field()},
                                             {"purpose", c.purpose},
                                             {"next", allowed ? "no" : "yes"},
                                             {"action", allowed ? "Withdraw" : "Allow"}});
    }
    Html consents = render(R"(<table><thead><tr><th scope="col">Purpose</th><th scope="col">Now</th><th scope="col"><span class="visually-hidden">Change</span></th></tr></thead><tbody>{{rows}}</tbody></table>{{restricted}})",
                           {{"rows", consent_rows},
                            {"restricted", flag_of(consent, "restricted") ? render(R"(<p class="notice">Processing of your data is restricted.</p>)", {}) : Html()}});

    // The history, newest first, a page at a time (?history=N).
    Html history_rows;
    const json::array *history = consent.as_object().if_contains("history") ? consent.at("history").if_array() : nullptr;
    size_t page_size = static_cast<size_t>(p.portal().settings.page_size), page = 0, total = history ? history->size() : 0;
    if (auto h = p.query("history"); h && positive_id(*h)) page = static_cast<size_t>(*positive_id(*h));
    for (size_t i = page * page_size; history && i < total && i < (page + 1) * page_size; ++i) {
        const json::value &e = (*history)[total - 1 - i];
        history_rows += render("<tr><td>{{at}}</td><td>{{purpose}}</td><td>{{action}}</td><td>{{by}}</td></tr>\n",
                               {{"at", readable_time(number_of(e, "recorded_at_unix"))},
                                {"purpose", text_of(e, "purpose").empty() ? std::string("(all processing)") : text_of(e, "purpose")},
                                {"action", text_of(e, "action")},
                                {"by", text_of(e, "source")}});
    }
    Html history_html = history_rows.empty()
                            ? render("<p>No choices recorded yet.</p>", {})
                            : render(R"(<table><thead><tr><th scope="col">When</th><th scope="col">Purpose</th><th scope="col">Choice</th><th scope="col">Where</th></tr></thead><tbody>{{rows}}</tbody></table>)",
                                     {{"rows", history_rows}});
    if ((page + 1) * page_size < total)
        history_html += render(R"(<nav class="pager" aria-label="Pages of the history"><a href="/account/data?history={{n}}" rel="next">Older choices</a></nav>)",
                               {{"n", std::to_string(page + 1)}});
    return p.html(200, "My data",
                  render(kData, {{"register", register_table(p)},
                                 {"consents", consents},
                                 {"history", history_html},
                                 {"csrf", p.csrf_field()}}));
}

http::Response consent_change(Page &p) {
    std::string_view purpose = p.field("purpose");
    json::object args{{"user_id", p.visitor.user_id}, {"purpose", purpose}, {"source", "portal"}};
    if (p.field("allow") == "yes") {
        args["policy_version"] = p.portal().settings.policy_version;
        p.call("privacy", "consent.grant", args);
    } else {
        p.call("privacy", "consent.withdraw", args);
    }
    return p.redirect("/account/data?done=consent-saved");
}

// Creates a request of `kind` for the signed-in person's current address.
http::Response create_request(Page &p, std::string_view kind) {
    json::value profile = p.call("accounts", "profile.get", {});
    json::value created = p.call("privacy", "request.create", {{"email", text_of(profile, "email")}, {"kind", kind}});
    return p.redirect("/account/data/request/" + std::to_string(number_of(created, "request_id")) + "?done=request-sent");
}

http::Response request_page(Page &p, int64_t id) {
    json::value r = p.call("privacy", "request.get", {{"request_id", id}});
    std::string status = text_of(r, "status"), kind = text_of(r, "kind");
    Html action;
    if (status == "pending") {
        action = render(kConfirmForm, {{"id", std::to_string(id)},
                                       {"csrf", p.csrf_field()},
                                       {"expires", readable_time(std::string_view(text_of(r, "token_expires_at")))}});
    } else if (status == "completed" && kind == "export") {
        json::value archive = p.call("privacy", "request.archive", {{"request_id", id}});
        action = render(R"(<p><a href="/account/data/request/{{id}}/archive" download>Download your data ({{size}} bytes, zip)</a>. Available until {{until}}.</p>)",
                        {{"id", std::to_string(id)},
                         {"size", std::to_string(number_of(archive, "size"))},
                         {"until", readable_time(std::string_view(text_of(archive, "expires_at")))}});
    } else if (status == "confirmed") {
        action = render("<p>Confirmed. We are preparing it; this page shows the result when it is done.</p>", {});
    }
    Html audit;
    if (const json::value *a = r.as_object().if_contains("audit"); a && a->is_array())
        for (const json::value &e : a->as_array())
            audit += render("<li>{{at}}: {{action}}</li>\n", {{"at", readable_time(std::string_view(text_of(e, "at")))},
                                                            {"action", text_of(e, "action")}});
    return p.html(200, "Request " + std::to_string(id),
                  render(kRequest, {{"id", std::to_string(id)},
                                    {"kind", kind == "erase" ? std::string("erasure") : kind},
                                    {"status", status},
                                    {"created", readable_time(std::string_view(text_of(r, "created_at")))},
                                    {"deadline", readable_time(std::string_view(text_of(r, "deadline")))},
                                    {"action", action},
                                    {"audit", audit}}));
}

http::Response confirm(Page &p) {
    auto id = positive_id(p.request.param("id"));
    if (!id) return error_page(p, PLINTH_E_NOT_FOUND, "");
    std::string code(p.field("code"));
    while (!code.empty() && (code.back() == ' ' || code.back() == '\n' || code.back() == '\r')) code.pop_back();
    while (!code.empty() && code.front() == ' ') code.erase(0, 1);
    http::CommandOutcome out = p.try_call("privacy", "request.confirm", {{"request_id", *id}, {"token", code}});
    if (!out.ok())
        return error_page(p, out.status == PLINTH_E_UNAUTHENTICATED ? PLINTH_E_INVALID_ARGUMENT : out.status,
                          out.status == PLINTH_E_UNAUTHENTICATED ? "That code is not right for this request."
                                                                 : out.message);
    return p.redirect("/account/data/request/" + std::to_string(*id) + "?done=confirmed");
}

// The archive, streamed from the file the privacy module names, after it has checked that the
// request is the caller's and re-hashed every entry against the manifest.
http::Response archive(Page &p) {
    auto id = positive_id(p.request.param("id"));
    if (!id) return error_page(p, PLINTH_E_NOT_FOUND, "");
    json::value a = p.call("privacy", "request.archive", {{"request_id", *id}});
    if (!flag_of(a, "verified"))
        return error_page(p, PLINTH_E_INTERNAL, "The archive failed its integrity check; please ask for a new copy.");
    std::filesystem::path file(text_of(a, "archive"));
    std::filesystem::path exports = std::filesystem::weakly_canonical(p.portal().state_dir / "privacy" / "exports");
    std::filesystem::path real = std::filesystem::weakly_canonical(file);
    if (real.parent_path() != exports)
        return error_page(p, PLINTH_E_INTERNAL, "The archive is not where this host keeps archives.");
    http::Response r = p.html(200, "", Html()); // the security headers and cookies
    r.body.clear();
    r.content_type = "application/zip";
    r.file = real;
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"my-data-" + std::to_string(*id) + ".zip\"");
    return r;
}

} // namespace

void add_privacy_pages(const Portal &portal, http::Router &router) {
    portal.add(router, {bhttp::verb::get}, "/account/data", Access::customer, data_page);
    portal.add(router, {bhttp::verb::post}, "/account/data/consent", Access::customer, consent_change);
    portal.add(router, {bhttp::verb::post}, "/account/data/export", Access::customer,
               [](Page &p) { return create_request(p, "export"); });
    portal.add(router, {bhttp::verb::get}, "/account/data/erase", Access::customer, [](Page &p) {
        return p.html(200, "Erase your account", render(kErase, {{"register", register_table(p)}, {"csrf", p.csrf_field()}}));
    });
    portal.add(router, {bhttp::verb::post}, "/account/data/erase", Access::customer, [](Page &p) {
        if (p.field("understood") != "yes")
            return error_page(p, PLINTH_E_INVALID_ARGUMENT, "Tick the box to confirm that you understand what erasure does.");
        return create_request(p, "erase");
    });
    portal.add(router, {bhttp::verb::get}, "/account/data/request", Access::customer, [](Page &p) {
        auto id = positive_id(p.query("id").value_or(""));
        if (!id) return error_page(p, PLINTH_E_NOT_FOUND, "");
        return p.redirect("/account/data/request/" + std::to_string(*id));
    });
    portal.add(router, {bhttp::verb::get}, "/account/data/request/{id}", Access::customer, [](Page &p) {
        auto id = positive_id(p.request.param("id"));
        if (!id) return error_page(p, PLINTH_E_NOT_FOUND, "");
        return request_page(p, *id);
    });
    portal.add(router, {bhttp::verb::post}, "/account/data/request/{id}/confirm", Access::customer, confirm);
    portal.add(router, {bhttp::verb::get}, "/account/data/request/{id}/archive", Access::customer, archive);
}

} // namespace plinth::portal
