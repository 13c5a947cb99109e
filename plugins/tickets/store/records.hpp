// tickets/store/records.hpp — rows as the stores hand them out.
#pragma once

#include "../domain/workflow.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace plinth::tickets {

struct TicketRow {
    int64_t id = 0;
    int64_t owner_id = 0; // 0 once anonymised
    std::string subject;
    std::string description;
    std::optional<std::string> product;
    std::optional<std::string> license_ref;
    Priority priority = Priority::normal;
    Status status = Status::open;
    std::optional<std::string> environment; // stored JSON (see domain/environment.hpp)
    int64_t created_at = 0;
    int64_t updated_at = 0;
    std::optional<int64_t> closed_at;
    std::optional<int64_t> anonymised_at;
};

struct ReplyRow {
    int64_t id = 0;
    int64_t ticket_id = 0;
    int64_t author_id = 0;
    bool by_staff = false;
    std::string body;
    int64_t created_at = 0;
};

struct AttachmentRow {
    int64_t id = 0;
    int64_t ticket_id = 0;
    int64_t blob_id = 0;
    std::string file_name;
    std::string media_type;
    int64_t size = 0;
    std::string sha256_hex;
    int64_t uploaded_by = 0;
    int64_t created_at = 0;
};

struct CredentialRow {
    int64_t id = 0;
    int64_t ticket_id = 0;
    int64_t created_by = 0;
    int64_t created_at = 0;
    int64_t expires_at = 0;
    std::optional<int64_t> purged_at;
    std::optional<std::string> purge_reason;
};

struct RevealRow {
    int64_t id = 0;
    int64_t credential_id = 0;
    int64_t ticket_id = 0;
    int64_t revealed_by = 0;
    int64_t revealed_at = 0;
};

} // namespace plinth::tickets
