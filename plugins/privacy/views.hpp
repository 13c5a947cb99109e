// privacy/views.hpp — the service's typed results rendered as the JSON the commands return
// (module.cpp's half of the translation; no rule and no SQL here). A request's run stores the
// same rendering of its result with the request, so executing it again answers as it did then.
#pragma once

#include "service/service.hpp"

#include <boost/json.hpp>

#include <vector>

namespace plinth::privacy {

// ---- consent ledger
boost::json::array notices_json(const std::vector<PurposeNotice> &notices);
boost::json::object consent_answer_json(const ConsentAnswer &answer);
boost::json::object consent_change_json(const ConsentChangeResult &result);
boost::json::object consent_history_json(const ConsentHistory &history);

// ---- requests
boost::json::object request_created_json(const RequestCreated &created);
boost::json::object request_confirmed_json(const RequestRow &request);
boost::json::object request_detail_json(const RequestDetail &detail);
boost::json::object request_page_json(const RequestPage &page);
boost::json::object archive_contents_json(const ArchiveContents &contents);
boost::json::object audit_verification_json(const AuditVerification &verification);

// ---- runs: what request.execute, export.run and erase.run return
enum class RunRendering {
    returned, // to the caller
    stored,   // with the request: an export's archive file names left out (ExportRun::files)
};
boost::json::object export_run_json(const ExportRun &run, RunRendering rendering);
boost::json::object erasure_run_json(const ErasureRun &run);
boost::json::object consent_run_json(const ConsentRun &run);
boost::json::value request_result_json(const RequestResult &result);
boost::json::object erasure_preview_json(const ErasurePreview &preview);

// ---- operator and register
boost::json::object sweep_report_json(const SweepReport &report);
boost::json::object inventory_json(const InventoryDocument &inventory);

} // namespace plinth::privacy
