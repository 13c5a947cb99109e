#include "inventory.hpp"

#include "settings.hpp"

namespace plinth::tickets {

std::vector<Category> data_categories(const Settings &s) {
    const std::string contract = "contract (Art. 6(1)(b))";
    const std::string closed = "until the ticket is closed, then anonymised " + std::to_string(s.closed_ticket_days) +
                               " days after closing";
    return {
        {kCategoryDescription, "subject, description, product, license reference, replies, status, priority, times",
         "the user's description of a problem and the support conversation about it", contract, closed,
         s.closed_ticket_days, "support staff"},
        {kCategoryEnvironment,
         "CMS and language versions, active plugins, server software, paths, database names, extras",
         "the user's system environment, so support can reproduce the problem; private values are shown to the "
         "owner only",
         contract, closed, s.closed_ticket_days, "support staff"},
        {kCategoryAttachments, "file name, media type, size, SHA-256, file contents",
         "files the user attaches to a ticket (screenshots, logs) to explain the problem", contract,
         closed + "; files nobody references any more are deleted by the next retention sweep",
         s.closed_ticket_days, "support staff"},
        {kCategoryCredentials, "site URL, username, password, note (encrypted); created, expiry, purge time and reason",
         "temporary site login credentials shared with support staff, so they can inspect the site", contract,
         "expire after " + std::to_string(s.credentials.ttl_days) +
             " days, purged when the ticket is closed; only metadata is kept afterwards",
         s.credentials.ttl_days, "support staff (each reveal logged)"},
        {kCategoryRevealLog, "staff account, credential, ticket, time of each reveal",
         "accountability for every access to a customer's credentials", "legitimate interest (Art. 6(1)(f))",
         std::to_string(s.reveal_log_days) + " days after the reveal", s.reveal_log_days,
         "administrators; the ticket's owner"},
    };
}

} // namespace plinth::tickets
