// privacy/service/directory.hpp — what the privacy service needs from the other loaded modules.
//
// The service sees other modules only through this interface; registry_directory.cpp implements
// it over the host registry and the plinth.* C interfaces, tests may implement it directly.
#pragma once

#include "../domain/erasure.hpp"
#include "../domain/inventory.hpp"

#include <plinth/sdk/module.hpp>
#include <plinth/sdk/db.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::privacy {

class ExportReceiver {
public:
    virtual ~ExportReceiver() = default;
    // One item: `json_object` is the module's JSON text (validated by the receiver).
    virtual void item(std::string_view category, std::string_view json_object) = 0;
    virtual void file(std::string_view category, std::string_view name, std::string_view media_type,
                      const uint8_t *bytes, size_t size) = 0;
};

class ErasureReceiver {
public:
    virtual ~ErasureReceiver() = default;
    // `record.module` is filled in by the participant.
    virtual void outcome(const ErasureRecord &record) = 0;
    // The same, reported by this module's own erasure from inside the transaction `c` that makes
    // the change: a receiver that stores outcomes in this database stores it there, so the change
    // and its outcome commit together or not at all.
    virtual void outcome_within(sdk::db::Connection &c, const ErasureRecord &record) {
        (void)c;
        outcome(record);
    }
};

// One module taking part in export and erasure.
class Participant {
public:
    virtual ~Participant() = default;
    virtual const std::string &module() const = 0;
    virtual void export_subject(const sdk::Subject &subject, ExportReceiver &out) = 0;
    virtual void erase_subject(const sdk::Subject &subject, bool dry_run, ErasureReceiver &out) = 0;
};

struct SweepCount {
    std::string category;
    std::string action;
    int64_t count = 0;
};

struct ModuleSweep {
    std::string module;
    std::vector<SweepCount> counts;
    std::string error; // non-empty when the module's sweep failed (the others still ran)
};

struct ListenerResult {
    std::string module;
    std::string error; // empty: the listener accepted the change
};

class Directory {
public:
    virtual ~Directory() = default;
    // Every loaded module (the privacy module included) with its interfaces and declarations.
    virtual Register inventory(int64_t now_s) = 0;
    // Exporters and erasers of every other loaded module, in initialisation order.
    virtual std::vector<std::unique_ptr<Participant>> participants() = 0;
    // Runs the retention sweep of every other loaded module.
    virtual std::vector<ModuleSweep> sweep_others(int64_t now_us) = 0;
    // Asks the accounts module who owns `email`: nullopt when no accounts module is loaded.
    // Throws when accounts is loaded but cannot answer (proceeding would miss the account).
    virtual std::optional<sdk::Subject> resolve(std::string_view email) = 0;
    // The same for an account id; an unknown id gives user_id 0.
    virtual std::optional<sdk::Subject> resolve_user(int64_t user_id) = 0;
    // The account's role (PLINTH_ROLE_*), from the first module offering plinth.account-roles/1
    // (accounts): nullopt without one or for an account that no longer exists. Throws when the
    // provider cannot answer or answers a role outside the three.
    virtual std::optional<int32_t> role_of(int64_t user_id) = 0;
    // Tells every consent listener about a change; never throws, reports per module.
    virtual std::vector<ListenerResult> notify_consent(const sdk::Subject &subject, std::string_view purpose,
                                                       bool allowed) = 0;
};

} // namespace plinth::privacy
