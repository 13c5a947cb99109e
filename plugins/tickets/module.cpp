// tickets/module.cpp — the tickets module's ABI glue: commands, personal data, inventory,
// retention and schema, translating between JSON/ABI types and the service (service/tickets.hpp),
// which owns the transactions and the permission checks.
#include "domain/attachment_policy.hpp"
#include "domain/content.hpp"
#include "domain/credential_cipher.hpp"
#include "domain/download.hpp"
#include "domain/environment.hpp"
#include "domain/inventory.hpp"
#include "domain/settings.hpp"
#include "service/tickets.hpp"
#include "views.hpp"

#include <plinth/migrations/tickets.hpp>
#include <plinth/sdk/encoding.hpp>
#include <plinth/sdk/module.hpp>
#include <plinth/sdk/db.hpp>

#include <memory>

namespace plinth::tickets {
namespace {

namespace json = boost::json;
using sdk::Access;
using sdk::Args;
using sdk::Caller;

constexpr int64_t kMaxId = INT64_MAX;

Viewer viewer_of(const Caller &caller) {
    return Viewer{caller.is_user() ? caller.user_id : 0, caller.is_staff(), caller.is_system()};
}

// Commands that leave a name on what they write (a reply's author, an uploader, a revealer)
// need a person, not the host. The service checks it; asking first refuses the host before its
// payload is read.
void require_person(const Caller &caller) { Tickets::require_person(viewer_of(caller)); }

std::vector<Status> status_filter(const std::optional<std::string> &name, std::vector<Status> fallback) {
    if (!name) return fallback;
    if (*name == "all") return {};
    if (*name == "active") return {Status::open, Status::pending};
    auto status = parse_status(*name);
    if (!status)
        throw sdk::invalid_argument("status must be one of open, pending, resolved, closed, active, all");
    return {*status};
}

Priority priority_arg(const std::string &name) {
    auto p = parse_priority(name);
    if (!p) throw sdk::invalid_argument("priority must be one of low, normal, high, urgent");
    return *p;
}

json::object page_json(const TicketPage &page) {
    json::array list;
    for (const TicketRow &t : page.tickets) list.push_back(ticket_summary(t));
    return json::object{{"tickets", std::move(list)},
                        {"next_cursor", page.next_cursor ? json::value(*page.next_cursor) : json::value(nullptr)}};
}

json::object ticket_detail(const TicketDetail &d, int64_t now) {
    const TicketRow &t = d.ticket;
    json::object out = ticket_summary(t);
    out["description"] = t.description;
    out["environment"] = environment_json(t, d.owner_view);
    json::array replies, attachments, credentials, reveals;
    for (const ReplyRow &r : d.replies) replies.push_back(reply_view(r));
    for (const AttachmentRow &a : d.attachments) attachments.push_back(attachment_view(a));
    for (const CredentialRow &c : d.credentials) credentials.push_back(credential_view(c, now));
    for (const RevealRow &r : d.reveals) reveals.push_back(reveal_view(r));
    out["replies"] = std::move(replies);
    out["attachments"] = std::move(attachments);
    out["credentials"] = std::move(credentials);
    out["credential_reveals"] = std::move(reveals);
    return out;
}

class TicketsModule final : public sdk::Module,
                            public sdk::PersonalData,
                            public sdk::DataInventory,
                            public sdk::Retention,
                            public sdk::Schema {
public:
    explicit TicketsModule(const sdk::Host &host)
        : sdk::Module(host),
          tickets_(Tickets::Options{Settings::from_json(host.config()), host.raw(),
                                    host.key("credentials", CredentialCipher::kKeyBytes),
                                    [this] { return this->host().now_s(); },
                                    [this](plinth_log_level level, std::string_view message) {
                                        this->host().log(level, std::string(message));
                                    }}),
          settings_(tickets_.settings()) {
        register_ticket_commands();
        register_attachment_commands();
        register_credential_commands();
    }

    // ---- sdk::PersonalData ----

    void export_subject(const sdk::Subject &subject, const sdk::ExportSink &out) override {
        int64_t now = host().now_s();
        SubjectTickets data = tickets_.collect(subject.user_id);
        for (const TicketRow &t : data.tickets) {
            json::object ticket = ticket_summary(t);
            ticket.erase("owner_id");
            ticket["description"] = t.description;
            json::array replies;
            for (const ReplyRow &r : data.replies[t.id]) {
                json::object reply = reply_view(r);
                reply.erase("author_id"); // a staff member's account id is not the subject's data
                replies.push_back(std::move(reply));
            }
            ticket["replies"] = std::move(replies);
            out.item(kCategoryDescription, ticket);
            if (t.environment)
                out.item(kCategoryEnvironment, json::object{{"ticket_id", t.id}, {"environment", environment_json(t, true)}});
            for (const AttachmentRow &a : data.attachments[t.id]) {
                std::string file = "tickets/ticket-" + std::to_string(t.id) + "/" + std::to_string(a.id) + "-" + a.file_name;
                json::object item = attachment_view(a);
                item.erase("uploaded_by");
                item["file"] = file;
                out.item(kCategoryAttachments, item);
                std::vector<uint8_t> bytes = tickets_.content(a);
                out.file(kCategoryAttachments, file, a.media_type, bytes.data(), bytes.size());
            }
            for (const CredentialRow &c : data.credentials[t.id]) {
                json::object item = credential_view(c, now);
                item["note"] = "the site login itself is never exported";
                out.item(kCategoryCredentials, item);
            }
            // Who saw the person's credentials, and when: the recipients of that data (Art. 15(1)(c)).
            for (const RevealRow &r : data.reveals[t.id])
                out.item(kCategoryRevealLog, json::object{{"ticket_id", r.ticket_id},
                                                          {"credential_id", r.credential_id},
                                                          {"revealed_to", "support staff member " + std::to_string(r.revealed_by)},
                                                          {"revealed_by_staff_id", r.revealed_by},
                                                          {"revealed_at", r.revealed_at}});
        }
    }

    void erase_subject(const sdk::Subject &subject, bool dry_run, const sdk::ErasureSink &out) override {
        // Each item is reported from inside the transaction that changes it (see Tickets::erase).
        tickets_.erase(subject.user_id, dry_run, [&](const sdk::ErasureOutcome &o) { out.report(o); });
    }

    // ---- sdk::DataInventory ----

    std::vector<sdk::DataCategory> data_categories() const override { return tickets_.data_categories(); }

    // ---- sdk::Retention ----

    std::vector<sdk::RetentionCount> sweep(int64_t now_us) override { return tickets_.sweep(now_us / 1000000); }

    // ---- sdk::Schema ----

    json::object migrate() override {
        return sdk::db::migrate(tickets_.pool(), plinth::embedded::tickets_migrations());
    }

private:

    int64_t now() const { return host().now_s(); }

    std::optional<std::string> environment_arg(Args &args) {
        const json::object *env = args.optional_object("environment");
        if (env == nullptr) return std::nullopt;
        return json::serialize(normalise_environment(*env, settings_.environment));
    }

    TicketFilter filter_args(Args &args, std::vector<Status> default_statuses) {
        TicketFilter f;
        f.statuses = status_filter(args.optional_string("status", 16), std::move(default_statuses));
        f.limit = args.optional_integer("limit", 1, 100).value_or(20);
        f.cursor = args.optional_string("cursor", 64);
        return f;
    }

    void register_ticket_commands() {
        commands().add({"ticket.create", "Opens a ticket: subject, description, optional product, license_ref, "
                                         "priority (low|normal|high|urgent) and environment",
                        Access::customer, [this](const Caller &caller, Args &args) {
                            require_person(caller);
                            NewTicket t;
                            t.subject = args.string("subject", settings_.subject_bytes);
                            t.description = args.string("description", settings_.description_bytes);
                            t.product = args.optional_string("product", 200);
                            t.license_ref = args.optional_string("license_ref", 200);
                            if (auto p = args.optional_string("priority", 16)) t.priority = priority_arg(*p);
                            t.environment = environment_arg(args);
                            args.finish();
                            return json::value(ticket_detail(tickets_.create(viewer_of(caller), std::move(t)), now()));
                        }});

        commands().add({"ticket.get", "A ticket with its replies, environment, attachments and credential states",
                        Access::customer, [this](const Caller &caller, Args &args) {
                            int64_t id = args.integer("ticket_id", 1, kMaxId);
                            args.finish();
                            return json::value(ticket_detail(tickets_.get(viewer_of(caller), id), now()));
                        }});

        commands().add({"ticket.list", "The caller's own tickets, newest first: status, limit, cursor",
                        Access::customer, [this](const Caller &caller, Args &args) {
                            require_person(caller);
                            TicketFilter f = filter_args(args, {});
                            args.finish();
                            return json::value(page_json(tickets_.list_own(viewer_of(caller), f)));
                        }});

        commands().add({"ticket.queue", "Staff queue, most urgent then oldest first: status (default active), "
                                        "priority, owner_id, product, limit, cursor",
                        Access::staff, [this](const Caller &caller, Args &args) {
                            TicketFilter f = filter_args(args, {Status::open, Status::pending});
                            if (auto p = args.optional_string("priority", 16)) f.priority = priority_arg(*p);
                            f.owner_id = args.optional_integer("owner_id", 1, kMaxId);
                            f.product = args.optional_string("product", 200);
                            args.finish();
                            return json::value(page_json(tickets_.queue(viewer_of(caller), f)));
                        }});

        commands().add({"ticket.reply", "Adds a reply (customer or staff); moves the status as the workflow says",
                        Access::customer, [this](const Caller &caller, Args &args) {
                            require_person(caller);
                            int64_t id = args.integer("ticket_id", 1, kMaxId);
                            std::string body = args.string("body", settings_.reply_bytes);
                            args.finish();
                            ReplyResult r = tickets_.reply(viewer_of(caller), id, body);
                            return json::value(json::object{{"reply", reply_view(r.reply)},
                                                            {"status", status_name(r.status)}});
                        }});

        commands().add({"ticket.set_status", "Moves a ticket along the workflow; closing purges its credentials",
                        Access::customer, [this](const Caller &caller, Args &args) {
                            int64_t id = args.integer("ticket_id", 1, kMaxId);
                            std::string name = args.string("status", 16);
                            args.finish();
                            auto to = parse_status(name);
                            if (!to) throw sdk::invalid_argument("status must be one of open, pending, resolved, closed");
                            StatusChange change = tickets_.set_status(viewer_of(caller), id, *to);
                            if (change.credentials_purged > 0)
                                host().log(PLINTH_LOG_INFO, "ticket " + std::to_string(id) + " closed: " +
                                                                std::to_string(change.credentials_purged) +
                                                                " credential(s) purged");
                            return json::value(json::object{{"ticket_id", id},
                                                            {"status", status_name(change.status)},
                                                            {"credentials_purged", change.credentials_purged}});
                        }});

        commands().add({"ticket.set_priority", "Changes a ticket's priority", Access::staff,
                        [this](const Caller &caller, Args &args) {
                            int64_t id = args.integer("ticket_id", 1, kMaxId);
                            Priority p = priority_arg(args.string("priority", 16));
                            args.finish();
                            tickets_.set_priority(viewer_of(caller), id, p);
                            return json::value(json::object{{"ticket_id", id}, {"priority", priority_name(p)}});
                        }});

        commands().add({"ticket.set_environment", "Replaces (or with null clears) the ticket's environment; owner only",
                        Access::customer, [this](const Caller &caller, Args &args) {
                            int64_t id = args.integer("ticket_id", 1, kMaxId);
                            if (!args.has("environment"))
                                throw sdk::invalid_argument("missing argument 'environment' (object or null)");
                            std::optional<std::string> env = environment_arg(args);
                            args.finish();
                            TicketRow stored = tickets_.set_environment(viewer_of(caller), id, env);
                            return json::value(
                                json::object{{"ticket_id", id}, {"environment", environment_json(stored, true)}});
                        }});
    }

    void register_attachment_commands() {
        commands().add({"attachment.add", "Attaches a file: ticket_id, file_name, media_type, content_base64",
                        Access::customer, [this](const Caller &caller, Args &args) {
                            require_person(caller);
                            int64_t id = args.integer("ticket_id", 1, kMaxId);
                            std::string name = args.string("file_name", 255);
                            std::string media_type = args.string("media_type", 127);
                            std::optional<std::string> encoded = args.optional_string("content_base64", SIZE_MAX);
                            args.finish();
                            if (!encoded) throw sdk::invalid_argument("missing argument 'content_base64' (string)");
                            // Refused before the (possibly large) content is decoded; the service
                            // checks them again with the content.
                            check_file_name(name);
                            check_media_type(media_type);
                            NewAttachment file{std::move(name), std::move(media_type),
                                               decode_base64("content_base64", *encoded,
                                                             settings_.attachments.max_bytes)};
                            encoded.reset();
                            AddedAttachment added = tickets_.add_attachment(viewer_of(caller), id, file);
                            json::object out = attachment_view(added.attachment);
                            out["deduplicated"] = added.deduplicated;
                            return json::value(std::move(out));
                        }});

        commands().add({"attachment.get", "An attachment's metadata and content_base64, if the caller may see its ticket",
                        Access::customer, [this](const Caller &caller, Args &args) {
                            int64_t id = args.integer("attachment_id", 1, kMaxId);
                            args.finish();
                            Download download = tickets_.attachment(viewer_of(caller), id);
                            const AttachmentRow &a = download.attachment;
                            const std::vector<uint8_t> &bytes = download.content;
                            json::object out = attachment_view(a);
                            // What an HTTP face must send with the bytes (docs/modules/tickets.md).
                            auto active = active_content(a.file_name, a.media_type, bytes);
                            out["active_content"] = active.has_value();
                            json::object headers;
                            for (auto &[header, header_value] : download_headers(a.file_name, a.media_type, bytes))
                                headers[header] = header_value;
                            out["download_headers"] = std::move(headers);
                            out["content_base64"] = sdk::encoding::to_base64(bytes);
                            return json::value(std::move(out));
                        }});

        commands().add({"attachment.remove", "Removes an attachment (owner or staff)", Access::customer,
                        [this](const Caller &caller, Args &args) {
                            int64_t id = args.integer("attachment_id", 1, kMaxId);
                            args.finish();
                            tickets_.remove_attachment(viewer_of(caller), id);
                            return json::value(json::object{{"attachment_id", id}, {"removed", true}});
                        }});
    }

    void register_credential_commands() {
        commands().add({"credential.add", "Shares a site login with support (owner only): ticket_id, site_url, "
                                          "username, password, note, ttl_days",
                        Access::customer, [this](const Caller &caller, Args &args) {
                            require_person(caller);
                            int64_t id = args.integer("ticket_id", 1, kMaxId);
                            CredentialSecret secret;
                            secret.site_url = args.string("site_url", 2048);
                            secret.username = args.string("username", 256);
                            secret.password = args.string("password", 1024);
                            secret.note = args.optional_string("note", 2000).value_or("");
                            auto ttl = args.optional_integer("ttl_days", 1, settings_.credentials.ttl_days);
                            args.finish();
                            CredentialRow row = tickets_.add_credential(viewer_of(caller), id, secret, ttl);
                            return json::value(credential_view(row, now()));
                        }});

        commands().add({"credential.reveal", "Shows a credential to a staff member and logs the reveal",
                        Access::staff, [this](const Caller &caller, Args &args) {
                            require_person(caller);
                            int64_t id = args.integer("credential_id", 1, kMaxId);
                            args.finish();
                            RevealedCredential r = tickets_.reveal_credential(viewer_of(caller), id);
                            json::object out = credential_view(r.credential, now());
                            out["site_url"] = r.secret.site_url;
                            out["username"] = r.secret.username;
                            out["password"] = r.secret.password;
                            out["note"] = r.secret.note;
                            out["reveal"] = reveal_view(r.log);
                            return json::value(std::move(out));
                        }});

        commands().add({"credential.remove", "Withdraws a credential now (owner or staff); its ciphertext is purged",
                        Access::customer, [this](const Caller &caller, Args &args) {
                            int64_t id = args.integer("credential_id", 1, kMaxId);
                            args.finish();
                            return json::value(credential_view(tickets_.withdraw_credential(viewer_of(caller), id), now()));
                        }});

        commands().add({"credential.log", "Who revealed the ticket's credentials, and when (owner or staff)",
                        Access::customer, [this](const Caller &caller, Args &args) {
                            int64_t id = args.integer("ticket_id", 1, kMaxId);
                            args.finish();
                            json::array list;
                            for (const RevealRow &r : tickets_.reveal_log(viewer_of(caller), id))
                                list.push_back(reveal_view(r));
                            return json::value(json::object{{"ticket_id", id}, {"reveals", std::move(list)}});
                        }});
    }

    Tickets tickets_;
    const Settings &settings_; // the service's, for argument limits
};

} // namespace
} // namespace plinth::tickets

PLINTH_MODULE_WITH_DEPENDENCIES(plinth::tickets::TicketsModule, "tickets", "1.0.0",
                                "Support tickets: workflow, environment, attachments, encrypted temporary credentials",
                                {{sizeof(plinth_dependency), "accounts", 1}})
