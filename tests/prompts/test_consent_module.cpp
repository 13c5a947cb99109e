// A stand-in for the privacy module's plinth.consent/1, built only for the prompts tests (it goes
// to test-modules/, which the demo host never scans). It answers from a deny list the test sets
// through JSON commands and remembers every question, so the tests can check what prompts asks.
#include <plinth/plinth.h>
#include <plinth/sdk/module.hpp>

#include <boost/json.hpp>

#include <mutex>
#include <set>

namespace {

using plinth::sdk::Access;
using plinth::sdk::Args;
using plinth::sdk::Caller;

class TestConsent final : public plinth::sdk::Module {
public:
    explicit TestConsent(const plinth::sdk::Host &host) : Module(host) {
        commands().add({"deny", "Answer 0 for this user", Access::system, [this](const Caller &, Args &a) {
                            int64_t id = a.integer("user_id", 1, INT64_MAX);
                            a.finish();
                            std::lock_guard lock(mutex_);
                            denied_.insert(id);
                            return boost::json::value(nullptr);
                        }});
        commands().add({"fail", "Fail every question (or stop failing)", Access::system, [this](const Caller &, Args &a) {
                            bool on = a.boolean("on", true);
                            a.finish();
                            std::lock_guard lock(mutex_);
                            failing_ = on;
                            return boost::json::value(nullptr);
                        }});
        commands().add({"questions", "Every question asked so far", Access::system, [this](const Caller &, Args &a) {
                            a.finish();
                            std::lock_guard lock(mutex_);
                            return boost::json::value(questions_);
                        }});
    }

    std::vector<Offer> extra_interfaces() const override { return {{PLINTH_EXT_CONSENT, &kConsent}}; }

private:
    static int32_t is_allowed(const plinth_module *m, const plinth_subject *subject, plinth_str purpose,
                              int32_t requires_opt_in, int32_t *allowed, plinth_error *error) {
        return plinth::sdk::guard(error, [&] {
            auto &self = plinth::sdk::self<TestConsent>(m);
            auto s = plinth::sdk::Subject::from(subject);
            std::lock_guard lock(self.mutex_);
            self.questions_.push_back({{"user_id", s.user_id},
                                       {"emails", s.emails.size()},
                                       {"purpose", plinth::sdk::to_view(purpose)},
                                       {"requires_opt_in", requires_opt_in}});
            if (self.failing_) throw plinth::sdk::Error(PLINTH_E_DATABASE, "consent ledger unreachable");
            *allowed = self.denied_.count(s.user_id) ? 0 : 1;
        });
    }

    static const plinth_consent_v1 kConsent;

    std::mutex mutex_;
    std::set<int64_t> denied_;
    bool failing_ = false;
    boost::json::array questions_;
};

const plinth_consent_v1 TestConsent::kConsent = {sizeof(plinth_consent_v1), &TestConsent::is_allowed};

} // namespace

PLINTH_MODULE(TestConsent, "prompts_test_consent", "1.0.0", "Test-only plinth.consent/1 provider for the prompts suite")
