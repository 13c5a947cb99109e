#include "portal.hpp"

#include "json_text.hpp"
#include "secrets.hpp"
#include "status_table.hpp"

#include <plinth/sdk/error.hpp>
#include <plinth/sdk/host.hpp>

#include <charconv>

namespace plinth::portal {

namespace bhttp = http::bhttp;

extern const std::string_view kStylesheet; // style.cpp

namespace {

// Every page: no script at all, styles only from the portal's own stylesheet, images only from
// the portal and Gravatar, forms only to the portal, never framed.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; style-src 'self'; img-src 'self' https://www.gravatar.com; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

// Post/Redirect/Get notices: a page is told what just happened by a fixed code, never by text
// (nothing a third party could put into a link) and never by personal data.
struct Notice {
    std::string_view code, text;
};
constexpr Notice kNotices[] = {
    {"signed-out", "You are signed out."},
    {"registered", "Your account is ready. Sign in below."},
    {"profile-saved", "Your profile is saved."},
    {"email-changed", "Your email address is changed."},
    {"gravatar-on", "Your Gravatar image is shown."},
    {"gravatar-off", "Your Gravatar image is no longer shown."},
    {"deactivated", "The site is deactivated and its seat is free."},
    {"ticket-created", "Your ticket is open. We will answer here."},
    {"replied", "Your reply is added."},
    {"credentials-added", "The credentials are stored encrypted; support staff can reveal them until they expire."},
    {"consent-saved", "Your choice is recorded."},
    {"request-sent", "We sent a one-time code to your email address. Enter it below to confirm the request."},
    {"confirmed", "Your request is confirmed. We will carry it out within a month, usually much sooner."},
    {"executed", "The request was carried out."},
    {"revealed", "The credentials were revealed; the reveal and your reason are on record."},
};

constexpr std::string_view kLayout = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · Your account</title>
<link rel="stylesheet" href="/account/style.css">
</head>
<body>
<a class="skip" href="#main">Skip to the content</a>
<header>
<p class="brand"><a href="/account/">Your account</a></p>
{{nav}}
</header>
<main id="main">
<h1>{{title}}</h1>
{{notice}}
{{main}}
</main>
<footer><p>Your data is handled as the <a href="/account/data">register of processing</a> describes.</p></footer>
</body>
</html>
)";

constexpr std::string_view kNavSignedIn = R"(<nav aria-label="Account">
<ul>
<li><a href="/account/licenses">Licenses</a></li>
<li><a href="/account/tickets">Tickets</a></li>
<li><a href="/account/data">My data</a></li>
<li><a href="/account/profile">Profile</a></li>
{{staff}}<li><form method="post" action="/account/sign-out">{{csrf}}<button type="submit" class="link">Sign out</button></form></li>
</ul>
</nav>)";

constexpr std::string_view kNavStaff = R"(<li><a href="/account/staff/tickets">Ticket queue</a></li>
<li><a href="/account/staff/licenses">License lookup</a></li>
<li><a href="/account/staff/requests">Data requests</a></li>
)";

constexpr std::string_view kNavAnonymous = R"(<nav aria-label="Account">
<ul>
<li><a href="/account/sign-in">Sign in</a></li>
<li><a href="/account/register">Register</a></li>
</ul>
</nav>)";

std::string_view header(const http::Request &r, bhttp::field f) {
    auto v = r.message[f];
    return std::string_view(v.data(), v.size());
}

std::array<uint8_t, 32> csrf_key(const std::filesystem::path &state_dir) {
    std::array<uint8_t, 32> key{};
    host::read_or_create_key(state_dir / "secrets", "portal", "csrf", key.data(), key.size());
    return key;
}

} // namespace

PortalSettings PortalSettings::from_json(const json::object *section) {
    PortalSettings s;
    if (section == nullptr) return s;
    for (const auto &[key, value] : *section) {
        if (key == "enabled") {
            if (!value.is_bool()) throw sdk::invalid_argument("portal.enabled must be true or false");
            s.enabled = value.as_bool();
        } else if (key == "consent_purposes") {
            if (!value.is_array()) throw sdk::invalid_argument("portal.consent_purposes must be an array");
            s.consent_purposes.clear();
            for (const auto &p : value.as_array()) {
                const json::object *o = p.if_object();
                const json::value *purpose = o ? o->if_contains("purpose") : nullptr;
                const json::value *label = o ? o->if_contains("label") : nullptr;
                if (!purpose || !purpose->is_string() || !label || !label->is_string())
                    throw sdk::invalid_argument("portal.consent_purposes: each item needs text 'purpose' and 'label'");
                s.consent_purposes.push_back({std::string(purpose->as_string()), std::string(label->as_string())});
            }
        } else if (key == "policy_version") {
            if (!value.is_string() || value.as_string().empty() || value.as_string().size() > 64)
                throw sdk::invalid_argument("portal.policy_version must be text of 1-64 bytes");
            s.policy_version = std::string(value.as_string());
        } else if (key == "page_size") {
            if (!value.is_int64() || value.as_int64() < 1 || value.as_int64() > 100)
                throw sdk::invalid_argument("portal.page_size must be an integer from 1 to 100");
            s.page_size = static_cast<int>(value.as_int64());
        } else {
            throw sdk::invalid_argument("unknown member 'portal." + std::string(key) + "'");
        }
    }
    return s;
}

std::string text_of(const json::value &v, std::string_view member) {
    const json::object *o = v.if_object();
    const json::value *m = o ? o->if_contains(member) : nullptr;
    return m && m->is_string() ? std::string(m->as_string()) : std::string();
}

int64_t number_of(const json::value &v, std::string_view member) {
    const json::object *o = v.if_object();
    const json::value *m = o ? o->if_contains(member) : nullptr;
    if (m == nullptr) return 0;
    if (m->is_int64()) return m->as_int64();
    if (m->is_uint64()) return static_cast<int64_t>(m->as_uint64());
    return 0;
}

bool flag_of(const json::value &v, std::string_view member) {
    const json::object *o = v.if_object();
    const json::value *m = o ? o->if_contains(member) : nullptr;
    return m != nullptr && m->is_bool() && m->as_bool();
}

std::optional<int64_t> positive_id(std::string_view text) {
    int64_t n = 0;
    if (text.empty() || text.size() > 18) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n <= 0) return std::nullopt;
    return n;
}

// ---- Page ----

Page::Page(const Portal &portal, http::Request &r) : request(r), portal_(portal) {
    std::string_view cookies = header(r, bhttp::field::cookie);
    visitor.caller = r.caller;
    if (auto token = cookie_value(cookies, kSessionCookie)) {
        http::Authenticator::Outcome who = portal.auth.resolve("Bearer " + *token);
        if (who.status == PLINTH_OK && who.caller.principal == PLINTH_PRINCIPAL_USER) {
            visitor.caller = who.caller;
            visitor.signed_in = true;
            visitor.user_id = who.caller.user_id;
            visitor.session_token = *token;
        } else if (who.status == PLINTH_E_UNAUTHENTICATED) {
            // A dead session: forget the cookie.
            set_cookie(portal::set_cookie(kSessionCookie, "", {r.tls, 0}));
        } else {
            throw CommandFailed(who.status, "your session could not be checked; please try again");
        }
    }
    visitor.caller.client_address = sdk::to_str(r.client_address);
    visitor.caller.request_id = sdk::to_str(r.request_id);
    if (!visitor.signed_in) {
        if (auto bound = cookie_value(cookies, kFormCookie)) {
            visitor.form_cookie = *bound;
        } else {
            visitor.form_cookie = random_token();
            set_cookie(portal::set_cookie(kFormCookie, visitor.form_cookie, {r.tls, -1}));
        }
    }
}

http::CommandOutcome Page::try_call(std::string_view module, std::string_view command, const json::object &args) const {
    std::string arguments = json::serialize(args);
    // Query and form text goes into the arguments as it came, and serialize copies bytes that are
    // not UTF-8 as they are: the module would refuse the result as "not valid JSON", which tells
    // the visitor nothing about what they sent.
    if (!http::is_well_formed_json(arguments)) {
        http::CommandOutcome refused;
        refused.status = PLINTH_E_INVALID_ARGUMENT;
        refused.message = "the form or the address holds text that is not valid UTF-8";
        return refused;
    }
    return http::call_module_command(portal_.api.host, visitor.caller, module, command, arguments,
                                     portal_.api.config.response_limit_bytes);
}

json::value Page::call(std::string_view module, std::string_view command, const json::object &args) const {
    http::CommandOutcome out = try_call(module, command, args);
    if (!out.ok()) throw CommandFailed(out.status, out.message);
    return json::parse(out.text);
}

Html Page::csrf_field() const {
    std::string_view binding = visitor.signed_in ? std::string_view(visitor.session_token) : visitor.form_cookie;
    return render(R"(<input type="hidden" name="csrf_token" value="{{token}}">)",
                  {{"token", portal_.csrf.token_for(binding)}});
}

void Page::add_headers(http::Response &r) const {
    r.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    // same-origin, not no-referrer: under no-referrer browsers send "Origin: null" with form posts.
    r.headers.emplace_back("Referrer-Policy", "same-origin");
    r.cache_control = "no-store";
    for (const auto &c : cookies_) r.headers.emplace_back("Set-Cookie", c);
}

http::Response Page::html(unsigned status, std::string_view title, const Html &main) const {
    Html nav = visitor.signed_in ? render(kNavSignedIn, {{"staff", visitor.is_staff() ? render(kNavStaff, {}) : Html()},
                                                         {"csrf", csrf_field()}})
                                 : render(kNavAnonymous, {});
    Html notice;
    if (auto done = query("done"))
        for (const Notice &n : kNotices)
            if (n.code == *done) notice = render(R"(<p class="notice" role="status">{{text}}</p>)", {{"text", n.text}});
    http::Response r;
    r.status = status;
    r.content_type = "text/html; charset=utf-8";
    r.body = render(kLayout, {{"title", title}, {"nav", nav}, {"notice", notice}, {"main", main}}).str();
    add_headers(r);
    return r;
}

http::Response Page::redirect(std::string_view location) const {
    http::Response r;
    r.status = 303;
    r.content_type = "text/plain; charset=utf-8";
    r.headers.emplace_back("Location", std::string(location));
    add_headers(r);
    return r;
}

http::Response error_page(const Page &page, int32_t status, std::string_view message) {
    unsigned code = http::http_status_for(status);
    if (status == PLINTH_E_NOT_FOUND)
        return page.html(404, "Not found",
                         render(R"(<p>There is nothing here, or it is not yours to see.</p>
<p><a href="/account/">Back to your account</a></p>)", {}));
    std::string_view title = code == 403 ? "Not allowed" : code == 429 ? "Please wait" : code >= 500 ? "Something went wrong"
                                                                                                     : "That did not work";
    return page.html(code, title, render(R"(<p class="error" role="alert">{{message}}</p>
<p><a href="/account/">Back to your account</a></p>)", {{"message", message}}));
}

// ---- Portal ----

Portal::Portal(http::ApiContext &api_context, std::filesystem::path state, const json::object *section)
    : api(api_context), state_dir(std::move(state)), settings(PortalSettings::from_json(section)),
      csrf(csrf_key(state_dir)), auth(api_context.host) {}

void Portal::add(http::Router &router, std::initializer_list<bhttp::verb> methods, std::string pattern, Access access,
                 PageHandler handler, size_t body_limit) const {
    http::RouteOptions options;
    options.name = "portal " + pattern;
    options.authenticate = false; // the session cookie, not an Authorization header
    options.body_limit = body_limit != 0 ? body_limit : 256 * 1024;
    router.add(methods, std::move(pattern), std::move(options),
               [this, access, handler = std::move(handler)](http::Request &r) -> http::Response {
                   std::optional<Page> page;
                   try {
                       page.emplace(*this, r);
                       Page &p = *page;
                       if (r.message.method() == bhttp::verb::post) {
                           std::string_view type = header(r, bhttp::field::content_type);
                           if (http::has_media_type(type, "multipart/form-data")) {
                               for (const auto &part : http::multipart_parts(type, r.message.body())) {
                                   if (!part.filename.empty()) p.uploads.push_back(part);
                                   else p.form.emplace_back(std::string(part.name), std::string(part.body));
                               }
                           } else if (http::has_media_type(type, "application/x-www-form-urlencoded")) {
                               auto fields = http::parse_urlencoded(r.message.body(), 200);
                               if (!fields) return error_page(p, PLINTH_E_INVALID_ARGUMENT, "the form could not be read");
                               p.form = std::move(*fields);
                           }
                           std::string_view binding =
                               p.visitor.signed_in ? std::string_view(p.visitor.session_token) : p.visitor.form_cookie;
                           if (!same_origin(header(r, bhttp::field::origin), header(r, bhttp::field::host)) ||
                               !csrf.verify(binding, p.field(kCsrfField)))
                               return p.html(403, "Form refused",
                                             render(R"(<p class="error" role="alert">This form was refused: it did not carry this page's security token. Nothing was changed.</p>
<p>Go back, reload the page and send the form again.</p>)", {}));
                       }
                       if (access != Access::anyone && !p.visitor.signed_in) return p.redirect("/account/sign-in");
                       if (access == Access::staff && !p.visitor.is_staff())
                           return error_page(p, PLINTH_E_NOT_FOUND, "");
                       return handler(p);
                   } catch (const CommandFailed &e) {
                       if (!page) throw sdk::Error(static_cast<plinth_status>(e.status()), e.what());
                       if (e.status() == PLINTH_E_UNAUTHENTICATED && page->visitor.signed_in)
                           return page->redirect("/account/sign-in");
                       return error_page(*page, e.status(), e.what());
                   }
               });
}

void Portal::add_routes(http::Router &router) {
    http::RouteOptions css;
    css.name = "portal stylesheet";
    css.authenticate = false;
    css.blocking = false;
    router.add({bhttp::verb::get}, "/account/style.css", std::move(css), [](http::Request &) {
        http::Response r;
        r.content_type = "text/css; charset=utf-8";
        r.body = std::string(kStylesheet);
        r.cache_control = "public, max-age=3600";
        r.headers.emplace_back("X-Content-Type-Options", "nosniff");
        return r;
    });
    add(router, {bhttp::verb::get}, "/account/", Access::anyone, [](Page &p) {
        return p.redirect(p.visitor.signed_in ? "/account/licenses" : "/account/sign-in");
    });
    add(router, {bhttp::verb::get}, "/account", Access::anyone, [](Page &p) { return p.redirect("/account/"); });
    add_account_pages(*this, router);
    add_license_pages(*this, router);
    add_ticket_pages(*this, router);
    add_privacy_pages(*this, router);
    add_staff_pages(*this, router);
}

} // namespace plinth::portal
