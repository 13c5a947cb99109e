-- Accounts: identities, password hashes, sessions, login events, throttling.
-- Times are Unix seconds (BIGINT) so the host's injectable clock governs every rule.
-- Normalised columns use a binary collation: uniqueness is decided by the module's own
-- normalisation (trim + ASCII lowercase), never by a server collation's notion of equality.

CREATE TABLE accounts_users (
  id BIGINT NOT NULL AUTO_INCREMENT,
  email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  email_normalized VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  email_since BIGINT NOT NULL,
  username VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  username_normalized VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  first_name VARCHAR(100) NOT NULL,
  last_name VARCHAR(100) NOT NULL DEFAULT '',
  role TINYINT NOT NULL DEFAULT 0,
  password_hash VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  password_changed_at BIGINT NOT NULL,
  gravatar_url VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NULL,
  gravatar_opted_in_at BIGINT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_accounts_users_email (email_normalized),
  UNIQUE KEY uq_accounts_users_username (username_normalized),
  KEY ix_accounts_users_role (role)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every address an account used before its current one (the privacy module resolves data
-- subjects through it).
CREATE TABLE accounts_email_history (
  id BIGINT NOT NULL AUTO_INCREMENT,
  user_id BIGINT NOT NULL,
  email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  email_normalized VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  used_from BIGINT NOT NULL,
  replaced_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY ix_accounts_email_history_user (user_id),
  KEY ix_accounts_email_history_email (email_normalized),
  CONSTRAINT fk_accounts_email_history_user FOREIGN KEY (user_id) REFERENCES accounts_users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Live sessions. Only the SHA-256 of the token is kept; the token itself exists only in the
-- login response. A logout or revocation deletes the row (the event log keeps the history).
-- `role` copies the account's role (role changes update it in the same transaction) so that a
-- session check is one point-select without a join.
CREATE TABLE accounts_sessions (
  id BIGINT NOT NULL AUTO_INCREMENT,
  user_id BIGINT NOT NULL,
  role TINYINT NOT NULL,
  token_hash BINARY(32) NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_accounts_sessions_token (token_hash),
  KEY ix_accounts_sessions_user (user_id),
  KEY ix_accounts_sessions_expires (expires_at),
  KEY ix_accounts_sessions_last_seen (last_seen_at),
  CONSTRAINT fk_accounts_sessions_user FOREIGN KEY (user_id) REFERENCES accounts_users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Logins, failed logins, logouts and revocations. Never a password, never a token.
CREATE TABLE accounts_login_events (
  id BIGINT NOT NULL AUTO_INCREMENT,
  user_id BIGINT NOT NULL,
  at BIGINT NOT NULL,
  event VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  session_id BIGINT NULL,
  PRIMARY KEY (id),
  KEY ix_accounts_login_events_user (user_id, at),
  KEY ix_accounts_login_events_at (at),
  CONSTRAINT fk_accounts_login_events_user FOREIGN KEY (user_id) REFERENCES accounts_users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Failed-login counters, keyed by a keyed hash of "user:<id>" for accounts and of the typed
-- identifier for names that match no account, so both behave alike to an observer.
CREATE TABLE accounts_throttle (
  throttle_key BINARY(32) NOT NULL,
  failures INT NOT NULL,
  last_failure_at BIGINT NOT NULL,
  locked_until BIGINT NOT NULL,
  PRIMARY KEY (throttle_key),
  KEY ix_accounts_throttle_last (last_failure_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
