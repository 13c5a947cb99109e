// tickets/store/attachment_store.hpp — attachment files, deduplicated per owner.
//
// Contents live in tickets_blobs (one row per owner and SHA-256, with a reference count) and
// tickets_blob_chunks (512 KiB pieces, well below max_allowed_packet). An attachment row is a
// reference: adding an identical file again only bumps the count. Removing the last reference
// leaves an orphan (ref_count 0) that the retention sweep deletes; erasure deletes at once.
//
// Rationale: blobs are keyed by the ticket owner, not by whoever uploaded, so everything a
// customer's tickets hold is that customer's data and leaves with it, and no file is ever
// shared between two customers.
#pragma once

#include "../domain/access.hpp"
#include "../domain/attachment_policy.hpp"
#include "records.hpp"

#include <plinth/sdk/db.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace plinth::tickets {

inline constexpr size_t kChunkBytes = 512u << 10;

struct AddedAttachment {
    AttachmentRow attachment;
    bool deduplicated = false; // the owner already had these bytes stored
};

class AttachmentStore {
public:
    explicit AttachmentStore(sdk::db::Database &pool) : pool_(pool) {}

    // REQUIRES: check_attachment() passed for this content. Owner or staff; the ticket must take
    // changes and hold fewer than limits.max_per_ticket attachments.
    AddedAttachment add(const Viewer &viewer, int64_t ticket_id, const std::string &file_name,
                        const std::string &media_type, std::span<const uint8_t> content,
                        const AttachmentLimits &limits, int64_t now);

    // The attachment's metadata when the viewer may read its ticket; PLINTH_E_NOT_FOUND otherwise.
    AttachmentRow get(const Viewer &viewer, int64_t attachment_id);
    // The bytes, checked against the stored size and SHA-256 (PLINTH_E_INTERNAL when they differ).
    std::vector<uint8_t> content(const AttachmentRow &attachment);

    // Owner or staff, while the ticket takes changes.
    void remove(const Viewer &viewer, int64_t attachment_id, int64_t now);

    std::vector<AttachmentRow> list(int64_t ticket_id);

    // Retention: deletes blobs nobody references any more; returns how many.
    int64_t remove_orphans();

    // Inside a transaction: drops every attachment of the ticket and releases its blobs;
    // returns how many attachments went.
    static int64_t release_ticket(sdk::db::Connection &c, int64_t ticket_id);
    // Inside a transaction: deletes the owner's blobs that nothing references.
    static int64_t remove_owner_orphans(sdk::db::Connection &c, int64_t owner_id);

private:
    sdk::db::Database &pool_;
};

} // namespace plinth::tickets
