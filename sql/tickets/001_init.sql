-- Tickets: support tickets, their replies, environment, attachments and temporary credentials.
-- Times are Unix seconds (BIGINT) so the host's injectable clock governs every rule.

-- owner_id is the customer's account id; 0 once the ticket has been anonymised.
-- environment holds the validated JSON document (private values marked, see docs).
CREATE TABLE tickets_tickets (
  id BIGINT NOT NULL AUTO_INCREMENT,
  owner_id BIGINT NOT NULL,
  subject VARCHAR(1000) NOT NULL,
  description MEDIUMTEXT NOT NULL,
  product VARCHAR(200) NULL,
  license_ref VARCHAR(200) NULL,
  priority TINYINT NOT NULL,
  status TINYINT NOT NULL,
  environment MEDIUMTEXT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  closed_at BIGINT NULL,
  anonymised_at BIGINT NULL,
  PRIMARY KEY (id),
  KEY tickets_by_owner (owner_id, id),
  KEY tickets_queue (status, priority, id),
  KEY tickets_closed (status, closed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- by_staff: written by staff on a ticket they do not own. author_id 0 once anonymised.
CREATE TABLE tickets_replies (
  id BIGINT NOT NULL AUTO_INCREMENT,
  ticket_id BIGINT NOT NULL,
  author_id BIGINT NOT NULL,
  by_staff TINYINT NOT NULL,
  body MEDIUMTEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY replies_by_ticket (ticket_id, id),
  KEY replies_by_author (author_id),
  CONSTRAINT replies_ticket FOREIGN KEY (ticket_id) REFERENCES tickets_tickets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- File contents, stored once per owner and content hash, shared by reference count.
-- A blob whose ref_count reaches 0 is an orphan: the retention sweep removes it.
CREATE TABLE tickets_blobs (
  id BIGINT NOT NULL AUTO_INCREMENT,
  owner_id BIGINT NOT NULL,
  sha256 BINARY(32) NOT NULL,
  size BIGINT NOT NULL,
  chunk_count INT NOT NULL,
  ref_count INT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY blobs_by_content (owner_id, sha256),
  KEY blobs_orphans (ref_count)
) ENGINE=InnoDB;

-- 512 KiB pieces, far below any sane max_allowed_packet.
CREATE TABLE tickets_blob_chunks (
  blob_id BIGINT NOT NULL,
  seq INT NOT NULL,
  data MEDIUMBLOB NOT NULL,
  PRIMARY KEY (blob_id, seq),
  CONSTRAINT chunks_blob FOREIGN KEY (blob_id) REFERENCES tickets_blobs (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- No cascade from tickets: removing an attachment must also release its blob reference, so the
-- code deletes attachments explicitly and the foreign keys refuse anything that forgets to.
CREATE TABLE tickets_attachments (
  id BIGINT NOT NULL AUTO_INCREMENT,
  ticket_id BIGINT NOT NULL,
  blob_id BIGINT NOT NULL,
  file_name VARCHAR(255) NOT NULL,
  media_type VARCHAR(127) NOT NULL,
  size BIGINT NOT NULL,
  uploaded_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY attachments_by_ticket (ticket_id, id),
  CONSTRAINT attachments_ticket FOREIGN KEY (ticket_id) REFERENCES tickets_tickets (id),
  CONSTRAINT attachments_blob FOREIGN KEY (blob_id) REFERENCES tickets_blobs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- nonce/ciphertext: XChaCha20-Poly1305 under the host key "credentials" (key_version), with the
-- ticket and credential ids as associated data. Both become NULL when purged; the row stays as
-- the record that a credential existed (created, expiry, purged_at, purge_reason).
CREATE TABLE tickets_credentials (
  id BIGINT NOT NULL AUTO_INCREMENT,
  ticket_id BIGINT NOT NULL,
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  key_version INT NOT NULL,
  nonce VARBINARY(24) NULL,
  ciphertext BLOB NULL,
  purged_at BIGINT NULL,
  purge_reason VARCHAR(32) NULL,
  PRIMARY KEY (id),
  KEY credentials_by_ticket (ticket_id),
  KEY credentials_live (purged_at, expires_at),
  CONSTRAINT credentials_ticket FOREIGN KEY (ticket_id) REFERENCES tickets_tickets (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- Every reveal of a credential to staff: who and when. Append-only (the trigger refuses
-- updates); rows leave only through the retention sweep, after retention.reveal_log_days.
-- No foreign keys: the record outlives the ticket and credential it speaks of.
CREATE TABLE tickets_credential_reveals (
  id BIGINT NOT NULL AUTO_INCREMENT,
  credential_id BIGINT NOT NULL,
  ticket_id BIGINT NOT NULL,
  revealed_by BIGINT NOT NULL,
  revealed_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY reveals_by_credential (credential_id, id),
  KEY reveals_by_ticket (ticket_id, id),
  KEY reveals_by_staff (revealed_by),
  KEY reveals_by_time (revealed_at)
) ENGINE=InnoDB;

CREATE TRIGGER tickets_credential_reveals_append_only BEFORE UPDATE ON tickets_credential_reveals FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'tickets_credential_reveals is append-only';
