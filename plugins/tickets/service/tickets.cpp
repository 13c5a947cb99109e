#include "tickets.hpp"

#include "../domain/attachment_policy.hpp"
#include "../domain/content.hpp"
#include "../domain/text.hpp"
#include "../domain/workflow.hpp"

#include <plinth/sdk/error.hpp>

#include <sodium.h>

#include <variant>

namespace plinth::tickets {
using sdk::db::Connection;

namespace {

std::string ticket_not_found(int64_t id) { return "ticket " + std::to_string(id) + " not found"; }
std::string attachment_not_found(int64_t id) { return "attachment " + std::to_string(id) + " not found"; }

// PLINTH_E_CONFLICT when the ticket no longer takes changes (closed or anonymised).
void require_changeable(const TicketRow &ticket) {
    if (ticket.anonymised_at) throw sdk::conflict("ticket " + std::to_string(ticket.id) + " has been anonymised");
    if (!accepts_changes(ticket.status))
        throw sdk::conflict("ticket " + std::to_string(ticket.id) + " is closed; reopen it first");
}

std::unique_ptr<CredentialCipher> make_cipher(std::vector<uint8_t> &key) {
    auto cipher = std::make_unique<CredentialCipher>(key);
    sodium_memzero(key.data(), key.size());
    return cipher;
}

} // namespace

Tickets::Tickets(Options options)
    : settings_(std::move(options.settings)),
      now_s_(std::move(options.now_s)),
      log_(std::move(options.log)),
      pool_(sdk::Host(options.database)),
      cipher_(make_cipher(options.credential_key)),
      data_folder_(pool_) {}

void Tickets::require_person(const Viewer &viewer) {
    if (viewer.system || viewer.user_id <= 0)
        throw sdk::permission_denied("this command must be run on behalf of a signed-in user");
}

TicketRow Tickets::lock_visible(Connection &c, const Viewer &viewer, int64_t ticket_id) {
    auto ticket = TicketStore::find(c, ticket_id, true);
    if (!ticket || !viewer.can_read(ticket->owner_id)) throw sdk::not_found(ticket_not_found(ticket_id));
    return *ticket;
}

// ---- Tickets ----

TicketDetail Tickets::create(const Viewer &viewer, NewTicket t) {
    require_person(viewer);
    check_line("subject", t.subject, settings_.subject_bytes);
    check_text("description", t.description, settings_.description_bytes);
    if (t.product) check_line("product", *t.product, 200);
    if (t.license_ref) check_line("license_ref", *t.license_ref, 200);
    t.owner_id = viewer.user_id;
    const int64_t at = now();
    TicketRow row = pool_.transaction([&](Connection &c) { return TicketStore::insert(c, t, at); });
    TicketDetail detail;
    detail.ticket = std::move(row);
    detail.owner_view = viewer.owns(detail.ticket.owner_id);
    // A new ticket has no replies, files or credentials yet; the detail says so explicitly.
    return detail;
}

TicketDetail Tickets::get(const Viewer &viewer, int64_t ticket_id) {
    return pool_.run([&](Connection &c) {
        auto ticket = TicketStore::find(c, ticket_id, false);
        if (!ticket || !viewer.can_read(ticket->owner_id)) throw sdk::not_found(ticket_not_found(ticket_id));
        TicketDetail d;
        d.owner_view = viewer.owns(ticket->owner_id);
        d.replies = TicketStore::replies(c, ticket_id);
        d.attachments = AttachmentStore::list(c, ticket_id);
        d.credentials = CredentialStore::list(c, ticket_id);
        d.reveals = CredentialStore::reveals(c, ticket_id);
        d.ticket = std::move(*ticket);
        return d;
    });
}

TicketPage Tickets::list_own(const Viewer &viewer, const TicketFilter &filter) {
    require_person(viewer);
    return pool_.run([&](Connection &c) { return TicketStore::list_owned(c, viewer.user_id, filter); });
}

TicketPage Tickets::queue(const Viewer &viewer, const TicketFilter &filter) {
    if (!viewer.staff) throw sdk::permission_denied("only staff can see the ticket queue");
    return pool_.run([&](Connection &c) { return TicketStore::queue(c, filter); });
}

ReplyResult Tickets::reply(const Viewer &viewer, int64_t ticket_id, const std::string &body) {
    require_person(viewer);
    check_text("body", body, settings_.reply_bytes);
    const int64_t at = now();
    return pool_.transaction([&](Connection &c) {
        TicketRow ticket = lock_visible(c, viewer, ticket_id);
        if (ticket.anonymised_at) require_changeable(ticket);
        Actor actor = viewer.actor_for(ticket.owner_id);
        Status next = status_after_reply(ticket.status, actor);
        ReplyRow reply = TicketStore::insert_reply(c, ticket_id, viewer.user_id, actor == Actor::staff, body, at);
        TicketStore::set_status(c, ticket_id, next, at);
        return ReplyResult{std::move(reply), next};
    });
}

StatusChange Tickets::set_status(const Viewer &viewer, int64_t ticket_id, Status to) {
    const int64_t at = now();
    return pool_.transaction([&](Connection &c) {
        TicketRow ticket = lock_visible(c, viewer, ticket_id);
        if (ticket.anonymised_at) require_changeable(ticket);
        StatusChange change{transition(ticket.status, to, viewer.actor_for(ticket.owner_id))};
        if (to == Status::closed)
            change.credentials_purged = CredentialStore::purge_ticket(c, ticket_id, PurgeReason::ticket_closed, at);
        TicketStore::set_status(c, ticket_id, to, at);
        return change;
    });
}

void Tickets::set_priority(const Viewer &viewer, int64_t ticket_id, Priority priority) {
    const int64_t at = now();
    pool_.transaction([&](Connection &c) {
        TicketRow ticket = lock_visible(c, viewer, ticket_id);
        require_changeable(ticket);
        if (!viewer.staff) throw sdk::permission_denied("only staff can change a ticket's priority");
        TicketStore::set_priority(c, ticket_id, priority, at);
    });
}

TicketRow Tickets::set_environment(const Viewer &viewer, int64_t ticket_id,
                                   const std::optional<std::string> &environment) {
    const int64_t at = now();
    return pool_.transaction([&](Connection &c) {
        TicketRow ticket = lock_visible(c, viewer, ticket_id);
        if (!viewer.owns(ticket.owner_id))
            throw sdk::permission_denied("only the ticket's owner can change its environment");
        require_changeable(ticket);
        TicketStore::set_environment(c, ticket_id, environment, at);
        return *TicketStore::find(c, ticket_id, false);
    });
}

// ---- Attachments ----

// Refuses an upload while the database's (local) data folder is short of space; operators
// hear the path and the figures, the customer only that uploads are paused.
void Tickets::check_data_folder_room(size_t upload_bytes) {
    if (settings_.attachments.min_free_disk_bytes == 0) return;
    std::optional<DataFolderSpace> space = data_folder_.space();
    if (!space) return; // a remote server: its operators watch its disk
    try {
        check_disk_room(space->free_bytes, upload_bytes, settings_.attachments);
    } catch (const sdk::Error &) {
        if (log_)
            log_(PLINTH_LOG_WARNING, "attachment refused: the database data folder " + space->path + " has " +
                                         std::to_string(space->free_bytes >> 20) + " MiB free, below " +
                                         "tickets.attachments.min_free_disk_bytes (" +
                                         std::to_string(settings_.attachments.min_free_disk_bytes >> 20) +
                                         " MiB) plus the upload");
        throw;
    }
}

AddedAttachment Tickets::add_attachment(const Viewer &viewer, int64_t ticket_id, const NewAttachment &file) {
    require_person(viewer);
    check_file_name(file.file_name);
    check_media_type(file.media_type);
    check_attachment(file.file_name, file.media_type, file.content, settings_.attachments);
    check_data_folder_room(file.content.size());
    const int64_t at = now();
    return pool_.transaction([&](Connection &c) {
        TicketRow ticket = lock_visible(c, viewer, ticket_id);
        require_changeable(ticket);
        const size_t limit = settings_.attachments.max_per_ticket;
        if (AttachmentStore::count(c, ticket_id) >= static_cast<int64_t>(limit))
            throw sdk::limit_exceeded("ticket " + std::to_string(ticket_id) + " already has " +
                                      std::to_string(limit) + " attachments");
        AddedAttachment added = AttachmentStore::add(c, ticket.owner_id, ticket_id, file.file_name, file.media_type,
                                                     file.content, viewer.user_id, at);
        TicketStore::touch(c, ticket_id, at);
        return added;
    });
}

Download Tickets::attachment(const Viewer &viewer, int64_t attachment_id) {
    AttachmentRow row = pool_.run([&](Connection &c) {
        auto found = AttachmentStore::find(c, attachment_id);
        if (!found || !viewer.can_read(found->ticket_owner_id))
            throw sdk::not_found(attachment_not_found(attachment_id));
        return found->attachment;
    });
    std::vector<uint8_t> bytes = content(row);
    return Download{std::move(row), std::move(bytes)};
}

std::vector<uint8_t> Tickets::content(const AttachmentRow &attachment) {
    return pool_.run([&](Connection &c) { return AttachmentStore::content(c, attachment); });
}

void Tickets::remove_attachment(const Viewer &viewer, int64_t attachment_id) {
    const int64_t at = now();
    pool_.transaction([&](Connection &c) {
        auto ticket_id = AttachmentStore::ticket_of(c, attachment_id);
        if (!ticket_id) throw sdk::not_found(attachment_not_found(attachment_id));
        auto ticket = TicketStore::find(c, *ticket_id, true);
        if (!ticket || !viewer.can_read(ticket->owner_id)) throw sdk::not_found(attachment_not_found(attachment_id));
        require_changeable(*ticket);
        if (!AttachmentStore::remove(c, attachment_id, *ticket_id))
            throw sdk::not_found(attachment_not_found(attachment_id));
        TicketStore::touch(c, *ticket_id, at);
    });
}

// ---- Credentials ----

// Locks the ticket and then the credential, the order every writer of tickets uses (closing a
// ticket locks it before purging its credentials), so the two cannot deadlock. A credential on a
// ticket the viewer may not read is reported as not found, like a missing one.
StoredCredential Tickets::lock_credential(Connection &c, const Viewer &viewer, int64_t credential_id,
                                          TicketRow &ticket) {
    const std::string which = "credential " + std::to_string(credential_id);
    auto ticket_id = CredentialStore::ticket_of(c, credential_id);
    if (!ticket_id) throw sdk::not_found(which + " not found");
    auto found = TicketStore::find(c, *ticket_id, true);
    if (!found || !viewer.can_read(found->owner_id)) throw sdk::not_found(which + " not found");
    auto credential = CredentialStore::lock(c, credential_id);
    // The row changed tickets between the two reads: treat it as gone rather than guess.
    if (!credential || credential->meta.ticket_id != *ticket_id) throw sdk::not_found(which + " not found");
    ticket = std::move(*found);
    return std::move(*credential);
}

CredentialRow Tickets::add_credential(const Viewer &viewer, int64_t ticket_id, const CredentialSecret &secret,
                                      std::optional<int64_t> ttl_days) {
    require_person(viewer);
    check_credential(secret);
    const CredentialLimits &limits = settings_.credentials;
    const int64_t ttl = ttl_days.value_or(limits.ttl_days);
    if (ttl < 1 || ttl > limits.ttl_days)
        throw sdk::invalid_argument("argument 'ttl_days' must be between 1 and " + std::to_string(limits.ttl_days));
    const int64_t at = now();
    return pool_.transaction([&](Connection &c) {
        TicketRow ticket = lock_visible(c, viewer, ticket_id);
        if (!viewer.owns(ticket.owner_id))
            throw sdk::permission_denied("only the ticket's owner can share credentials on it");
        require_changeable(ticket);
        if (CredentialStore::count_live(c, ticket_id, at) >= static_cast<int64_t>(limits.per_ticket))
            throw sdk::limit_exceeded("ticket " + std::to_string(ticket_id) + " already holds " +
                                      std::to_string(limits.per_ticket) + " active credentials");
        const int64_t expires = credential_expiry(at, ttl);
        const int64_t id = CredentialStore::insert(c, ticket_id, viewer.user_id, at, expires);
        std::string plaintext = serialise_secret(secret);
        SealedCredential sealed = cipher_->seal(ticket_id, id, plaintext);
        wipe(plaintext);
        CredentialStore::store_sealed(c, id, sealed);
        TicketStore::touch(c, ticket_id, at);
        return CredentialRow{id, ticket_id, viewer.user_id, at, expires, std::nullopt, std::nullopt};
    });
}

RevealedCredential Tickets::reveal_credential(const Viewer &viewer, int64_t credential_id) {
    if (!viewer.staff || viewer.system || viewer.user_id == 0)
        throw sdk::permission_denied("only staff members can reveal credentials");
    const std::string which = "credential " + std::to_string(credential_id);
    const int64_t at = now();
    // An expired credential is purged and committed before the refusal is thrown, so the
    // transaction returns either the revealed secret or the expiry to report.
    using Outcome = std::variant<RevealedCredential, sdk::Error>;
    Outcome outcome;
    try {
        outcome = pool_.transaction([&](Connection &c) -> Outcome {
            TicketRow ticket;
            StoredCredential stored = lock_credential(c, viewer, credential_id, ticket);
            const CredentialRow &meta = stored.meta;
            if (meta.purged_at)
                return sdk::expired(which + " was purged (" + meta.purge_reason.value_or("unknown") + ") at " +
                                    std::to_string(*meta.purged_at));
            if (credential_state(at, meta.expires_at, meta.purged_at) == CredentialState::expired) {
                CredentialStore::purge(c, credential_id, PurgeReason::expired, at);
                return sdk::expired(which + " expired at " + std::to_string(meta.expires_at) + " and has been purged");
            }
            std::string plaintext = cipher_->open(meta.ticket_id, credential_id, stored.sealed);
            RevealedCredential revealed{meta, parse_secret(plaintext), {}};
            wipe(plaintext);
            revealed.log = CredentialStore::insert_reveal(c, credential_id, meta.ticket_id, viewer.user_id, at);
            return revealed;
        });
    } catch (const sdk::Error &e) {
        // A credential that fails to decrypt means tampering or a changed key: operators must
        // hear of it, not only the staff member who asked.
        if (e.status() == PLINTH_E_INTERNAL && log_) log_(PLINTH_LOG_ERROR, e.what());
        throw;
    }
    if (auto *error = std::get_if<sdk::Error>(&outcome)) throw *error;
    RevealedCredential revealed = std::move(std::get<RevealedCredential>(outcome));
    if (log_)
        log_(PLINTH_LOG_INFO, "credential " + std::to_string(credential_id) + " of ticket " +
                                  std::to_string(revealed.credential.ticket_id) + " revealed to staff member " +
                                  std::to_string(viewer.user_id));
    return revealed;
}

CredentialRow Tickets::withdraw_credential(const Viewer &viewer, int64_t credential_id) {
    const int64_t at = now();
    return pool_.transaction([&](Connection &c) {
        const std::string which = "credential " + std::to_string(credential_id);
        TicketRow ticket;
        CredentialRow meta = lock_credential(c, viewer, credential_id, ticket).meta;
        if (meta.purged_at) throw sdk::conflict(which + " was already purged (" + meta.purge_reason.value_or("") + ")");
        CredentialStore::purge(c, credential_id, PurgeReason::withdrawn, at);
        TicketStore::touch(c, ticket.id, at);
        meta.purged_at = at;
        meta.purge_reason = std::string(purge_reason_name(PurgeReason::withdrawn));
        return meta;
    });
}

std::vector<RevealRow> Tickets::reveal_log(const Viewer &viewer, int64_t ticket_id) {
    return pool_.run([&](Connection &c) {
        auto ticket = TicketStore::find(c, ticket_id, false);
        if (!ticket || !viewer.can_read(ticket->owner_id)) throw sdk::not_found(ticket_not_found(ticket_id));
        return CredentialStore::reveals(c, ticket_id);
    });
}

} // namespace plinth::tickets
