#include "credentials.hpp"

#include "content.hpp"
#include "text.hpp"

#include <plinth/sdk/error.hpp>
#include <plinth/sdk/text.hpp>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <cctype>

namespace plinth::tickets {
namespace json = boost::json;

CredentialSecret::~CredentialSecret() {
    wipe(site_url);
    wipe(username);
    wipe(password);
    wipe(note);
}

void check_credential(const CredentialSecret &s) {
    check_line("site_url", s.site_url, 2048);
    auto url = boost::urls::parse_absolute_uri(s.site_url);
    if (!url) throw sdk::invalid_argument("site_url must be an absolute URL such as https://example.com/wp-admin");
    std::string scheme(url->scheme());
    for (char &c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != "https" && scheme != "http") throw sdk::invalid_argument("site_url must use http or https");
    if (!url->has_authority() || url->encoded_host().empty())
        throw sdk::invalid_argument("site_url must name a host");
    // Logins belong in username/password, where they are encrypted and never displayed.
    if (url->has_userinfo()) throw sdk::invalid_argument("site_url must not contain a user name or password");

    check_line("username", s.username, 256);
    // A password is checked without the "not blank" rule's trimming: spaces are legitimate.
    if (s.password.empty()) throw sdk::invalid_argument("password must not be empty");
    if (s.password.size() > 1024) throw sdk::invalid_argument("password is longer than 1024 bytes");
    // Control characters (C1 included) cannot be typed into a login form. Bidirectional
    // formatting is kept: a password is a secret copied as it is, not a name anyone reads, and
    // refusing a character a site accepts would make that login impossible to share.
    for (size_t i = 0; i < s.password.size();) {
        int32_t cp = sdk::text::next_code_point(s.password, i);
        if (cp < 0) throw sdk::invalid_argument("password is not valid UTF-8");
        if (sdk::text::is_control(cp)) throw sdk::invalid_argument("password must not contain control characters");
    }
    if (!s.note.empty()) check_text("note", s.note, 2000);
}

std::string serialise_secret(const CredentialSecret &s) {
    json::object o{{"site_url", s.site_url}, {"username", s.username}, {"password", s.password}};
    if (!s.note.empty()) o["note"] = s.note;
    std::string text = json::serialize(o);
    // The json::object's copies are released here; their heap blocks are not ours to wipe, which
    // is why plaintext never lives long: the caller seals and wipes `text` right away.
    return text;
}

CredentialSecret parse_secret(std::string_view plaintext) {
    boost::system::error_code ec;
    json::value v = json::parse(plaintext, ec);
    if (ec || !v.is_object()) throw sdk::Error(PLINTH_E_INTERNAL, "a decrypted credential is not in the expected form");
    const json::object &o = v.get_object();
    auto get = [&](const char *name) -> std::string {
        const json::value *m = o.if_contains(name);
        if (m == nullptr || !m->is_string()) return {};
        return std::string(m->get_string().data(), m->get_string().size());
    };
    CredentialSecret s;
    s.site_url = get("site_url");
    s.username = get("username");
    s.password = get("password");
    s.note = get("note");
    return s;
}

std::string_view credential_state_name(CredentialState state) {
    switch (state) {
    case CredentialState::active: return "active";
    case CredentialState::expired: return "expired";
    case CredentialState::purged: return "purged";
    }
    return "unknown";
}

std::string_view purge_reason_name(PurgeReason reason) {
    switch (reason) {
    case PurgeReason::expired: return "expired";
    case PurgeReason::ticket_closed: return "ticket_closed";
    case PurgeReason::withdrawn: return "withdrawn";
    case PurgeReason::anonymised: return "anonymised";
    case PurgeReason::erased: return "erased";
    }
    return "unknown";
}

} // namespace plinth::tickets
