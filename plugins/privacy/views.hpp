// privacy/views.hpp — the consent ledger's typed results rendered as the JSON the commands return
// (module.cpp's half of the translation; no rule and no SQL here). A request's run records the
// same rendering of its notices.
#pragma once

#include "service/service.hpp"

#include <boost/json.hpp>

#include <vector>

namespace plinth::privacy {

boost::json::array notices_json(const std::vector<PurposeNotice> &notices);
boost::json::object consent_answer_json(const ConsentAnswer &answer);
boost::json::object consent_change_json(const ConsentChangeResult &result);
boost::json::object consent_history_json(const ConsentHistory &history);

} // namespace plinth::privacy
