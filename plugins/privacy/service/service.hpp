// privacy/service/service.hpp — the privacy module's behaviour, behind its JSON commands and C
// interfaces: consent ledger, data-subject requests and their resumable execution, export
// archives, erasure with per-item outcomes, and the retention sweep across modules.
//
// module.cpp only translates arguments and renders the typed results (views.cpp); every rule
// lives here, the domain folder and the store.
#pragma once

#include "../domain/consent.hpp"
#include "../domain/inventory.hpp"
#include "../domain/request.hpp"
#include "../domain/settings.hpp"
#include "../store/privacy_store.hpp"
#include "directory.hpp"
#include "results.hpp"

#include <plinth/sdk/module.hpp>
#include <plinth/sdk/db.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace plinth::privacy {

inline constexpr std::string_view kModuleId = "privacy";

// Category names this module declares for itself.
inline constexpr std::string_view kConsentCategory = "consent records";
inline constexpr std::string_view kRequestCategory = "data subject requests";
inline constexpr std::string_view kArchiveCategory = "export archives";

// Who a consent command is about: an email address or an account id (exactly one).
struct SubjectRef {
    std::optional<std::string> email;
    std::optional<int64_t> user_id;
};

struct ConsentChange {
    ConsentAction action = ConsentAction::grant;
    std::string purpose; // empty for restrict / lift_restriction
    std::string policy_version;
    std::string source;
};

// plinth.consent/1's answer for one person and purpose.
struct ConsentAnswer {
    std::string purpose;
    int64_t user_id = 0;
    bool requires_opt_in = false;
    bool allowed = false;
};

// What a consent change recorded and who was told.
struct ConsentChangeResult {
    int64_t event_id = 0;
    ConsentAction action = ConsentAction::grant;
    int64_t recorded_at = 0; // Unix seconds
    int64_t user_id = 0;
    std::vector<PurposeNotice> notified;
    bool subject_wide = false; // restrict / lift_restriction: every purpose at once
    std::string purpose;       // the purpose changed, when not subject-wide
    bool allowed = false;      // its answer now, when not subject-wide
    bool restricted = false;   // whether processing is now restricted, when subject-wide
};

// A person's consent ledger: the answer now for every purpose they have events for, and every
// event, oldest first.
struct ConsentHistory {
    int64_t user_id = 0;
    bool restricted = false;
    std::vector<std::pair<std::string, bool>> current; // purpose, allowed
    std::vector<ConsentEventRow> events;
};

// A message for a person, handed to the host's plinth.notify/1 (mail in a real host).
struct OutboundMessage {
    std::string recipient, topic, subject, body;
};

class PrivacyService {
public:
    using Log = std::function<void(plinth_log_level, std::string_view)>;
    // The host's delivery of messages to people. `available` says whether it can deliver now;
    // `send` delivers or throws (sdk::Error). Without it tokens reach nobody but the console
    // operator.
    struct Deliver {
        std::function<bool()> available;
        std::function<void(const OutboundMessage &)> send;
        bool ready() const { return available && send && available(); }
    };

    PrivacyService(Settings settings, sdk::db::Database &pool, std::vector<uint8_t> hash_key, Directory &directory,
                   std::function<int64_t()> now_s, Log log, Deliver deliver = {});

    const Settings &settings() const { return settings_; }

    // ---- this module as a participant (its own data) ----
    std::vector<sdk::DataCategory> own_categories() const;
    void export_own(const sdk::Subject &subject, ExportReceiver &out);
    // `running_request` is the erasure request being executed (its own record stays readable
    // until it completes); 0 when called from outside a request.
    void erase_own(const sdk::Subject &subject, bool dry_run, int64_t running_request, ErasureReceiver &out);
    std::vector<SweepCount> sweep_own(int64_t now_s);

    // ---- register of processing ----
    InventoryDocument inventory(InventoryFormat format);

    // ---- consent ledger (plinth.consent/1 and commands) ----
    bool is_allowed(const sdk::Subject &subject, std::string_view purpose, bool requires_opt_in);
    ConsentChangeResult change_consent(const sdk::Caller &caller, const SubjectRef &who, const ConsentChange &change);
    ConsentHistory consent_history(const sdk::Caller &caller, const SubjectRef &who);
    // The answer of plinth.consent/1 for a person named by address or account id; without
    // `requires_opt_in` the purpose catalogue decides.
    ConsentAnswer check_consent(const SubjectRef &who, std::string_view purpose, std::optional<bool> requires_opt_in);

    // ---- data-subject requests ----
    RequestCreated create_request(const sdk::Caller &caller, std::string_view email, RequestKind kind,
                                  std::optional<std::string> purpose);
    // The request as confirmed.
    RequestRow confirm_request(int64_t id, std::string_view token);
    RequestResult execute_request(const sdk::Caller &caller, int64_t id);
    RequestDetail get_request(const sdk::Caller &caller, int64_t id);
    RequestPage list_requests(std::optional<RequestStatus> status, std::optional<int64_t> user_id, int64_t limit,
                              std::optional<int64_t> before_id);
    AuditVerification verify_audit();
    // What a completed export's archive holds, checked against its manifest.
    ArchiveContents archive_contents(const sdk::Caller &caller, int64_t id);

    // ---- operator shortcuts (system caller) ----
    RequestResult export_now(const sdk::Caller &caller, std::string_view email, const std::optional<std::string> &out);
    RequestResult erase_now(const sdk::Caller &caller, std::string_view email);
    ErasurePreview preview_erasure(const sdk::Caller &caller, std::string_view email);
    SweepReport sweep();

    // Keyed hash of a normalised address (32 bytes), the form addresses are matched in.
    std::string email_hash(std::string_view email) const;

private:
    struct Created {
        int64_t id = 0;
        std::string token;
        int64_t token_expires_at = 0;
        int64_t deadline_at = 0;
        std::vector<int64_t> replaced; // failed requests this one replaced
    };
    class SelfParticipant;

    int64_t now() const { return now_s_(); }
    sdk::Subject resolve(std::string_view email);
    sdk::Subject subject_of(const SubjectRef &who);
    SubjectKeys keys_of(const sdk::Subject &subject) const;
    std::string open_slot(RequestKind kind, const sdk::Subject &subject, std::string_view email) const;

    RequestRow confirm(int64_t id, std::string_view token, const std::string &actor);
    // The console operator confirms a pending request without its token (they may: they can read
    // the database anyway); recorded in the audit trail as such.
    void confirm_by_operator(int64_t id);
    // Sends the confirmation token to the person (the account's current address, or the address
    // given when there is no account); throws unavailable when the host cannot deliver.
    void deliver_token(const sdk::Subject &subject, std::string_view address, int64_t id, RequestKind kind,
                       const std::string &token, int64_t token_expires_at);
    // Erasing (or restricting) a staff member's or administrator's data needs an administrator,
    // unless it is their own request.
    void require_may_act_on_role(const sdk::Caller &caller, RequestKind kind, int64_t subject_user_id);
    // Cancels every open request of the subject but `running_request` (an erasure settles them
    // all) and deletes the export staging of those; returns them. With `dry_run` only lists.
    std::vector<RequestRow> settle_open_requests(const SubjectKeys &keys, int64_t running_request, bool dry_run);
    Created create(const sdk::Caller &caller, std::string_view email, RequestKind kind,
                   std::optional<std::string> purpose);
    RequestResult run(const sdk::Caller &caller, RequestRow request);
    ExportRun run_export(RequestRow &request, const sdk::Subject &subject);
    ErasureRun run_erase(RequestRow &request, const sdk::Subject &subject);
    ConsentRun run_consent_request(RequestRow &request, const sdk::Subject &subject);
    std::vector<std::unique_ptr<Participant>> participants_with_self(int64_t running_request);
    void plan_steps(int64_t request_id, const std::vector<std::unique_ptr<Participant>> &participants);
    void after_step(const RequestRow &request, int done_this_run, bool more_to_do);
    std::vector<PurposeNotice> announce(const sdk::Subject &subject, const SubjectKeys &keys,
                                        const std::vector<std::string> &purposes);
    bool answer_for(const ConsentState &state, std::string_view purpose) const;
    void audit(std::optional<int64_t> request_id, std::string_view actor, std::string_view action,
               std::string_view detail);
    RequestSummary summary_of(RequestRow row) const;
    RequestRow visible_request(const sdk::Caller &caller, int64_t id);

    std::filesystem::path privacy_dir() const;
    std::filesystem::path exports_dir() const;
    std::filesystem::path work_dir(int64_t request_id) const;
    void delete_archive_file(const std::string &file_name) const;

    Settings settings_;
    sdk::db::Database &pool_;
    PrivacyStore store_;
    std::vector<uint8_t> hash_key_;
    Directory &directory_;
    std::function<int64_t()> now_s_;
    Log log_;
    Deliver deliver_;
};

// "system", "user:42", "staff:7", "anonymous": how callers appear in the audit log.
std::string actor_label(const sdk::Caller &caller);

} // namespace plinth::privacy
