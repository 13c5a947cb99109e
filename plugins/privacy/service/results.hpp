// privacy/service/results.hpp — what the request, export, erasure, sweep and register use cases
// return: typed values that views.cpp renders as the commands' JSON, so no rule in the service
// builds a caller's answer. (The consent ledger's results sit in service.hpp.)
#pragma once

#include "../domain/erasure.hpp"
#include "../domain/inventory.hpp"
#include "../domain/request.hpp"
#include "../store/privacy_store.hpp"
#include "directory.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace plinth::privacy {

// What one plinth.consent-listener/1 said when told of a change; ok when `error` is empty.
struct ListenerOutcome {
    std::string module;
    std::string error;
};

// A purpose whose answer was (re)announced to every listener after a change.
struct PurposeNotice {
    std::string purpose;
    bool allowed = false;
    std::vector<ListenerOutcome> listeners;
};

// A request just opened.
struct RequestCreated {
    int64_t id = 0;
    RequestKind kind = RequestKind::export_data;
    int64_t token_expires_at = 0;
    int64_t deadline_at = 0;
    std::vector<int64_t> replaced; // failed requests this one replaced
    // The one-time token, for the console operator alone (who could read the database anyway);
    // everyone else's reaches the person only, through plinth.notify/1.
    std::optional<std::string> token;
};

// A request as listed: its row, and whether it is past its deadline now.
struct RequestSummary {
    RequestRow row;
    bool overdue = false;
};

// A request with its progress per module and its audit trail.
struct RequestDetail {
    RequestSummary request;
    std::vector<StepRow> progress;
    std::vector<AuditEntry> audit;
};

// One page of requests, newest first; `next_before_id` continues it when the page was full.
struct RequestPage {
    std::vector<RequestSummary> requests;
    std::optional<int64_t> next_before_id;
};

// One file of an export archive, checked against the archive's manifest.
struct ArchiveEntry {
    std::string path;
    int64_t size = 0;
    std::string sha256;
    bool verified = false;
};

// One module's category in an export archive.
struct ArchiveGroup {
    std::string module, category;
    int64_t items = 0, files = 0;
};

// What a completed export's archive holds.
struct ArchiveContents {
    int64_t request_id = 0;
    std::string archive; // path on the host
    int64_t size = 0;
    std::string sha256;
    int64_t expires_at = 0;
    bool verified = false; // every entry matches the manifest
    std::vector<ArchiveEntry> entries;
    std::vector<ArchiveGroup> groups;
};

// An export run that completed now.
struct ExportRun {
    int64_t request_id = 0;
    std::string archive; // path on the host
    int64_t items = 0, file_count = 0;
    int64_t size = 0;
    std::string sha256;
    int64_t expires_at = 0;
    // The archive's file names: returned, never stored (they may say something about the person
    // and would outlive the archive by years).
    std::vector<std::string> files;
    std::optional<std::string> copied_to; // export.run's `out`, once copied there
};

// An erasure run that completed now: every outcome reported, across its runs.
struct ErasureRun {
    int64_t request_id = 0;
    std::vector<ErasureRecord> outcomes;
    ErasureSummary summary;
};

// A restriction or objection recorded now, and who was told.
struct ConsentRun {
    int64_t request_id = 0;
    RequestKind kind = RequestKind::restrict;
    std::vector<PurposeNotice> notified;
    std::optional<std::string> purpose; // objections only
};

// The result a request stored when it completed earlier (JSON text, as rendered then); executing
// a completed request hands it back as it was.
struct RecordedResult {
    int64_t request_id = 0;
    std::string json;
};

// What executing a request gave.
struct RequestResult {
    std::variant<ExportRun, ErasureRun, ConsentRun, RecordedResult> outcome;
    bool resumed = false; // erase.run went on with an erasure that was already open
};

// erase.run's preview: what each module would do, changing nothing.
struct ErasurePreview {
    int64_t user_id = 0;
    std::vector<ErasureRecord> outcomes;
    ErasureSummary summary;
};

// The retention sweep of every module, the privacy module's own last.
struct SweepReport {
    std::vector<ModuleSweep> modules;
};

// The register of processing, rendered in the format asked for.
struct InventoryDocument {
    InventoryFormat format = InventoryFormat::markdown;
    std::string document;
};

} // namespace plinth::privacy
