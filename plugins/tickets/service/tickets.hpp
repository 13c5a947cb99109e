// tickets/service/tickets.hpp — the tickets module's use cases, free of JSON and of the C ABI.
//
// Tickets owns the transactions and every permission check: who may see a ticket (domain/
// access.hpp), who may change what, and the workflow (domain/workflow.hpp), decided on rows
// locked inside the transaction before anything is written, so a refusal changes nothing. The
// stores only run SQL; module.cpp only translates JSON. Every method is [thread-safe].
//
// Rationale: a ticket that exists but belongs to someone else is reported exactly like one that
// does not exist (PLINTH_E_NOT_FOUND), so customers cannot probe ticket ids.
#pragma once

#include "../domain/access.hpp"
#include "../domain/credential_cipher.hpp"
#include "../domain/credentials.hpp"
#include "../domain/inventory.hpp"
#include "../domain/settings.hpp"
#include "../store/attachment_store.hpp"
#include "../store/credential_store.hpp"
#include "../store/data_folder.hpp"
#include "../store/ticket_store.hpp"

#include <plinth/sdk/db.hpp>
#include <plinth/sdk/module.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::tickets {

// A ticket with everything shown with it.
struct TicketDetail {
    TicketRow ticket;
    bool owner_view = false; // the viewer owns it: private environment values are theirs to see
    std::vector<ReplyRow> replies;
    std::vector<AttachmentRow> attachments;
    std::vector<CredentialRow> credentials;
    std::vector<RevealRow> reveals;
};

struct ReplyResult {
    ReplyRow reply;
    Status status; // the ticket's status after the reply
};

struct StatusChange {
    Status status;
    int64_t credentials_purged = 0;
};

struct NewAttachment {
    std::string file_name;
    std::string media_type;
    std::vector<uint8_t> content; // decoded; checked against the policy by the service
};

struct Download {
    AttachmentRow attachment;
    std::vector<uint8_t> content;
};

struct RevealedCredential {
    CredentialRow credential;
    CredentialSecret secret;
    RevealRow log;
};

// Everything in the tickets a subject owns (read only).
struct SubjectTickets {
    std::vector<TicketRow> tickets;
    std::map<int64_t, std::vector<ReplyRow>> replies;          // by ticket id
    std::map<int64_t, std::vector<AttachmentRow>> attachments; // by ticket id
    std::map<int64_t, std::vector<CredentialRow>> credentials; // by ticket id
    std::map<int64_t, std::vector<RevealRow>> reveals;         // by ticket id: who saw the credentials
};

class Tickets {
public:
    struct Options {
        Settings settings;
        const plinth_host *database = nullptr;      // whose plinth.db/1 to use
        std::vector<uint8_t> credential_key;        // CredentialCipher::kKeyBytes from the host's secrets
        std::function<int64_t()> now_s;             // the host clock, Unix seconds
        std::function<void(plinth_log_level level, std::string_view message)> log; // the host log (may be empty)
    };

    explicit Tickets(Options options);

    const Settings &settings() const { return settings_; }
    sdk::db::Database &pool() { return pool_; }
    int64_t now() const { return now_s_(); }

    // A viewer that leaves a name on what it writes (author, uploader, revealer) must be a
    // person, not the host: PLINTH_E_PERMISSION_DENIED otherwise.
    static void require_person(const Viewer &viewer);

    // ---- Tickets ----
    TicketDetail create(const Viewer &viewer, NewTicket ticket);
    TicketDetail get(const Viewer &viewer, int64_t ticket_id);
    TicketPage list_own(const Viewer &viewer, const TicketFilter &filter);
    TicketPage queue(const Viewer &viewer, const TicketFilter &filter); // staff
    ReplyResult reply(const Viewer &viewer, int64_t ticket_id, const std::string &body);
    // Closing purges the ticket's credentials in the same transaction.
    StatusChange set_status(const Viewer &viewer, int64_t ticket_id, Status to);
    void set_priority(const Viewer &viewer, int64_t ticket_id, Priority priority); // staff
    // Only the owner may replace the environment (it is their system, and their private
    // values). Returns the ticket as stored afterwards.
    TicketRow set_environment(const Viewer &viewer, int64_t ticket_id, const std::optional<std::string> &environment);

    // ---- Attachments ----
    // Owner or staff while the ticket takes changes; refused while the database's disk is short.
    AddedAttachment add_attachment(const Viewer &viewer, int64_t ticket_id, const NewAttachment &file);
    Download attachment(const Viewer &viewer, int64_t attachment_id);
    void remove_attachment(const Viewer &viewer, int64_t attachment_id);

    // ---- Credentials ----
    // Only the ticket's owner shares credentials.
    CredentialRow add_credential(const Viewer &viewer, int64_t ticket_id, const CredentialSecret &secret,
                                 std::optional<int64_t> ttl_days);
    // Staff only (a person: the log needs a who). Each success appends a reveal log row in the
    // same transaction. An expired credential is purged on the spot and PLINTH_E_EXPIRED thrown;
    // a purged one gives PLINTH_E_EXPIRED naming the reason.
    RevealedCredential reveal_credential(const Viewer &viewer, int64_t credential_id);
    // The owner or staff withdraw a credential before it expires.
    CredentialRow withdraw_credential(const Viewer &viewer, int64_t credential_id);
    // Who revealed the ticket's credentials (owner or staff).
    std::vector<RevealRow> reveal_log(const Viewer &viewer, int64_t ticket_id);

    // ---- Personal data, inventory, retention (service/personal_data.cpp) ----
    SubjectTickets collect(int64_t user_id);
    std::vector<uint8_t> content(const AttachmentRow &attachment);
    // Removes the subject's tickets with everything in them (staff replies included) and their
    // files; anonymises what the subject wrote in other people's tickets (as staff); retains the
    // reveal log entries about the subject's credentials and of credentials the subject revealed
    // (as staff) until they age out (entries already past that are removed). With dry_run nothing
    // changes and the outcomes say what would happen. Idempotent.
    //
    // `report` receives every outcome inside the transaction that makes its change, before the
    // commit: a crash never loses the report of a committed change, and a retried or resumed
    // transaction reports its items again (the receiver keeps one outcome per item).
    void erase(int64_t user_id, bool dry_run, const std::function<void(const sdk::ErasureOutcome &)> &report);
    std::vector<sdk::RetentionCount> sweep(int64_t now_s);
    std::vector<sdk::DataCategory> data_categories() const;

private:
    // The ticket, locked, when `viewer` may read it; PLINTH_E_NOT_FOUND otherwise.
    static TicketRow lock_visible(sdk::db::Connection &c, const Viewer &viewer, int64_t ticket_id);
    // The credential and its ticket, both locked (ticket first, the order every writer uses).
    StoredCredential lock_credential(sdk::db::Connection &c, const Viewer &viewer, int64_t credential_id,
                                     TicketRow &ticket);
    void check_data_folder_room(size_t upload_bytes);
    // Closed tickets before `cutoff` lose everything that identifies their owner.
    int64_t anonymise_closed_before(int64_t cutoff, int64_t now);
    int64_t remove_orphans();

    Settings settings_;
    std::function<int64_t()> now_s_;
    std::function<void(plinth_log_level, std::string_view)> log_;
    sdk::db::Database pool_;
    std::unique_ptr<CredentialCipher> cipher_;
    DataFolder data_folder_;
};

} // namespace plinth::tickets
