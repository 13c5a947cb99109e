// privacy/service/registry_directory.hpp — the Directory over the host registry (C ABI calls).
#pragma once

#include "directory.hpp"

#include <plinth/sdk/host.hpp>

#include <boost/json/object.hpp>

#include <string>

namespace plinth::privacy {

// Reaches other modules only through plinth.registry/1 and the plinth.* interfaces. Every
// callback handed to another module catches its own exceptions: nothing may unwind through
// the other module's frames. [thread-safe]
class RegistryDirectory final : public Directory {
public:
    RegistryDirectory(const sdk::Host &host, std::string self_id) : host_(host), self_(std::move(self_id)) {}

    Register inventory(int64_t now_s) override;
    std::vector<std::unique_ptr<Participant>> participants() override;
    std::vector<ModuleSweep> sweep_others(int64_t now_us) override;
    std::optional<sdk::Subject> resolve(std::string_view email) override;
    std::optional<sdk::Subject> resolve_user(int64_t user_id) override;
    std::optional<int32_t> role_of(int64_t user_id) override;
    std::vector<ListenerResult> notify_consent(const sdk::Subject &subject, std::string_view purpose,
                                               bool allowed) override;

private:
    std::optional<sdk::Subject> ask_resolver(std::string_view email, int64_t user_id);

    sdk::Host host_;
    std::string self_;
};

// A borrowed plinth_subject over an sdk::Subject (which must outlive it).
class AbiSubject {
public:
    explicit AbiSubject(const sdk::Subject &subject);
    const plinth_subject *get() const { return &subject_; }

private:
    std::vector<plinth_str> emails_;
    plinth_subject subject_{};
};

} // namespace plinth::privacy
