// How a ticket reads, for its owner and for staff alike: the tickets module decides what each may
// see (private environment values arrive as "[redacted]"); this only lays it out.
#pragma once

#include "portal.hpp"

namespace plinth::portal {

// A table of the tickets in a ticket.list / ticket.queue answer, each linked to `link_prefix` + id.
Html ticket_table(const json::value &page, std::string_view link_prefix);
// "Next page" to `base`?cursor=… when the answer has a next_cursor; empty otherwise.
Html next_page_link(const json::value &page, std::string_view base);
// The ticket of a ticket.get answer: details, environment, conversation, attachments,
// credentials with their expiry, and who revealed them when.
Html ticket_view(const json::value &ticket, int64_t viewer_id);

} // namespace plinth::portal
