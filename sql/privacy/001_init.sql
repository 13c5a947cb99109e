-- The privacy module: consent ledger, data-subject requests with their progress and outcomes,
-- export archives and an append-only, hash-chained audit log.
-- Times are Unix seconds (BIGINT) so the host's injectable clock applies everywhere.
-- Email addresses are matched through a keyed hash (HMAC-SHA-256 with a host secret) of the
-- lower-cased address; plain addresses are kept only where a person must read them (an open
-- request) and are removed when the subject is erased.

CREATE TABLE privacy_consent_events (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id BIGINT NOT NULL DEFAULT 0,
  email_hash BINARY(32) NULL,
  purpose VARCHAR(64) NOT NULL,
  action VARCHAR(24) NOT NULL,
  policy_version VARCHAR(64) NOT NULL DEFAULT '',
  source VARCHAR(128) NOT NULL DEFAULT '',
  actor VARCHAR(64) NOT NULL,
  request_id BIGINT UNSIGNED NULL,
  created_at BIGINT NOT NULL,
  retain_until BIGINT NULL,
  PRIMARY KEY (id),
  KEY privacy_consent_by_user (user_id, purpose, id),
  KEY privacy_consent_by_email (email_hash, purpose, id),
  KEY privacy_consent_retain (retain_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE privacy_requests (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  kind VARCHAR(16) NOT NULL,
  purpose VARCHAR(64) NULL,
  status VARCHAR(16) NOT NULL,
  email VARCHAR(320) NULL,
  email_hash BINARY(32) NOT NULL,
  user_id BIGINT NOT NULL DEFAULT 0,
  open_slot VARBINARY(96) NULL,
  subject_json MEDIUMTEXT NULL,
  token_hash BINARY(32) NULL,
  token_expires_at BIGINT NOT NULL,
  created_by VARCHAR(64) NOT NULL,
  created_at BIGINT NOT NULL,
  deadline_at BIGINT NOT NULL,
  confirmed_at BIGINT NULL,
  started_at BIGINT NULL,
  completed_at BIGINT NULL,
  runs INT NOT NULL DEFAULT 0,
  result MEDIUMTEXT NULL,
  error VARCHAR(512) NULL,
  retain_until BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY privacy_requests_open_slot (open_slot),
  KEY privacy_requests_by_email (email_hash),
  KEY privacy_requests_by_user (user_id),
  KEY privacy_requests_by_status (status, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Keyed hashes of every address the subject had when the request was made, so the request is
-- found by any of them (e.g. after accounts erased the account that linked them).
CREATE TABLE privacy_request_emails (
  request_id BIGINT UNSIGNED NOT NULL,
  email_hash BINARY(32) NOT NULL,
  PRIMARY KEY (request_id, email_hash),
  KEY privacy_request_emails_by_hash (email_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE privacy_request_steps (
  request_id BIGINT UNSIGNED NOT NULL,
  module VARCHAR(64) NOT NULL,
  position INT NOT NULL,
  status VARCHAR(16) NOT NULL,
  items BIGINT NOT NULL DEFAULT 0,
  files BIGINT NOT NULL DEFAULT 0,
  removed BIGINT NOT NULL DEFAULT 0,
  anonymised BIGINT NOT NULL DEFAULT 0,
  retained BIGINT NOT NULL DEFAULT 0,
  attempts INT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (request_id, module)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE privacy_erasure_outcomes (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  request_id BIGINT UNSIGNED NOT NULL,
  module VARCHAR(64) NOT NULL,
  item_key BINARY(32) NOT NULL,
  category VARCHAR(128) NOT NULL,
  item VARCHAR(512) NOT NULL,
  outcome VARCHAR(16) NOT NULL,
  legal_basis VARCHAR(255) NOT NULL DEFAULT '',
  retained_until BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY privacy_outcome_once (request_id, module, item_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE privacy_exports (
  request_id BIGINT UNSIGNED NOT NULL,
  file_name VARCHAR(80) NOT NULL,
  size BIGINT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  deleted_at BIGINT NULL,
  PRIMARY KEY (request_id),
  KEY privacy_exports_expiry (deleted_at, expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE privacy_audit (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  at BIGINT NOT NULL,
  request_id BIGINT UNSIGNED NULL,
  actor VARCHAR(64) NOT NULL,
  action VARCHAR(64) NOT NULL,
  detail VARCHAR(1024) NOT NULL,
  prev_hash BINARY(32) NOT NULL,
  hash BINARY(32) NOT NULL,
  PRIMARY KEY (id),
  KEY privacy_audit_by_request (request_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row: the hash of the newest audit entry. Locked FOR UPDATE while appending, so the chain
-- never forks under concurrent writers.
CREATE TABLE privacy_audit_head (
  id TINYINT UNSIGNED NOT NULL,
  last_hash BINARY(32) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO privacy_audit_head (id, last_hash) VALUES (1, UNHEX(REPEAT('00', 32)));
