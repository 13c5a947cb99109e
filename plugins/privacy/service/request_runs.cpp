// privacy/service/request_runs.cpp — executing a request: the resumable run, step by step, of an
// export, an erasure, a restriction or an objection.
#include "service_internal.hpp"

#include "../archive/digest.hpp"
#include "../domain/calendar.hpp"
#include "../domain/export_document.hpp"
#include "../views.hpp"
#include "archive_builder.hpp"
#include "export_staging.hpp"

#include <algorithm>
#include <set>

namespace plinth::privacy {

using namespace internal;

class PrivacyService::SelfParticipant final : public Participant {
public:
    SelfParticipant(PrivacyService &service, int64_t running_request)
        : service_(service), running_request_(running_request) {}
    const std::string &module() const override { return id_; }
    void export_subject(const sdk::Subject &subject, ExportReceiver &out) override {
        service_.export_own(subject, out);
    }
    void erase_subject(const sdk::Subject &subject, bool dry_run, ErasureReceiver &out) override {
        service_.erase_own(subject, dry_run, running_request_, out);
    }

private:
    PrivacyService &service_;
    int64_t running_request_;
    std::string id_{kModuleId};
};

RequestResult PrivacyService::run(const sdk::Caller &caller, RequestRow request) {
    const int64_t id = request.id;
    const std::string actor = actor_label(caller);
    sdk::Subject subject;
    std::optional<std::string> freeze;
    if (request.subject_json) {
        // A resumed run works on the subject frozen by the first run: by now accounts may have
        // erased the account that would let us resolve the address again.
        subject = subject_from_json(*request.subject_json);
    } else {
        if (!request.email) throw sdk::Error(PLINTH_E_INTERNAL, "request " + std::to_string(id) + " has no address");
        subject = resolve(*request.email);
        freeze = boost::json::serialize(subject_json(subject));
    }
    const int64_t t = now();
    pool_.transaction([&](Connection &c) {
        if (!store_.mark_running(c, id, t, freeze))
            throw sdk::conflict("request " + std::to_string(id) + " was closed meanwhile (cancelled by an erasure?)");
        store_.audit(c, t, id, actor, "run started",
                     "run " + std::to_string(request.runs + 1) +
                         (request.status == RequestStatus::confirmed ? "" : " (resuming a " +
                                                                                std::string(status_name(request.status)) +
                                                                                " run)"));
    });
    request.status = RequestStatus::running;
    try {
        switch (request.kind) {
        case RequestKind::export_data: return RequestResult{run_export(request, subject)};
        case RequestKind::erase: return RequestResult{run_erase(request, subject)};
        case RequestKind::restrict:
        case RequestKind::object: return RequestResult{run_consent_request(request, subject)};
        }
        throw sdk::Error(PLINTH_E_INTERNAL, "unknown request kind");
    } catch (const InjectedCrash &) {
        throw; // as if the process died: nothing more is recorded
    } catch (const std::exception &e) {
        const std::string message = e.what();
        try {
            pool_.transaction([&](Connection &c) {
                store_.mark_failed(c, id, message);
                store_.audit(c, now(), id, "system", "failed", message);
            });
        } catch (...) {
            // The run stays "running"; the next execute resumes it all the same.
        }
        log_(PLINTH_LOG_ERROR, "request " + std::to_string(id) + " failed: " + message);
        throw;
    }
}

std::vector<std::unique_ptr<Participant>> PrivacyService::participants_with_self(int64_t running_request) {
    auto list = directory_.participants();
    list.push_back(std::make_unique<SelfParticipant>(*this, running_request));
    return list;
}

void PrivacyService::plan_steps(int64_t request_id, const std::vector<std::unique_ptr<Participant>> &participants) {
    const int64_t t = now();
    pool_.transaction([&](Connection &c) {
        int64_t position = 0;
        for (const auto &p : participants) {
            const bool self = p->module() == kModuleId;
            store_.add_step(c, request_id, p->module(), self ? kSelfPosition : position++, t);
        }
    });
}

void PrivacyService::after_step(const RequestRow &request, int done_this_run, bool more_to_do) {
    // Only a request's first run is interrupted, so executing it again shows the resumption.
    if (!settings_.fail_after_modules || request.runs != 0 || !more_to_do ||
        done_this_run < *settings_.fail_after_modules)
        return;
    const std::string message =
        "injected failure after " + std::to_string(done_this_run) + " module(s) (configuration 'fail_after_modules')";
    if (settings_.fail_mode == FailMode::crash) throw InjectedCrash(PLINTH_E_INTERNAL, message);
    throw sdk::Error(PLINTH_E_INTERNAL, message);
}

namespace {

Participant *find_participant(const std::vector<std::unique_ptr<Participant>> &list, const std::string &module) {
    for (const auto &p : list)
        if (p->module() == module) return p.get();
    return nullptr;
}

[[noreturn]] void missing_module(const std::string &module) {
    throw sdk::unavailable("module '" + module + "' took part in this request but is not loaded now; load it and "
                           "execute the request again");
}

} // namespace

ExportRun PrivacyService::run_export(RequestRow &request, const sdk::Subject &subject) {
    const int64_t id = request.id;
    auto participants = participants_with_self(0);
    plan_steps(id, participants);
    make_private_dir(privacy_dir());
    ExportStaging staging(work_dir(id));
    make_private_dir(staging.dir());

    auto steps = pool_.run([&](Connection &c) {
        sdk::db::CausalReads causal(c); // on Galera: steps a previous run finished through another node
        return store_.steps(c, id);
    });
    int done_this_run = 0;
    for (size_t i = 0; i < steps.size(); ++i) {
        const StepRow &step = steps[i];
        if (step.done && staging.is_complete(step.module)) continue;
        Participant *p = find_participant(participants, step.module);
        if (p == nullptr) missing_module(step.module);
        pool_.run([&](Connection &c) { store_.begin_step(c, id, step.module, now()); });
        StagedModuleWriter writer(staging.module_dir(step.module));
        p->export_subject(subject, writer);
        writer.complete();
        StepCounts counts;
        counts.items = writer.items();
        counts.files = writer.files();
        pool_.transaction([&](Connection &c) {
            store_.finish_step(c, id, step.module, counts, now());
            store_.audit(c, now(), id, "system", "module exported",
                         step.module + ": " + std::to_string(counts.items) + " items, " +
                             std::to_string(counts.files) + " files");
        });
        ++done_this_run;
        bool more = false;
        for (size_t j = i + 1; j < steps.size(); ++j) more = more || !steps[j].done || !staging.is_complete(steps[j].module);
        after_step(request, done_this_run, more);
    }

    // Every module is staged: assemble the archive.
    const int64_t t = now();
    Register reg = directory_.inventory(t);
    ExportDocument doc;
    doc.request_id = id;
    doc.generated_at = t;
    doc.user_id = subject.user_id;
    doc.emails = subject.emails;
    std::map<std::string, fs::path> sources;
    std::set<std::string> taken;
    for (const auto &step : steps) {
        ModuleExport m;
        staging.load(step.module, reg, m, sources, taken);
        complete_groups(m, reg);
        doc.modules.push_back(std::move(m));
    }
    make_private_dir(exports_dir());
    if (auto old = pool_.run([&](Connection &c) { return store_.export_of(c, id); }); old && !old->deleted_at)
        delete_archive_file(old->file_name); // an earlier run built it but died before completing
    const std::string file_name = random_hex(16) + ".zip";
    const fs::path path = exports_dir() / file_name;
    BuiltArchive built;
    try {
        built = write_export_archive(doc, sources, path);
    } catch (...) {
        std::error_code ec;
        fs::remove(path, ec);
        throw;
    }
    const int64_t expires_at = t + settings_.export_retention_days * kSecondsPerDay;
    ExportRun result;
    result.request_id = id;
    result.archive = path.string();
    result.items = static_cast<int64_t>(doc.item_count());
    result.file_count = static_cast<int64_t>(doc.file_count());
    result.size = static_cast<int64_t>(built.size);
    result.sha256 = built.sha256;
    result.expires_at = expires_at;
    result.files = built.entries;
    // Stored with the request in the rendering the command returns, for executing it again; the
    // stored one leaves out the archive's file names (ExportRun::files says why).
    const std::string stored = boost::json::serialize(export_run_json(result, RunRendering::stored));
    try {
        pool_.transaction([&](Connection &c) {
            // An erasure of the subject may have cancelled this request while it ran: then the
            // archive may hold erased data and must not be handed out. The row lock orders this
            // check against settle_open_requests.
            auto current = store_.request(c, id, true);
            if (!current || current->status != RequestStatus::running)
                throw sdk::conflict("request " + std::to_string(id) + " was cancelled while it ran" +
                                    (current && current->cancelled_by
                                         ? " (by request " + std::to_string(*current->cancelled_by) + ")"
                                         : std::string()) +
                                    "; no archive was kept");
            store_.add_export(c, {id, file_name, static_cast<int64_t>(built.size), built.sha256, t, expires_at, {}});
            store_.mark_completed(c, id, t, stored, t + settings_.request_retention_days * kSecondsPerDay, false);
            store_.audit(c, t, id, "system", "completed",
                         "archive with " + std::to_string(doc.item_count()) + " items and " +
                             std::to_string(doc.file_count()) + " files, sha256 " + built.sha256);
        });
    } catch (...) {
        std::error_code ec;
        fs::remove(path, ec);
        auto current = pool_.run([&](Connection &c) { return store_.request(c, id); });
        if (current && current->status == RequestStatus::cancelled) staging.remove_all();
        throw;
    }
    staging.remove_all();
    log_(PLINTH_LOG_INFO, "export request " + std::to_string(id) + " completed: " +
                              std::to_string(doc.item_count()) + " items");
    return result;
}

ErasureRun PrivacyService::run_erase(RequestRow &request, const sdk::Subject &subject) {
    const int64_t id = request.id;
    // Before any module erases anything, every other open request of the person is cancelled:
    // an export running now must not finish with data that is about to be erased. (The privacy
    // module's own step settles again, reports them and removes their staging.)
    settle_open_requests(keys_of(subject), id, false);
    auto participants = participants_with_self(id);
    plan_steps(id, participants);
    auto steps = pool_.run([&](Connection &c) {
        sdk::db::CausalReads causal(c); // on Galera: steps a previous run finished through another node
        return store_.steps(c, id);
    });

    // Every outcome is stored the moment it is reported, keyed by module and item: a run that
    // dies inside a module loses nothing it already reported, and the module's second pass
    // (idempotent) cannot add duplicates.
    class Recorder final : public ErasureReceiver {
    public:
        Recorder(PrivacyStore &store, sdk::db::Database &pool, int64_t id, std::optional<int64_t> fail_after,
                 int64_t &recorded)
            : store_(store), pool_(pool), id_(id), fail_after_(fail_after), recorded_(recorded) {}
        void outcome(const ErasureRecord &r) override {
            check_record(r);
            pool_.run([&](Connection &c) { store_.record_outcome(c, id_, r); });
            injected_failure();
        }
        void outcome_within(Connection &c, const ErasureRecord &r) override {
            check_record(r);
            store_.record_outcome(c, id_, r);
            injected_failure();
        }

    private:
        void injected_failure() {
            if (fail_after_ && ++recorded_ >= *fail_after_)
                throw sdk::Error(PLINTH_E_INTERNAL, "injected failure after " + std::to_string(recorded_) +
                                                        " outcome(s) (configuration 'fail_after_items')");
        }

        PrivacyStore &store_;
        sdk::db::Database &pool_;
        int64_t id_;
        std::optional<int64_t> fail_after_;
        int64_t &recorded_; // in this run, across modules
    };

    int done_this_run = 0;
    int64_t recorded_this_run = 0;
    for (size_t i = 0; i < steps.size(); ++i) {
        const StepRow &step = steps[i];
        if (step.done) continue;
        Participant *p = find_participant(participants, step.module);
        if (p == nullptr) missing_module(step.module);
        pool_.run([&](Connection &c) { store_.begin_step(c, id, step.module, now()); });
        Recorder recorder(store_, pool_, id, request.runs == 0 ? settings_.fail_after_items : std::nullopt,
                          recorded_this_run);
        p->erase_subject(subject, false, recorder);
        // Counts cover earlier, interrupted passes too.
        ErasureSummary total;
        for (const auto &r : pool_.run([&](Connection &c) { return store_.outcomes(c, id); }))
            if (r.module == step.module) total.add(r.outcome);
        StepCounts counts;
        counts.removed = total.removed;
        counts.anonymised = total.anonymised;
        counts.retained = total.retained;
        counts.items = total.removed + total.anonymised + total.retained;
        pool_.transaction([&](Connection &c) {
            store_.finish_step(c, id, step.module, counts, now());
            store_.audit(c, now(), id, "system", "module erased",
                         step.module + ": removed " + std::to_string(counts.removed) + ", anonymised " +
                             std::to_string(counts.anonymised) + ", retained " + std::to_string(counts.retained));
        });
        ++done_this_run;
        bool more = false;
        for (size_t j = i + 1; j < steps.size(); ++j) more = more || !steps[j].done;
        after_step(request, done_this_run, more);
    }

    ErasureRun result;
    result.request_id = id;
    result.outcomes = pool_.run([&](Connection &c) { return store_.outcomes(c, id); });
    result.summary = summarise(result.outcomes);
    const ErasureSummary &summary = result.summary;
    const int64_t t = now();
    pool_.transaction([&](Connection &c) {
        store_.mark_completed(c, id, t, boost::json::serialize(erasure_run_json(result)),
                              t + settings_.request_retention_days * kSecondsPerDay, true);
        store_.audit(c, t, id, "system", "completed",
                     "removed " + std::to_string(summary.removed) + ", anonymised " +
                         std::to_string(summary.anonymised) + ", retained " + std::to_string(summary.retained));
    });
    log_(PLINTH_LOG_INFO, "erase request " + std::to_string(id) + " completed");
    return result;
}

ConsentRun PrivacyService::run_consent_request(RequestRow &request, const sdk::Subject &subject) {
    const int64_t id = request.id;
    const int64_t t = now();
    const SubjectKeys keys = keys_of(subject);
    const bool restrict = request.kind == RequestKind::restrict;
    const std::string purpose = request.purpose.value_or("");
    pool_.transaction([&](Connection &c) { store_.add_step(c, id, kModuleId, kSelfPosition, t); });
    auto steps = pool_.run([&](Connection &c) {
        sdk::db::CausalReads causal(c); // on Galera: steps a previous run finished through another node
        return store_.steps(c, id);
    });
    const bool recorded = !steps.empty() && steps.front().done;
    if (!recorded) {
        pool_.transaction([&](Connection &c) {
            NewConsentEvent e;
            e.user_id = subject.user_id;
            if (request.email) e.email_hash = email_hash(*request.email);
            e.purpose = restrict ? std::string() : purpose;
            e.action = restrict ? ConsentAction::restrict : ConsentAction::object;
            e.source = "request " + std::to_string(id);
            e.actor = "request:" + std::to_string(id);
            e.request_id = id;
            e.at = t;
            store_.add_consent_event(c, e);
            StepCounts counts;
            counts.items = 1;
            store_.finish_step(c, id, kModuleId, counts, t);
            store_.audit(c, t, id, "system", "recorded",
                         restrict ? std::string("restriction of processing") : "objection to " + purpose);
        });
    }
    // Listeners are told on every run (they are idempotent), so a crash between recording and
    // telling them is healed by executing again.
    std::vector<std::string> purposes;
    if (restrict) {
        purposes = pool_.run([&](Connection &c) { return store_.consent_purposes(c, keys); });
        for (const auto &[name, info] : settings_.purposes)
            if (std::find(purposes.begin(), purposes.end(), name) == purposes.end()) purposes.push_back(name);
    } else {
        purposes.push_back(purpose);
    }
    ConsentRun result{id, request.kind, announce(subject, keys, purposes), std::nullopt};
    if (!restrict) result.purpose = purpose;
    pool_.transaction([&](Connection &c) {
        store_.mark_completed(c, id, now(), boost::json::serialize(consent_run_json(result)),
                              now() + settings_.request_retention_days * kSecondsPerDay, false);
        store_.audit(c, now(), id, "system", "completed", "listeners notified");
    });
    return result;
}
} // namespace plinth::privacy
