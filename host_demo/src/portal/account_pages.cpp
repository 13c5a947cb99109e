// Sign in, sign out, register and the profile: the accounts module's login, logout, register,
// profile.get, profile.update, email.change and gravatar.opt_in / opt_out.
#include "portal.hpp"

#include "status_table.hpp"

namespace plinth::portal {

namespace bhttp = http::bhttp;

namespace {

constexpr std::string_view kSignInForm = R"({{error}}<form class="card" method="post" action="/account/sign-in">
{{csrf}}
<label for="login">Email or username</label>
<input type="text" id="login" name="login" autocomplete="username" required value="{{login}}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p>No account yet? <a href="/account/register">Register</a>.</p>)";

constexpr std::string_view kRegisterForm = R"({{error}}<form class="card" method="post" action="/account/register">
{{csrf}}
<label for="email">Email address</label>
<p class="hint" id="email-hint">The only address we write to, and how you sign in.</p>
<input type="email" id="email" name="email" autocomplete="email" required aria-describedby="email-hint" value="{{email}}">
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" required value="{{username}}">
<label for="first_name">First name</label>
<input type="text" id="first_name" name="first_name" autocomplete="given-name" required value="{{first_name}}">
<label for="last_name">Last name (optional)</label>
<input type="text" id="last_name" name="last_name" autocomplete="family-name" value="{{last_name}}">
<label for="password">Password</label>
<p class="hint" id="password-hint">At least 12 characters; a few unrelated words work well.</p>
<input type="password" id="password" name="password" autocomplete="new-password" required aria-describedby="password-hint">
<button type="submit">Create my account</button>
</form>
<p>We keep what the <a href="/account/data">register of processing</a> lists, for the reasons it gives.</p>)";

constexpr std::string_view kProfile = R"({{error}}<h2>Your details</h2>
<dl>
<dt>Username</dt><dd>{{username}}</dd>
<dt>Name</dt><dd>{{first_name}} {{last_name}}</dd>
<dt>Email address</dt><dd>{{email}}</dd>
<dt>Member since</dt><dd>{{created}}</dd>
<dt>Gravatar</dt><dd>{{gravatar}}</dd>
</dl>
<form class="card" method="post" action="/account/profile">
{{csrf}}
<h2>Names</h2>
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" required value="{{username}}">
<label for="first_name">First name</label>
<input type="text" id="first_name" name="first_name" autocomplete="given-name" required value="{{first_name}}">
<label for="last_name">Last name</label>
<input type="text" id="last_name" name="last_name" autocomplete="family-name" value="{{last_name}}">
<button type="submit">Save names</button>
</form>
<form class="card" method="post" action="/account/profile/email">
{{csrf}}
<h2>Email address</h2>
<p class="hint">Your old address stays in your email history, which you can see in your data export.</p>
<label for="new_email">New email address</label>
<input type="email" id="new_email" name="email" autocomplete="email" required>
<label for="email_password">Your password</label>
<input type="password" id="email_password" name="password" autocomplete="current-password" required>
<button type="submit">Change email address</button>
</form>
<form class="card" method="post" action="/account/profile/gravatar">
{{csrf}}
<h2>Gravatar</h2>
<p class="hint">Off unless you turn it on. When on, your profile image comes from Gravatar, which receives a hash of your email address.</p>
<input type="hidden" name="gravatar" value="{{gravatar_next}}">
<button type="submit" class="secondary">{{gravatar_action}}</button>
</form>)";

Html error_box(std::string_view message) {
    if (message.empty()) return {};
    return render(R"(<p class="error" role="alert">{{message}}</p>)", {{"message", message}});
}

http::Response sign_in_form(const Page &p, unsigned status, std::string_view error, std::string_view login) {
    return p.html(status, "Sign in",
                  render(kSignInForm, {{"error", error_box(error)}, {"csrf", p.csrf_field()}, {"login", login}}));
}

http::Response sign_in(Page &p) {
    if (auto limited = http::rate_limited(p.portal().api, p.portal().api.limits.login, p.request))
        return sign_in_form(p, 429, "Too many sign-in attempts from your network. Please wait a minute.", p.field("login"));
    http::CommandOutcome out =
        p.try_call("accounts", "login", {{"login", p.field("login")}, {"password", p.field("password")}});
    if (!out.ok()) {
        // The accounts module answers every wrong password and unknown name alike; throttling
        // says how long to wait.
        std::string message = out.status == PLINTH_E_UNAUTHENTICATED
                                  ? "The email address, username or password is not right."
                                  : out.message;
        return sign_in_form(p, http::http_status_for(out.status), message, p.field("login"));
    }
    json::value session = json::parse(out.text);
    const bool tls = p.request.tls;
    p.set_cookie(set_cookie(kSessionCookie, text_of(session, "token"), {tls, -1}));
    p.set_cookie(set_cookie(kFormCookie, "", {tls, 0}));
    return p.redirect("/account/licenses");
}

http::Response sign_out(Page &p) {
    if (p.visitor.signed_in) p.try_call("accounts", "logout", {{"token", p.visitor.session_token}});
    p.set_cookie(set_cookie(kSessionCookie, "", {p.request.tls, 0}));
    return p.redirect("/account/sign-in?done=signed-out");
}

http::Response register_form(const Page &p, unsigned status, std::string_view error) {
    return p.html(status, "Create an account",
                  render(kRegisterForm, {{"error", error_box(error)},
                                         {"csrf", p.csrf_field()},
                                         {"email", p.field("email")},
                                         {"username", p.field("username")},
                                         {"first_name", p.field("first_name")},
                                         {"last_name", p.field("last_name")}}));
}

http::Response register_account(Page &p) {
    if (auto limited = http::rate_limited(p.portal().api, p.portal().api.limits.login, p.request))
        return register_form(p, 429, "Too many attempts from your network. Please wait a minute.");
    json::object args{{"email", p.field("email")},
                      {"username", p.field("username")},
                      {"first_name", p.field("first_name")},
                      {"password", p.field("password")}};
    if (!p.field("last_name").empty()) args["last_name"] = p.field("last_name");
    http::CommandOutcome out = p.try_call("accounts", "register", args);
    if (!out.ok()) return register_form(p, http::http_status_for(out.status), out.message);
    return p.redirect("/account/sign-in?done=registered");
}

http::Response profile_page(const Page &p, unsigned status, std::string_view error) {
    json::value profile = p.call("accounts", "profile.get", {});
    std::string gravatar = text_of(profile, "gravatar_url");
    Html gravatar_cell = gravatar.empty()
                             ? render("Off", {})
                             : render(R"(<img src="{{url}}?s=48&amp;d=identicon" alt="Your Gravatar image" width="48" height="48"> On)",
                                      {{"url", gravatar}});
    return p.html(status, "Profile",
                  render(kProfile, {{"error", error_box(error)},
                                    {"csrf", p.csrf_field()},
                                    {"username", text_of(profile, "username")},
                                    {"first_name", text_of(profile, "first_name")},
                                    {"last_name", text_of(profile, "last_name")},
                                    {"email", text_of(profile, "email")},
                                    {"created", readable_time(number_of(profile, "created_at"))},
                                    {"gravatar", gravatar_cell},
                                    {"gravatar_next", gravatar.empty() ? "on" : "off"},
                                    {"gravatar_action", gravatar.empty() ? "Show my Gravatar image" : "Stop showing my Gravatar image"}}));
}

// Runs a profile command; on a refusal the profile is shown again with the module's reason.
http::Response profile_change(Page &p, std::string_view command, const json::object &args, std::string_view done) {
    http::CommandOutcome out = p.try_call("accounts", command, args);
    if (!out.ok()) return profile_page(p, http::http_status_for(out.status), out.message);
    return p.redirect("/account/profile?done=" + std::string(done));
}

} // namespace

void add_account_pages(const Portal &portal, http::Router &router) {
    portal.add(router, {bhttp::verb::get}, "/account/sign-in", Access::anyone, [](Page &p) {
        if (p.visitor.signed_in) return p.redirect("/account/licenses");
        return sign_in_form(p, 200, "", "");
    });
    portal.add(router, {bhttp::verb::post}, "/account/sign-in", Access::anyone, sign_in);
    portal.add(router, {bhttp::verb::post}, "/account/sign-out", Access::anyone, sign_out);
    portal.add(router, {bhttp::verb::get}, "/account/register", Access::anyone,
               [](Page &p) { return register_form(p, 200, ""); });
    portal.add(router, {bhttp::verb::post}, "/account/register", Access::anyone, register_account);
    portal.add(router, {bhttp::verb::get}, "/account/profile", Access::customer,
               [](Page &p) { return profile_page(p, 200, ""); });
    portal.add(router, {bhttp::verb::post}, "/account/profile", Access::customer, [](Page &p) {
        return profile_change(p, "profile.update",
                              {{"username", p.field("username")},
                               {"first_name", p.field("first_name")},
                               {"last_name", p.field("last_name")}},
                              "profile-saved");
    });
    portal.add(router, {bhttp::verb::post}, "/account/profile/email", Access::customer, [](Page &p) {
        return profile_change(p, "email.change", {{"email", p.field("email")}, {"password", p.field("password")}},
                              "email-changed");
    });
    portal.add(router, {bhttp::verb::post}, "/account/profile/gravatar", Access::customer, [](Page &p) {
        bool on = p.field("gravatar") == "on";
        return profile_change(p, on ? "gravatar.opt_in" : "gravatar.opt_out", {}, on ? "gravatar-on" : "gravatar-off");
    });
}

} // namespace plinth::portal
