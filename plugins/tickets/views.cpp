#include "views.hpp"

#include "domain/environment.hpp"

#include <plinth/sdk/error.hpp>

namespace plinth::tickets {
namespace json = boost::json;
namespace {

template <class T>
json::value optional(const std::optional<T> &v) {
    return v ? json::value(*v) : json::value(nullptr);
}

} // namespace

json::object ticket_summary(const TicketRow &t) {
    return json::object{{"id", t.id},
                        {"owner_id", t.owner_id},
                        {"subject", t.subject},
                        {"status", status_name(t.status)},
                        {"priority", priority_name(t.priority)},
                        {"product", optional(t.product)},
                        {"license_ref", optional(t.license_ref)},
                        {"created_at", t.created_at},
                        {"updated_at", t.updated_at},
                        {"closed_at", optional(t.closed_at)},
                        {"anonymised", t.anonymised_at.has_value()}};
}

json::object reply_view(const ReplyRow &r) {
    return json::object{{"id", r.id},
                        {"author_id", r.author_id},
                        {"by", r.by_staff ? "staff" : "customer"},
                        {"body", r.body},
                        {"created_at", r.created_at}};
}

json::object attachment_view(const AttachmentRow &a) {
    return json::object{{"id", a.id},         {"ticket_id", a.ticket_id},     {"file_name", a.file_name},
                        {"media_type", a.media_type}, {"size", a.size},       {"sha256", a.sha256_hex},
                        {"uploaded_by", a.uploaded_by}, {"created_at", a.created_at}};
}

json::object credential_view(const CredentialRow &c, int64_t now) {
    return json::object{{"id", c.id},
                        {"ticket_id", c.ticket_id},
                        {"state", credential_state_name(credential_state(now, c.expires_at, c.purged_at))},
                        {"created_at", c.created_at},
                        {"expires_at", c.expires_at},
                        {"purged_at", optional(c.purged_at)},
                        {"purge_reason", optional(c.purge_reason)}};
}

json::object reveal_view(const RevealRow &r) {
    return json::object{{"id", r.id},
                        {"credential_id", r.credential_id},
                        {"ticket_id", r.ticket_id},
                        {"revealed_by", r.revealed_by},
                        {"revealed_at", r.revealed_at}};
}

json::value environment_json(const TicketRow &t, bool owner) {
    if (!t.environment) return nullptr;
    boost::system::error_code ec;
    json::value stored = json::parse(*t.environment, ec);
    if (ec || !stored.is_object())
        throw sdk::Error(PLINTH_E_INTERNAL, "the stored environment of ticket " + std::to_string(t.id) + " is not JSON");
    return environment_view(stored.get_object(), owner);
}

} // namespace plinth::tickets
