// tickets/store/attachment_store.hpp — attachment files, deduplicated per owner.
//
// Contents live in tickets_blobs (one row per owner and SHA-256, with a reference count) and
// tickets_blob_chunks (512 KiB pieces, well below max_allowed_packet). An attachment row is a
// reference: adding an identical file again only bumps the count. Removing the last reference
// leaves an orphan (ref_count 0) that the retention sweep deletes; erasure deletes at once.
//
// Stateless SQL over the caller's connection; who may add or remove is the service's decision.
//
// Rationale: blobs are keyed by the ticket owner, not by whoever uploaded, so everything a
// customer's tickets hold is that customer's data and leaves with it, and no file is ever
// shared between two customers.
#pragma once

#include "records.hpp"

#include <plinth/sdk/db.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace plinth::tickets {

inline constexpr size_t kChunkBytes = 512u << 10;

struct AddedAttachment {
    AttachmentRow attachment;
    bool deduplicated = false; // the owner already had these bytes stored
};

// An attachment with the owner of its ticket (who may read it is decided from the owner).
struct LocatedAttachment {
    AttachmentRow attachment;
    int64_t ticket_owner_id = 0;
};

namespace AttachmentStore {

int64_t count(sdk::db::Connection &c, int64_t ticket_id);

// Stores `content` as a blob of `owner_id` (or counts one more reference to an identical one)
// and adds the attachment row to the ticket.
AddedAttachment add(sdk::db::Connection &c, int64_t owner_id, int64_t ticket_id, const std::string &file_name,
                    const std::string &media_type, std::span<const uint8_t> content, int64_t uploaded_by, int64_t now);

// The attachment with its ticket's owner; nullopt when there is none.
std::optional<LocatedAttachment> find(sdk::db::Connection &c, int64_t attachment_id);
// The bytes, checked against the stored size and SHA-256 (PLINTH_E_INTERNAL when they differ).
std::vector<uint8_t> content(sdk::db::Connection &c, const AttachmentRow &attachment);

// The ticket an attachment belongs to; nullopt when there is none.
std::optional<int64_t> ticket_of(sdk::db::Connection &c, int64_t attachment_id);
// Deletes the attachment row (locked first) of that ticket and releases its blob; false when it
// is no longer there.
bool remove(sdk::db::Connection &c, int64_t attachment_id, int64_t ticket_id);

std::vector<AttachmentRow> list(sdk::db::Connection &c, int64_t ticket_id);
std::vector<int64_t> ids_of_ticket(sdk::db::Connection &c, int64_t ticket_id);

// Retention: the blobs nobody references any more, and the deletion of one of them (re-checked
// under its lock); returns whether it went.
std::vector<int64_t> orphan_ids(sdk::db::Connection &c);
bool remove_orphan(sdk::db::Connection &c, int64_t blob_id);

// Drops every attachment of the ticket and releases its blobs; returns how many attachments went.
int64_t release_ticket(sdk::db::Connection &c, int64_t ticket_id);
// Deletes the owner's blobs that nothing references.
int64_t remove_owner_orphans(sdk::db::Connection &c, int64_t owner_id);

} // namespace AttachmentStore

} // namespace plinth::tickets
