-- Licenses: products, policies, licenses, activations, audit and the change log.
-- Times are Unix seconds (BIGINT) except where sub-second order matters (microseconds, *_us).

CREATE TABLE license_products (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  slug VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name VARCHAR(200) NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE KEY uq_license_products_slug (slug)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- seat_limit -1 means unlimited. Expiry is either a duration from issue (duration_days) or a
-- fixed date (expires_at); neither means perpetual.
CREATE TABLE license_policies (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  product_id BIGINT UNSIGNED NOT NULL,
  name VARCHAR(200) NOT NULL,
  seat_limit INT NOT NULL,
  duration_days INT NULL,
  expires_at BIGINT NULL,
  grace_days INT NOT NULL DEFAULT 0,
  staging_exempt TINYINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  UNIQUE KEY uq_license_policies_name (product_id, name),
  CONSTRAINT fk_license_policies_product FOREIGN KEY (product_id) REFERENCES license_products (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The policy's terms are copied at issue so that editing a policy never changes sold licenses.
-- seats_used and activated_sites ("\n" + each canonical site + "\n") summarise
-- license_activations, rewritten in the same transaction as every activation change under the
-- row lock, so that a check reads one row: license_activations stays the source of truth.
-- key_hash: keyed SipHash-2-4-128 of the normalised key (lookup); key_ciphertext: nonce ||
-- XChaCha20-Poly1305 of the normalised key with the license id as associated data. The plain key
-- is never stored. user_id is NULL once the owner's data was erased; retained_until then says how
-- long the contract record is kept.
CREATE TABLE licenses (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  key_hash BINARY(16) NOT NULL,
  key_ciphertext VARBINARY(255) NOT NULL,
  user_id BIGINT NULL,
  product_id BIGINT UNSIGNED NOT NULL,
  policy_id BIGINT UNSIGNED NOT NULL,
  status TINYINT NOT NULL DEFAULT 0,
  seat_limit INT NOT NULL,
  grace_days INT NOT NULL,
  staging_exempt TINYINT NOT NULL,
  seats_used INT NOT NULL DEFAULT 0,
  activated_sites MEDIUMBLOB NOT NULL DEFAULT X'0A',
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL,
  retained_until BIGINT NULL,
  UNIQUE KEY uq_licenses_key_hash (key_hash),
  KEY ix_licenses_user (user_id),
  KEY ix_licenses_retained (retained_until),
  CONSTRAINT fk_licenses_product FOREIGN KEY (product_id) REFERENCES license_products (id),
  CONSTRAINT fk_licenses_policy FOREIGN KEY (policy_id) REFERENCES license_policies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per activated site. exempt rows (local/staging under an exempting policy) take no seat.
CREATE TABLE license_activations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  license_id BIGINT UNSIGNED NOT NULL,
  site_canonical VARCHAR(500) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  exempt TINYINT NOT NULL DEFAULT 0,
  activated_at BIGINT NOT NULL,
  UNIQUE KEY uq_license_activations_site (license_id, site_canonical),
  CONSTRAINT fk_license_activations_license FOREIGN KEY (license_id) REFERENCES licenses (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Append-only: rows are inserted, and only ever changed by erasure (site and actor cleared) or
-- deleted by the retention sweep. site is personal data; detail holds nothing personal.
CREATE TABLE license_audit (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at_us BIGINT NOT NULL,
  license_id BIGINT UNSIGNED NULL,
  action VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  actor_principal TINYINT NOT NULL,
  actor_user_id BIGINT NULL,
  site VARCHAR(500) CHARACTER SET ascii COLLATE ascii_bin NULL,
  detail VARCHAR(1000) NOT NULL DEFAULT '{}',
  KEY ix_license_audit_license (license_id, id),
  KEY ix_license_audit_actor (actor_user_id),
  KEY ix_license_audit_at (at_us)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every committed change to a license (state, expiry, activations) appends a row here; host
-- processes sharing the database poll it to evict their cached verdicts. key_hash identifies the
-- cache entry, so newly issued keys also clear negative entries.
CREATE TABLE license_changes (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  license_id BIGINT UNSIGNED NOT NULL,
  key_hash BINARY(16) NOT NULL,
  changed_at_us BIGINT NOT NULL,
  KEY ix_license_changes_at (changed_at_us)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
