-- prompts 001: the prompt log and its anonymous daily aggregates.
-- Times are Unix seconds (BIGINT) from the host clock; days are whole days since 1970-01-01 UTC.

-- One row per recorded prompt. user_id becomes NULL when retention removes the link; the row is
-- deleted when the texts reach the end of their retention. analysis_blocked is set while the
-- subject restricts or objects to AI prompt analysis (the row is then hidden from staff search).
CREATE TABLE prompts_log (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id BIGINT NULL,
  feature VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  model VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  prompt MEDIUMTEXT NOT NULL,
  response MEDIUMTEXT NULL,
  input_tokens INT UNSIGNED NOT NULL,
  output_tokens INT UNSIGNED NOT NULL,
  latency_ms INT UNSIGNED NOT NULL,
  created_at BIGINT NOT NULL,
  analysis_blocked TINYINT(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY prompts_log_user (user_id, id),
  KEY prompts_log_created (created_at),
  KEY prompts_log_feature (feature, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per day, feature and model: counts and sums, updated in the same transaction as each insert,
-- so neither retention nor erasure of the prompts changes them. No user column, by design.
CREATE TABLE prompts_daily (
  day BIGINT NOT NULL,
  feature VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  model VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  prompt_count BIGINT UNSIGNED NOT NULL,
  input_tokens BIGINT UNSIGNED NOT NULL,
  output_tokens BIGINT UNSIGNED NOT NULL,
  latency_ms_sum BIGINT UNSIGNED NOT NULL,
  latency_ms_max INT UNSIGNED NOT NULL,
  PRIMARY KEY (day, feature, model)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The latency histogram behind the percentiles: how many prompts of a day, feature and model fell
-- into each bucket (latency truncated to three significant digits).
CREATE TABLE prompts_daily_latency (
  day BIGINT NOT NULL,
  feature VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  model VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  bucket_ms INT UNSIGNED NOT NULL,
  prompt_count BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (day, feature, model, bucket_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
