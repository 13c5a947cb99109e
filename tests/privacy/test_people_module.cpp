// A stand-in for the accounts module's typed answers, built only for the privacy tests (it goes to
// test-modules/, which the demo host never scans). It offers plinth.subject-resolver/1 and
// plinth.account-roles/1 over people a test adds through JSON commands, under an id that is not
// "accounts" and without any profile command: privacy can learn a role from it only through the
// registry and the typed interface.
#include <plinth/plinth.h>
#include <plinth/sdk/module.hpp>

#include <boost/json.hpp>

#include <map>
#include <mutex>
#include <optional>

namespace {

using plinth::sdk::Access;
using plinth::sdk::Args;
using plinth::sdk::Caller;

class TestPeople final : public plinth::sdk::Module {
public:
    explicit TestPeople(const plinth::sdk::Host &host) : Module(host) {
        commands().add({"person.add",
                        "Adds an account (user_id, email, role?: any integer, answered as given; without one the "
                        "role question answers not_found, as for an account erased meanwhile)",
                        Access::system, [this](const Caller &, Args &a) {
                            int64_t id = a.integer("user_id", 1, INT64_MAX);
                            std::string email = a.string("email", 254);
                            auto role = a.optional_integer("role", INT32_MIN, INT32_MAX);
                            a.finish();
                            std::lock_guard lock(mutex_);
                            people_[id] = Person{email, role ? std::optional<int32_t>(static_cast<int32_t>(*role))
                                                             : std::nullopt};
                            return boost::json::value(nullptr);
                        }});
        commands().add({"roles.fail", "Fails every role question (or stops failing)", Access::system,
                        [this](const Caller &, Args &a) {
                            bool on = a.boolean("on", true);
                            a.finish();
                            std::lock_guard lock(mutex_);
                            failing_ = on;
                            return boost::json::value(nullptr);
                        }});
        commands().add({"roles.asked", "How many role questions arrived so far", Access::system,
                        [this](const Caller &, Args &a) {
                            a.finish();
                            std::lock_guard lock(mutex_);
                            return boost::json::value(asked_);
                        }});
    }

    std::vector<Offer> extra_interfaces() const override {
        return {{PLINTH_EXT_SUBJECT_RESOLVER, &kResolver}, {PLINTH_EXT_ACCOUNT_ROLES, &kRoles}};
    }

private:
    struct Person {
        std::string email;
        std::optional<int32_t> role;
    };

    // By address or by id, as accounts answers: the account and its one address, or user_id 0.
    static int32_t resolve(const plinth_module *m, plinth_str email, int64_t user_id, const plinth_subject_sink *out,
                           plinth_error *error) {
        return plinth::sdk::guard(error, [&] {
            auto &self = plinth::sdk::self<TestPeople>(m);
            std::string address(plinth::sdk::to_view(email));
            int64_t found = 0;
            {
                std::lock_guard lock(self.mutex_);
                for (const auto &[id, person] : self.people_)
                    if (user_id > 0 ? id == user_id : person.email == address) {
                        found = id;
                        address = person.email;
                    }
            }
            plinth_str given = plinth::sdk::to_str(address);
            plinth_subject subject{sizeof(plinth_subject), found, address.empty() ? nullptr : &given,
                                   address.empty() ? 0u : 1u};
            if (out->subject(out->context, &subject) != 0) throw plinth::sdk::Error(PLINTH_E_SINK, "sink refused");
        });
    }

    static int32_t role_of(const plinth_module *m, int64_t user_id, int32_t *role, plinth_error *error) {
        return plinth::sdk::guard(error, [&] {
            auto &self = plinth::sdk::self<TestPeople>(m);
            std::lock_guard lock(self.mutex_);
            ++self.asked_;
            if (self.failing_) throw plinth::sdk::Error(PLINTH_E_DATABASE, "the people directory is unreachable");
            auto it = self.people_.find(user_id);
            if (it == self.people_.end() || !it->second.role)
                throw plinth::sdk::not_found("no account with id " + std::to_string(user_id));
            *role = *it->second.role;
        });
    }

    static const plinth_subject_resolver_v1 kResolver;
    static const plinth_account_roles_v1 kRoles;

    std::mutex mutex_;
    std::map<int64_t, Person> people_;
    bool failing_ = false;
    int64_t asked_ = 0;
};

const plinth_subject_resolver_v1 TestPeople::kResolver = {sizeof(plinth_subject_resolver_v1), &TestPeople::resolve};
const plinth_account_roles_v1 TestPeople::kRoles = {sizeof(plinth_account_roles_v1), &TestPeople::role_of};

} // namespace

PLINTH_MODULE(TestPeople, "privacy_test_people", "1.0.0",
              "Test-only plinth.subject-resolver/1 and plinth.account-roles/1 for the privacy suite")
