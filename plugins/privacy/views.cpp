// privacy/views.cpp — see views.hpp. Member order is part of the output (people and scripts
// read it), so each rendering lists its members in the order the commands have always returned.
#include "views.hpp"

#include "domain/calendar.hpp"
#include "domain/consent.hpp"

#include <type_traits>

namespace plinth::privacy {

using boost::json::array;
using boost::json::object;
using boost::json::value;

namespace {

value time_or_null(const std::optional<int64_t> &t) { return t ? value(format_utc(*t)) : value(nullptr); }
value text_or_null(const std::optional<std::string> &t) { return t ? value(*t) : value(nullptr); }

// A stored result is JSON this module rendered; anything unreadable there is reported as absent.
std::optional<value> parsed(std::string_view json) {
    boost::system::error_code ec;
    value v = boost::json::parse(json, ec);
    if (ec) return std::nullopt;
    return v;
}

array outcomes_json(const std::vector<ErasureRecord> &records) {
    array out;
    for (const auto &r : records) out.push_back(to_json(r));
    return out;
}

object request_json(const RequestSummary &summary) {
    const RequestRow &r = summary.row;
    object o{{"request_id", r.id},
             {"kind", kind_name(r.kind)},
             {"purpose", text_or_null(r.purpose)},
             {"status", status_name(r.status)},
             {"user_id", r.user_id},
             {"email", text_or_null(r.email)},
             {"created_by", r.created_by},
             {"created_at", format_utc(r.created_at)},
             {"deadline", format_utc(r.deadline_at)},
             {"deadline_at", r.deadline_at},
             {"overdue", summary.overdue},
             {"confirmed_at", time_or_null(r.confirmed_at)},
             {"started_at", time_or_null(r.started_at)},
             {"completed_at", time_or_null(r.completed_at)},
             {"runs", r.runs},
             {"error", text_or_null(r.error)},
             {"cancelled_by", r.cancelled_by ? value(*r.cancelled_by) : value(nullptr)}};
    if (r.status == RequestStatus::pending) o["token_expires_at"] = format_utc(r.token_expires_at);
    return o;
}

} // namespace

// ---- consent ledger

array notices_json(const std::vector<PurposeNotice> &notices) {
    array out;
    for (const PurposeNotice &n : notices) {
        array listeners;
        for (const ListenerOutcome &l : n.listeners)
            listeners.push_back(object{{"module", l.module}, {"ok", l.error.empty()}, {"error", l.error}});
        out.push_back(object{{"purpose", n.purpose}, {"allowed", n.allowed}, {"listeners", std::move(listeners)}});
    }
    return out;
}

object consent_answer_json(const ConsentAnswer &a) {
    return {{"purpose", a.purpose},
            {"user_id", a.user_id},
            {"requires_opt_in", a.requires_opt_in},
            {"allowed", a.allowed}};
}

object consent_change_json(const ConsentChangeResult &r) {
    object out{{"event_id", r.event_id},
               {"action", action_name(r.action)},
               {"recorded_at", format_utc(r.recorded_at)},
               {"user_id", r.user_id},
               {"notified", notices_json(r.notified)}};
    if (!r.subject_wide) {
        out["purpose"] = r.purpose;
        out["allowed"] = r.allowed;
    } else {
        out["restricted"] = r.restricted;
    }
    return out;
}

object consent_history_json(const ConsentHistory &h) {
    array history;
    for (const ConsentEventRow &ev : h.events)
        history.push_back(object{{"id", ev.id},
                                 {"purpose", ev.purpose.empty() ? value(nullptr) : value(ev.purpose)},
                                 {"action", ev.action},
                                 {"policy_version", ev.policy_version},
                                 {"source", ev.source},
                                 {"recorded_by", ev.actor},
                                 {"recorded_at", format_utc(ev.created_at)},
                                 {"recorded_at_unix", ev.created_at}});
    object current;
    for (const auto &[purpose, allowed] : h.current) current[purpose] = allowed;
    return {{"user_id", h.user_id},
            {"restricted", h.restricted},
            {"current", std::move(current)},
            {"history", std::move(history)}};
}

// ---- requests

object request_created_json(const RequestCreated &c) {
    array replaced;
    for (int64_t id : c.replaced) replaced.push_back(id);
    object out{{"request_id", c.id},
               {"kind", kind_name(c.kind)},
               {"status", "pending"},
               {"token_expires_at", format_utc(c.token_expires_at)},
               {"deadline", format_utc(c.deadline_at)},
               {"deadline_at", c.deadline_at},
               {"replaced", std::move(replaced)}};
    if (c.token) out["token"] = *c.token;
    else out["confirmation"] = "sent to the person's email address";
    return out;
}

object request_confirmed_json(const RequestRow &r) {
    return {{"request_id", r.id},
            {"kind", kind_name(r.kind)},
            {"status", status_name(r.status)},
            {"deadline", format_utc(r.deadline_at)},
            {"deadline_at", r.deadline_at}};
}

object request_detail_json(const RequestDetail &d) {
    object o = request_json(d.request);
    array progress, audit_trail;
    for (const auto &s : d.progress)
        progress.push_back({{"module", s.module},
                            {"status", s.done ? "done" : "pending"},
                            {"items", s.items},
                            {"files", s.files},
                            {"removed", s.removed},
                            {"anonymised", s.anonymised},
                            {"retained", s.retained},
                            {"attempts", s.attempts}});
    for (const auto &a : d.audit)
        audit_trail.push_back({{"at", format_utc(a.at)}, {"actor", a.actor}, {"action", a.action}, {"detail", a.detail}});
    o["progress"] = std::move(progress);
    o["audit"] = std::move(audit_trail);
    const std::optional<value> result = d.request.row.result ? parsed(*d.request.row.result) : std::nullopt;
    o["result"] = result ? *result : value(nullptr);
    return o;
}

object request_page_json(const RequestPage &page) {
    array list;
    for (const auto &r : page.requests) list.push_back(request_json(r));
    return {{"requests", std::move(list)},
            {"next_before_id", page.next_before_id ? value(*page.next_before_id) : value(nullptr)}};
}

object archive_contents_json(const ArchiveContents &a) {
    array entries, groups;
    for (const auto &e : a.entries)
        entries.push_back({{"path", e.path}, {"size", e.size}, {"sha256", e.sha256}, {"verified", e.verified}});
    for (const auto &g : a.groups)
        groups.push_back({{"module", g.module}, {"category", g.category}, {"items", g.items}, {"files", g.files}});
    return {{"request_id", a.request_id},
            {"archive", a.archive},
            {"size", a.size},
            {"sha256", a.sha256},
            {"expires_at", format_utc(a.expires_at)},
            {"verified", a.verified},
            {"entries", std::move(entries)},
            {"groups", std::move(groups)}};
}

object audit_verification_json(const AuditVerification &v) {
    return {{"entries", v.entries},
            {"intact", v.intact},
            {"first_broken_id", v.first_broken_id ? value(*v.first_broken_id) : value(nullptr)}};
}

// ---- runs

object export_run_json(const ExportRun &run, RunRendering rendering) {
    object out{{"request_id", run.request_id},
               {"kind", "export"},
               {"archive", run.archive},
               {"items", run.items},
               {"file_count", run.file_count},
               {"size", run.size},
               {"sha256", run.sha256},
               {"expires_at", format_utc(run.expires_at)}};
    if (rendering == RunRendering::stored) return out;
    array files;
    for (const auto &f : run.files) files.emplace_back(f);
    out["files"] = std::move(files);
    if (run.copied_to) out["out"] = *run.copied_to;
    return out;
}

object erasure_run_json(const ErasureRun &run) {
    return {{"request_id", run.request_id},
            {"kind", "erase"},
            {"outcomes", outcomes_json(run.outcomes)},
            {"summary", to_json(run.summary)}};
}

object consent_run_json(const ConsentRun &run) {
    object out{{"request_id", run.request_id}, {"kind", kind_name(run.kind)}, {"notified", notices_json(run.notified)}};
    if (run.purpose) out["purpose"] = *run.purpose;
    return out;
}

value request_result_json(const RequestResult &result) {
    value out = std::visit(
        [](const auto &run) -> value {
            using Run = std::decay_t<decltype(run)>;
            if constexpr (std::is_same_v<Run, ExportRun>) return export_run_json(run, RunRendering::returned);
            else if constexpr (std::is_same_v<Run, ErasureRun>) return erasure_run_json(run);
            else if constexpr (std::is_same_v<Run, ConsentRun>) return consent_run_json(run);
            else return parsed(run.json).value_or(object{{"request_id", run.request_id}});
        },
        result.outcome);
    if (result.resumed && out.is_object()) out.as_object()["resumed"] = true;
    return out;
}

object erasure_preview_json(const ErasurePreview &p) {
    return {{"dry_run", true},
            {"user_id", p.user_id},
            {"outcomes", outcomes_json(p.outcomes)},
            {"summary", to_json(p.summary)}};
}

// ---- operator and register

object sweep_report_json(const SweepReport &report) {
    array modules;
    for (const auto &m : report.modules) {
        array counts;
        for (const auto &c : m.counts) counts.push_back({{"category", c.category}, {"action", c.action}, {"count", c.count}});
        object o{{"module", m.module}, {"counts", std::move(counts)}};
        if (!m.error.empty()) o["error"] = m.error;
        modules.push_back(std::move(o));
    }
    return {{"modules", std::move(modules)}};
}

object inventory_json(const InventoryDocument &inventory) {
    return {{"format", format_name(inventory.format)}, {"document", inventory.document}};
}

} // namespace plinth::privacy
