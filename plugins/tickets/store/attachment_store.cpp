#include "attachment_store.hpp"

#include "../domain/content.hpp"
#include "ticket_store.hpp"

#include <plinth/sdk/error.hpp>

#include <sodium.h>

namespace plinth::tickets {
using sdk::db::Connection;
using sdk::db::Param;
using sdk::db::Row;

namespace {

constexpr const char *kColumns =
    "a.id, a.ticket_id, a.blob_id, a.file_name, a.media_type, a.size, b.sha256, a.uploaded_by, a.created_at";

AttachmentRow attachment_from(const Row &r) {
    return AttachmentRow{r.i64(0), r.i64(1), r.i64(2), r.str(3), r.str(4), r.i64(5),
                         to_hex(as_bytes(r.str(6))), r.i64(7), r.i64(8)};
}

std::string not_found_message(int64_t id) { return "attachment " + std::to_string(id) + " not found"; }

} // namespace

AddedAttachment AttachmentStore::add(const Viewer &viewer, int64_t ticket_id, const std::string &file_name,
                                     const std::string &media_type, std::span<const uint8_t> content,
                                     const AttachmentLimits &limits, int64_t now) {
    Sha256 digest = sha256(content);
    int64_t chunks = static_cast<int64_t>((content.size() + kChunkBytes - 1) / kChunkBytes);
    return pool_.transaction([&](Connection &c) {
        TicketRow ticket = TicketStore::lock_visible(c, viewer, ticket_id);
        TicketStore::require_changeable(ticket);
        sdk::db::Rows count = c.query("SELECT COUNT(*) FROM tickets_attachments WHERE ticket_id = ?", {ticket_id});
        if (count.at(0).i64(0) >= static_cast<int64_t>(limits.max_per_ticket))
            throw sdk::limit_exceeded("ticket " + std::to_string(ticket_id) + " already has " +
                                      std::to_string(limits.max_per_ticket) + " attachments");

        // The unique key (owner_id, sha256) makes a concurrent identical upload wait for ours and
        // then count a reference instead of storing a second copy. Affected rows: 1 inserted,
        // 2 updated an existing (possibly orphaned) blob.
        uint64_t affected = c.execute(
            "INSERT INTO tickets_blobs (owner_id, sha256, size, chunk_count, ref_count, created_at) "
            "VALUES (?, ?, ?, ?, 1, ?) ON DUPLICATE KEY UPDATE ref_count = ref_count + 1",
            {ticket.owner_id, Param::bytes(digest.data(), digest.size()), static_cast<int64_t>(content.size()), chunks,
             now});
        sdk::db::Rows blob = c.query("SELECT id, size FROM tickets_blobs WHERE owner_id = ? AND sha256 = ?",
                                     {ticket.owner_id, Param::bytes(digest.data(), digest.size())});
        int64_t blob_id = blob.at(0).i64(0);
        bool deduplicated = affected != 1;
        if (deduplicated && blob[0].i64(1) != static_cast<int64_t>(content.size()))
            throw sdk::Error(PLINTH_E_INTERNAL, "stored blob " + std::to_string(blob_id) +
                                                    " has the same SHA-256 but another size");
        if (!deduplicated) {
            for (int64_t seq = 0; seq < chunks; ++seq) {
                size_t offset = static_cast<size_t>(seq) * kChunkBytes;
                size_t size = std::min(kChunkBytes, content.size() - offset);
                c.execute("INSERT INTO tickets_blob_chunks (blob_id, seq, data) VALUES (?, ?, ?)",
                          {blob_id, seq, Param::bytes(content.data() + offset, size)});
            }
        }
        c.execute("INSERT INTO tickets_attachments (ticket_id, blob_id, file_name, media_type, size, uploaded_by, "
                  "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  {ticket_id, blob_id, file_name, media_type, static_cast<int64_t>(content.size()), viewer.user_id, now});
        AttachmentRow row{static_cast<int64_t>(c.last_insert_id()),
                          ticket_id,
                          blob_id,
                          file_name,
                          media_type,
                          static_cast<int64_t>(content.size()),
                          to_hex(digest),
                          viewer.user_id,
                          now};
        TicketStore::touch(c, ticket_id, now);
        return AddedAttachment{std::move(row), deduplicated};
    });
}

AttachmentRow AttachmentStore::get(const Viewer &viewer, int64_t attachment_id) {
    return pool_.run([&](Connection &c) {
        sdk::db::Rows rows = c.query(std::string("SELECT ") + kColumns +
                                         ", t.owner_id FROM tickets_attachments a JOIN tickets_blobs b ON b.id = "
                                         "a.blob_id JOIN tickets_tickets t ON t.id = a.ticket_id WHERE a.id = ?",
                                     {attachment_id});
        if (rows.empty() || !viewer.can_read(rows[0].i64(9))) throw sdk::not_found(not_found_message(attachment_id));
        return attachment_from(rows[0]);
    });
}

std::vector<uint8_t> AttachmentStore::content(const AttachmentRow &attachment) {
    std::vector<uint8_t> out;
    out.reserve(static_cast<size_t>(attachment.size));
    pool_.run([&](Connection &c) {
        out.clear();
        // One chunk per statement keeps the client's peak memory to the file plus one chunk.
        sdk::db::Rows count = c.query("SELECT chunk_count FROM tickets_blobs WHERE id = ?", {attachment.blob_id});
        if (count.empty()) throw sdk::Error(PLINTH_E_INTERNAL, "the blob of attachment " + std::to_string(attachment.id) + " is missing");
        int64_t chunks = count[0].i64(0);
        for (int64_t seq = 0; seq < chunks; ++seq) {
            sdk::db::Rows r = c.query("SELECT data FROM tickets_blob_chunks WHERE blob_id = ? AND seq = ?",
                                      {attachment.blob_id, seq});
            if (r.empty())
                throw sdk::Error(PLINTH_E_INTERNAL, "attachment " + std::to_string(attachment.id) + " is missing chunk " +
                                                        std::to_string(seq));
            const std::string &data = r[0].str(0);
            out.insert(out.end(), data.begin(), data.end());
        }
    });
    Sha256 digest = sha256(out);
    if (static_cast<int64_t>(out.size()) != attachment.size || to_hex(digest) != attachment.sha256_hex)
        throw sdk::Error(PLINTH_E_INTERNAL, "attachment " + std::to_string(attachment.id) +
                                                " does not match its stored size and SHA-256");
    return out;
}

void AttachmentStore::remove(const Viewer &viewer, int64_t attachment_id, int64_t now) {
    pool_.transaction([&](Connection &c) {
        sdk::db::Rows where = c.query("SELECT ticket_id FROM tickets_attachments WHERE id = ?", {attachment_id});
        if (where.empty()) throw sdk::not_found(not_found_message(attachment_id));
        int64_t ticket_id = where[0].i64(0);
        auto ticket = TicketStore::find(c, ticket_id, true);
        if (!ticket || !viewer.can_read(ticket->owner_id)) throw sdk::not_found(not_found_message(attachment_id));
        TicketStore::require_changeable(*ticket);
        sdk::db::Rows rows = c.query("SELECT blob_id FROM tickets_attachments WHERE id = ? AND ticket_id = ? FOR UPDATE",
                                     {attachment_id, ticket_id});
        if (rows.empty()) throw sdk::not_found(not_found_message(attachment_id));
        c.execute("DELETE FROM tickets_attachments WHERE id = ?", {attachment_id});
        c.execute("UPDATE tickets_blobs SET ref_count = ref_count - 1 WHERE id = ? AND ref_count > 0", {rows[0].i64(0)});
        TicketStore::touch(c, ticket_id, now);
    });
}

std::vector<AttachmentRow> AttachmentStore::list(int64_t ticket_id) {
    return pool_.run([&](Connection &c) {
        std::vector<AttachmentRow> out;
        for (const Row &r : c.query(std::string("SELECT ") + kColumns +
                                        " FROM tickets_attachments a JOIN tickets_blobs b ON b.id = a.blob_id "
                                        "WHERE a.ticket_id = ? ORDER BY a.id",
                                    {ticket_id}))
            out.push_back(attachment_from(r));
        return out;
    });
}

int64_t AttachmentStore::release_ticket(Connection &c, int64_t ticket_id) {
    sdk::db::Rows rows =
        c.query("SELECT id, blob_id FROM tickets_attachments WHERE ticket_id = ? ORDER BY id FOR UPDATE", {ticket_id});
    for (const Row &r : rows) {
        c.execute("DELETE FROM tickets_attachments WHERE id = ?", {r.i64(0)});
        c.execute("UPDATE tickets_blobs SET ref_count = ref_count - 1 WHERE id = ? AND ref_count > 0", {r.i64(1)});
    }
    return static_cast<int64_t>(rows.size());
}

int64_t AttachmentStore::remove_owner_orphans(Connection &c, int64_t owner_id) {
    return static_cast<int64_t>(
        c.execute("DELETE FROM tickets_blobs WHERE owner_id = ? AND ref_count = 0", {owner_id}));
}

int64_t AttachmentStore::remove_orphans() {
    // One blob per transaction: each may hold megabytes of chunks, and a long purge must not hold
    // locks that uploads wait for. `ref_count = 0` is re-checked under the row lock, so a blob
    // that an upload just started to reuse stays.
    int64_t removed = 0;
    sdk::db::Rows orphans = pool_.run([&](Connection &c) {
        return c.query("SELECT id FROM tickets_blobs WHERE ref_count = 0 ORDER BY id");
    });
    for (const Row &r : orphans) {
        removed += pool_.transaction([&](Connection &c) {
            return static_cast<int64_t>(
                c.execute("DELETE FROM tickets_blobs WHERE id = ? AND ref_count = 0", {r.i64(0)}));
        });
    }
    return removed;
}

} // namespace plinth::tickets
