// Licenses: the licenses module's license.list, license.get and activation.deactivate, as the
// signed-in customer. The key is masked here, before it reaches the browser.
#include "portal.hpp"


namespace plinth::portal {

namespace bhttp = http::bhttp;

namespace {

constexpr std::string_view kList = R"(<table>
<caption class="visually-hidden">Your licenses</caption>
<thead><tr><th scope="col">License</th><th scope="col">Product</th><th scope="col">Status</th><th scope="col">Seats used</th><th scope="col">Expires</th></tr></thead>
<tbody>
{{rows}}</tbody>
</table>
{{pager}})";

constexpr std::string_view kRow = R"(<tr><td><a href="/account/licenses/{{id}}">License {{id}}</a></td><td>{{product}}</td><td>{{status}}</td><td>{{seats}}</td><td>{{expires}}</td></tr>
)";

constexpr std::string_view kDetail = R"(<dl>
<dt>Product</dt><dd>{{product}}</dd>
<dt>Key</dt><dd><span class="key" aria-label="License key ending in {{key_tail}}">{{key}}</span></dd>
<dt>Status</dt><dd>{{status}}</dd>
<dt>Seats used</dt><dd>{{seats}}</dd>
<dt>Issued</dt><dd>{{issued}}</dd>
<dt>Expires</dt><dd>{{expires}}</dd>
<dt>Grace period ends</dt><dd>{{grace}}</dd>
</dl>
<h2>Sites using this license</h2>
{{sites}}
<p><a href="/account/licenses">All your licenses</a></p>)";

constexpr std::string_view kSites = R"(<table>
<thead><tr><th scope="col">Site</th><th scope="col">Activated</th><th scope="col">Counts a seat</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>
{{rows}}</tbody>
</table>)";

constexpr std::string_view kSiteRow = R"(<tr><td>{{site}}</td><td>{{activated}}</td><td>{{counts}}</td><td><form method="post" action="/account/licenses/{{license}}/deactivate">{{csrf}}<input type="hidden" name="site" value="{{site}}"><button type="submit" class="secondary" aria-label="Deactivate {{site}}">Deactivate</button></form></td></tr>
)";

std::string seats(const json::value &license) {
    int64_t limit = number_of(license, "seat_limit");
    return std::to_string(number_of(license, "seats_used")) + " of " +
           (limit < 0 ? std::string("unlimited") : std::to_string(limit));
}

std::string expiry(const json::value &license) {
    int64_t at = number_of(license, "expires_at");
    return at == 0 ? std::string("Never") : readable_time(at);
}

http::Response list(Page &p) {
    int page_size = p.portal().settings.page_size;
    json::object args{{"limit", page_size + 1}};
    std::optional<int64_t> after;
    if (auto a = p.query("after")) {
        after = positive_id(*a);
        if (!after) return error_page(p, PLINTH_E_INVALID_ARGUMENT, "that page does not exist");
        args["after_id"] = *after;
    }
    json::value licenses = p.call("licenses", "license.list", args);
    const json::array *items = licenses.if_array();
    if (items == nullptr) throw CommandFailed(PLINTH_E_INTERNAL, "the licenses module answered in an unknown shape");
    if (items->empty() && !after)
        return p.html(200, "Your licenses", render("<p>You have no licenses yet.</p>", {}));
    Html rows;
    size_t shown = std::min<size_t>(items->size(), static_cast<size_t>(page_size));
    for (size_t i = 0; i < shown; ++i) {
        const json::value &l = (*items)[i];
        rows += render(kRow, {{"id", std::to_string(number_of(l, "id"))},
                              {"product", text_of(l, "product")},
                              {"status", text_of(l, "status")},
                              {"seats", seats(l)},
                              {"expires", expiry(l)}});
    }
    Html pager;
    if (items->size() > shown)
        pager = render(R"(<nav class="pager" aria-label="Pages"><a href="/account/licenses?after={{next}}" rel="next">Next page</a></nav>)",
                       {{"next", std::to_string(number_of((*items)[shown - 1], "id"))}});
    return p.html(200, "Your licenses", render(kList, {{"rows", rows}, {"pager", pager}}));
}

http::Response detail(Page &p) {
    auto id = positive_id(p.request.param("id"));
    if (!id) return error_page(p, PLINTH_E_NOT_FOUND, "");
    json::value l = p.call("licenses", "license.get", {{"id", *id}});
    std::string key = text_of(l, "key");
    std::string license_id = std::to_string(*id);
    Html site_rows;
    if (const json::array *activations = l.is_object() && l.as_object().contains("activations") ? l.at("activations").if_array() : nullptr)
        for (const json::value &a : *activations)
            site_rows += render(kSiteRow, {{"site", text_of(a, "site")},
                                           {"activated", readable_time(number_of(a, "activated_at"))},
                                           {"counts", flag_of(a, "exempt") ? "No (staging or local)" : "Yes"},
                                           {"license", license_id},
                                           {"csrf", p.csrf_field()}});
    Html sites = site_rows.empty() ? render("<p>No site uses this license.</p>", {})
                                   : render(kSites, {{"rows", site_rows}});
    int64_t grace = number_of(l, "grace_ends_at");
    return p.html(200, "License " + license_id,
                  render(kDetail, {{"product", text_of(l, "product")},
                                   {"key", masked_key(key)},
                                   {"key_tail", key.substr(key.size() > 5 ? key.size() - 5 : 0)},
                                   {"status", text_of(l, "status")},
                                   {"seats", seats(l)},
                                   {"issued", readable_time(number_of(l, "issued_at"))},
                                   {"expires", expiry(l)},
                                   {"grace", grace == 0 ? std::string("No grace period") : readable_time(grace)},
                                   {"sites", sites}}));
}

http::Response deactivate(Page &p) {
    auto id = positive_id(p.request.param("id"));
    if (!id) return error_page(p, PLINTH_E_NOT_FOUND, "");
    p.call("licenses", "activation.deactivate", {{"license_id", *id}, {"site", p.field("site")}});
    return p.redirect("/account/licenses/" + std::to_string(*id) + "?done=deactivated");
}

} // namespace

void add_license_pages(const Portal &portal, http::Router &router) {
    portal.add(router, {bhttp::verb::get}, "/account/licenses", Access::customer, list);
    portal.add(router, {bhttp::verb::get}, "/account/licenses/{id}", Access::customer, detail);
    portal.add(router, {bhttp::verb::post}, "/account/licenses/{id}/deactivate", Access::customer, deactivate);
}

} // namespace plinth::portal
