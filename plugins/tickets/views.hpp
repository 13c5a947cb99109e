// tickets/views.hpp — records rendered as the JSON the commands return (module.cpp's half of the
// translation; no rule and no SQL here).
//
// One place decides what each audience sees: `owner` views keep the environment's private
// values, every other view redacts them. No view has a field for a credential's secret; only
// credential.reveal returns one, built separately.
#pragma once

#include "domain/credentials.hpp"
#include "store/records.hpp"

#include <boost/json.hpp>

#include <vector>

namespace plinth::tickets {

boost::json::object ticket_summary(const TicketRow &ticket);
boost::json::object reply_view(const ReplyRow &reply);
boost::json::object attachment_view(const AttachmentRow &attachment);
boost::json::object credential_view(const CredentialRow &credential, int64_t now);
boost::json::object reveal_view(const RevealRow &reveal);
// The stored environment as `owner` or anyone else may see it; null when there is none.
boost::json::value environment_json(const TicketRow &ticket, bool owner);

} // namespace plinth::tickets
