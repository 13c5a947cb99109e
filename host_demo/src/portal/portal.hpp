// The self-service portal under /account/ (docs/portal.md): server-rendered HTML for customers
// and staff, built only on the modules' commands. Every page calls the modules through
// http::call_module_command — the path POST /v1/{module}/{command} takes — as the visitor: the
// account of the session cookie, or anonymous. Never the system principal. The pages hold no
// business rules: who may see or change what is the modules' answer, shown as it comes.
#pragma once

#include "html.hpp"
#include "security.hpp"

#include "api_routes.hpp"
#include "authenticator.hpp"
#include "form_data.hpp"
#include "module_call.hpp"
#include "router.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace plinth::portal {

namespace json = boost::json;

// Who may open a page. A page for customers sends a visitor who is not signed in to the sign-in
// form; a staff page answers 404 to everyone else (it does not say that it exists).
enum class Access { anyone, customer, staff };

struct Visitor {
    plinth_call_context caller{}; // anonymous, or the session's account (request fields set)
    bool signed_in = false;
    int64_t user_id = 0;
    std::string session_token; // the cookie's token when it is a live session
    std::string form_cookie;   // the CSRF binding of a visitor who is not signed in
    bool is_staff() const { return signed_in && caller.role >= PLINTH_ROLE_STAFF; }
};

// A module answered with an error; pages let it reach the route wrapper (which shows it) unless
// they have a better place for the message.
class CommandFailed : public std::runtime_error {
public:
    CommandFailed(int32_t status, std::string message) : std::runtime_error(std::move(message)), status_(status) {}
    int32_t status() const { return status_; }

private:
    int32_t status_;
};

// A consent the "My data" page offers to toggle (configuration: "portal.consent_purposes").
struct ConsentPurpose {
    std::string purpose; // the ledger's purpose slug, e.g. "gravatar"
    std::string label;   // what the person reads
};

struct PortalSettings {
    bool enabled = false; // the vendor turns the portal on ("portal": {"enabled": true})
    std::vector<ConsentPurpose> consent_purposes{
        {"gravatar", "Show my Gravatar profile image (Gravatar receives a hash of my email address)"},
        {"ai-prompt-analysis", "Analyse my AI prompts, as a collection, to improve the service"}};
    std::string policy_version = "1"; // recorded with every consent given here
    int page_size = 20;               // rows per page of every list

    // Reads the "portal" section of the host configuration; absent members keep their defaults.
    // Throws sdk::Error (invalid_argument) naming the member that is wrong.
    static PortalSettings from_json(const json::object *section);
};

class Portal;

// One request to a portal page, as its handler sees it.
class Page {
public:
    Page(const Portal &portal, http::Request &request);

    http::Request &request;
    Visitor visitor;
    http::FormFields form;                    // the posted fields (urlencoded or multipart)
    std::vector<http::MultipartPart> uploads; // multipart parts that carry a file name

    // Runs a module command as the visitor; the parsed answer. Throws CommandFailed.
    json::value call(std::string_view module, std::string_view command, const json::object &args) const;
    // The same without throwing: the raw outcome.
    http::CommandOutcome try_call(std::string_view module, std::string_view command, const json::object &args) const;

    std::string_view field(std::string_view name) const { return http::form_value(form, name); }
    std::optional<std::string> query(std::string_view name) const { return request.query_param(name); }
    // The hidden CSRF field every form carries.
    Html csrf_field() const;

    // A whole page: the layout around `main`, the security headers, any cookies to set.
    http::Response html(unsigned status, std::string_view title, const Html &main) const;
    // 303 See Other to a path of the portal (Post/Redirect/Get).
    http::Response redirect(std::string_view location) const;

    void set_cookie(std::string header_value) { cookies_.push_back(std::move(header_value)); }
    const Portal &portal() const { return portal_; }

private:
    void add_headers(http::Response &r) const;
    const Portal &portal_;
    std::vector<std::string> cookies_;
};

using PageHandler = std::function<http::Response(Page &)>;

class Portal {
public:
    // `api` and everything it refers to outlive the portal. `state_dir` holds the host's secrets
    // (the CSRF key) and the privacy module's export archives. Throws sdk::Error.
    Portal(http::ApiContext &api, std::filesystem::path state_dir, const json::object *section);

    // Registers every page. [main-thread] before the server starts.
    void add_routes(http::Router &router);

    // Registers one page: resolves the visitor, reads and checks posted forms (Origin, CSRF
    // token), applies `access`, runs `handler`, and turns a CommandFailed into an error page.
    void add(http::Router &router, std::initializer_list<http::bhttp::verb> methods, std::string pattern,
             Access access, PageHandler handler, size_t body_limit = 0) const;

    http::ApiContext &api;
    const std::filesystem::path state_dir;
    const PortalSettings settings;
    const CsrfGuard csrf;
    const http::Authenticator auth;
};

// The page groups (one file each).
void add_account_pages(const Portal &portal, http::Router &router); // sign in/out, register, profile
void add_license_pages(const Portal &portal, http::Router &router);
void add_ticket_pages(const Portal &portal, http::Router &router);
void add_privacy_pages(const Portal &portal, http::Router &router); // "My data"
void add_staff_pages(const Portal &portal, http::Router &router);

// Small helpers the pages share.
std::string text_of(const json::value &v, std::string_view member); // "" when absent or not text
int64_t number_of(const json::value &v, std::string_view member);   // 0 when absent or not a number
bool flag_of(const json::value &v, std::string_view member);        // false when absent or not a bool
// A positive decimal id from a path or form ("12"); nullopt for anything else.
std::optional<int64_t> positive_id(std::string_view text);
// The error page for a failed command (404 shows "Not found", whatever the module's wording).
http::Response error_page(const Page &page, int32_t status, std::string_view message);

} // namespace plinth::portal
