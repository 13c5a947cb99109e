#include "attachment_store.hpp"

#include "../domain/content.hpp"

#include <plinth/sdk/encoding.hpp>
#include <plinth/sdk/error.hpp>

namespace plinth::tickets::AttachmentStore {
using sdk::db::Connection;
using sdk::db::Param;
using sdk::db::Row;

namespace {

constexpr const char *kColumns =
    "a.id, a.ticket_id, a.blob_id, a.file_name, a.media_type, a.size, b.sha256, a.uploaded_by, a.created_at";

AttachmentRow attachment_from(const Row &r) {
    return AttachmentRow{r.i64(0), r.i64(1), r.i64(2), r.str(3), r.str(4), r.i64(5),
                         sdk::encoding::to_hex(r.str(6)), r.i64(7), r.i64(8)};
}

} // namespace

int64_t count(Connection &c, int64_t ticket_id) {
    return c.query("SELECT COUNT(*) FROM tickets_attachments WHERE ticket_id = ?", {ticket_id}).at(0).i64(0);
}

AddedAttachment add(Connection &c, int64_t owner_id, int64_t ticket_id, const std::string &file_name,
                    const std::string &media_type, std::span<const uint8_t> content, int64_t uploaded_by,
                    int64_t now) {
    Sha256 digest = sha256(content);
    int64_t chunks = static_cast<int64_t>((content.size() + kChunkBytes - 1) / kChunkBytes);
    // The unique key (owner_id, sha256) makes a concurrent identical upload wait for ours and
    // then count a reference instead of storing a second copy. Affected rows: 1 inserted,
    // 2 updated an existing (possibly orphaned) blob.
    uint64_t affected = c.execute(
        "INSERT INTO tickets_blobs (owner_id, sha256, size, chunk_count, ref_count, created_at) "
        "VALUES (?, ?, ?, ?, 1, ?) ON DUPLICATE KEY UPDATE ref_count = ref_count + 1",
        {owner_id, Param::bytes(digest.data(), digest.size()), static_cast<int64_t>(content.size()), chunks, now});
    sdk::db::Rows blob = c.query("SELECT id, size FROM tickets_blobs WHERE owner_id = ? AND sha256 = ?",
                                 {owner_id, Param::bytes(digest.data(), digest.size())});
    int64_t blob_id = blob.at(0).i64(0);
    bool deduplicated = affected != 1;
    if (deduplicated && blob[0].i64(1) != static_cast<int64_t>(content.size()))
        throw sdk::Error(PLINTH_E_INTERNAL,
                         "stored blob " + std::to_string(blob_id) + " has the same SHA-256 but another size");
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
              {ticket_id, blob_id, file_name, media_type, static_cast<int64_t>(content.size()), uploaded_by, now});
    AttachmentRow row{static_cast<int64_t>(c.last_insert_id()),
                      ticket_id,
                      blob_id,
                      file_name,
                      media_type,
                      static_cast<int64_t>(content.size()),
                      sdk::encoding::to_hex(digest),
                      uploaded_by,
                      now};
    return AddedAttachment{std::move(row), deduplicated};
}

std::optional<LocatedAttachment> find(Connection &c, int64_t attachment_id) {
    sdk::db::Rows rows = c.query(std::string("SELECT ") + kColumns +
                                     ", t.owner_id FROM tickets_attachments a JOIN tickets_blobs b ON b.id = "
                                     "a.blob_id JOIN tickets_tickets t ON t.id = a.ticket_id WHERE a.id = ?",
                                 {attachment_id});
    if (rows.empty()) return std::nullopt;
    return LocatedAttachment{attachment_from(rows[0]), rows[0].i64(9)};
}

std::vector<uint8_t> content(Connection &c, const AttachmentRow &attachment) {
    std::vector<uint8_t> out;
    out.reserve(static_cast<size_t>(attachment.size));
    // One chunk per statement keeps the client's peak memory to the file plus one chunk.
    sdk::db::Rows count_rows = c.query("SELECT chunk_count FROM tickets_blobs WHERE id = ?", {attachment.blob_id});
    if (count_rows.empty())
        throw sdk::Error(PLINTH_E_INTERNAL, "the blob of attachment " + std::to_string(attachment.id) + " is missing");
    int64_t chunks = count_rows[0].i64(0);
    for (int64_t seq = 0; seq < chunks; ++seq) {
        sdk::db::Rows r =
            c.query("SELECT data FROM tickets_blob_chunks WHERE blob_id = ? AND seq = ?", {attachment.blob_id, seq});
        if (r.empty())
            throw sdk::Error(PLINTH_E_INTERNAL, "attachment " + std::to_string(attachment.id) + " is missing chunk " +
                                                    std::to_string(seq));
        const std::string &data = r[0].str(0);
        out.insert(out.end(), data.begin(), data.end());
    }
    Sha256 digest = sha256(out);
    if (static_cast<int64_t>(out.size()) != attachment.size || sdk::encoding::to_hex(digest) != attachment.sha256_hex)
        throw sdk::Error(PLINTH_E_INTERNAL, "attachment " + std::to_string(attachment.id) +
                                                " does not match its stored size and SHA-256");
    return out;
}

std::optional<int64_t> ticket_of(Connection &c, int64_t attachment_id) {
    sdk::db::Rows where = c.query("SELECT ticket_id FROM tickets_attachments WHERE id = ?", {attachment_id});
    if (where.empty()) return std::nullopt;
    return where[0].i64(0);
}

bool remove(Connection &c, int64_t attachment_id, int64_t ticket_id) {
    sdk::db::Rows rows = c.query("SELECT blob_id FROM tickets_attachments WHERE id = ? AND ticket_id = ? FOR UPDATE",
                                 {attachment_id, ticket_id});
    if (rows.empty()) return false;
    c.execute("DELETE FROM tickets_attachments WHERE id = ?", {attachment_id});
    c.execute("UPDATE tickets_blobs SET ref_count = ref_count - 1 WHERE id = ? AND ref_count > 0", {rows[0].i64(0)});
    return true;
}

std::vector<AttachmentRow> list(Connection &c, int64_t ticket_id) {
    std::vector<AttachmentRow> out;
    for (const Row &r : c.query(std::string("SELECT ") + kColumns +
                                    " FROM tickets_attachments a JOIN tickets_blobs b ON b.id = a.blob_id "
                                    "WHERE a.ticket_id = ? ORDER BY a.id",
                                {ticket_id}))
        out.push_back(attachment_from(r));
    return out;
}

std::vector<int64_t> ids_of_ticket(Connection &c, int64_t ticket_id) {
    std::vector<int64_t> out;
    for (const Row &r : c.query("SELECT id FROM tickets_attachments WHERE ticket_id = ? ORDER BY id", {ticket_id}))
        out.push_back(r.i64(0));
    return out;
}

std::vector<int64_t> orphan_ids(Connection &c) {
    std::vector<int64_t> out;
    for (const Row &r : c.query("SELECT id FROM tickets_blobs WHERE ref_count = 0 ORDER BY id")) out.push_back(r.i64(0));
    return out;
}

bool remove_orphan(Connection &c, int64_t blob_id) {
    return c.execute("DELETE FROM tickets_blobs WHERE id = ? AND ref_count = 0", {blob_id}) > 0;
}

int64_t release_ticket(Connection &c, int64_t ticket_id) {
    sdk::db::Rows rows =
        c.query("SELECT id, blob_id FROM tickets_attachments WHERE ticket_id = ? ORDER BY id FOR UPDATE", {ticket_id});
    for (const Row &r : rows) {
        c.execute("DELETE FROM tickets_attachments WHERE id = ?", {r.i64(0)});
        c.execute("UPDATE tickets_blobs SET ref_count = ref_count - 1 WHERE id = ? AND ref_count > 0", {r.i64(1)});
    }
    return static_cast<int64_t>(rows.size());
}

int64_t remove_owner_orphans(Connection &c, int64_t owner_id) {
    return static_cast<int64_t>(c.execute("DELETE FROM tickets_blobs WHERE owner_id = ? AND ref_count = 0", {owner_id}));
}

} // namespace plinth::tickets::AttachmentStore
