#include "settings.hpp"

#include <plinth/sdk/config.hpp>

namespace plinth::tickets {

Settings Settings::from_json(const boost::json::object &config) {
    Settings s;
    const sdk::Config root =
        sdk::Config::module("tickets", config, {"attachments", "credentials", "environment", "retention", "text"});

    const sdk::Config attachments = root.section("attachments", {"max_bytes", "max_per_ticket", "min_free_disk_bytes"});
    s.attachments.max_bytes = static_cast<size_t>(attachments.integer(
        "max_bytes", static_cast<int64_t>(s.attachments.max_bytes), 1, static_cast<int64_t>(kLargestAttachment)));
    s.attachments.max_per_ticket = static_cast<size_t>(
        attachments.integer("max_per_ticket", static_cast<int64_t>(s.attachments.max_per_ticket), 1, 1000));
    s.attachments.min_free_disk_bytes = static_cast<uint64_t>(attachments.integer(
        "min_free_disk_bytes", static_cast<int64_t>(s.attachments.min_free_disk_bytes), 0, int64_t{1} << 50));

    const sdk::Config credentials = root.section("credentials", {"ttl_days", "max_per_ticket"});
    s.credentials.ttl_days = credentials.integer("ttl_days", s.credentials.ttl_days, 1, 90);
    s.credentials.per_ticket = static_cast<size_t>(
        credentials.integer("max_per_ticket", static_cast<int64_t>(s.credentials.per_ticket), 1, 100));

    const sdk::Config environment = root.section("environment", {"max_bytes"});
    s.environment.max_bytes = static_cast<size_t>(
        environment.integer("max_bytes", static_cast<int64_t>(s.environment.max_bytes), 1024, 1 << 20));

    const sdk::Config retention = root.section("retention", {"closed_ticket_days", "reveal_log_days"});
    s.closed_ticket_days = retention.integer("closed_ticket_days", s.closed_ticket_days, 1, 36500);
    s.reveal_log_days = retention.integer("reveal_log_days", s.reveal_log_days, 1, 36500);

    const sdk::Config text = root.section("text", {"subject_bytes", "description_bytes", "reply_bytes"});
    s.subject_bytes = static_cast<size_t>(text.integer("subject_bytes", static_cast<int64_t>(s.subject_bytes), 16, 1000));
    s.description_bytes = static_cast<size_t>(
        text.integer("description_bytes", static_cast<int64_t>(s.description_bytes), 256, 1 << 20));
    s.reply_bytes = static_cast<size_t>(text.integer("reply_bytes", static_cast<int64_t>(s.reply_bytes), 256, 1 << 20));
    return s;
}

} // namespace plinth::tickets
