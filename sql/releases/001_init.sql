-- Releases: products' update metadata, releases, their packages (in chunks), download counts and
-- the update-check log. Times are Unix seconds.

-- Per product (the licenses module's slug): what EDD-speaking updaters and WordPress show.
-- edd_item_id is the download id the vendor's plugins already send as item_id; name is what
-- they send as item_name.
CREATE TABLE release_products (
  product VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  edd_item_id BIGINT NULL,
  name VARCHAR(200) NOT NULL,
  homepage VARCHAR(500) NOT NULL DEFAULT '',
  description MEDIUMTEXT NOT NULL,
  banner_low VARCHAR(500) NOT NULL DEFAULT '',
  banner_high VARCHAR(500) NOT NULL DEFAULT '',
  icon_1x VARCHAR(500) NOT NULL DEFAULT '',
  icon_2x VARCHAR(500) NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL,
  UNIQUE KEY uq_release_products_item (edd_item_id),
  KEY ix_release_products_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A package is stored once per content (sha256) and split into chunks of at most 1 MiB, so
-- neither writing nor serving it holds the whole file in memory, and it replicates and is backed
-- up with the rest of the database.
CREATE TABLE release_packages (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sha256 BINARY(32) NOT NULL,
  size BIGINT NOT NULL,
  chunk_size INT NOT NULL,
  chunk_count INT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE KEY uq_release_packages_sha256 (sha256)
) ENGINE=InnoDB;

CREATE TABLE release_package_chunks (
  package_id BIGINT UNSIGNED NOT NULL,
  seq INT NOT NULL,
  data MEDIUMBLOB NOT NULL,
  PRIMARY KEY (package_id, seq),
  CONSTRAINT fk_release_chunks_package FOREIGN KEY (package_id) REFERENCES release_packages (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- channel: 0 stable, 1 beta. rollout: basis points (10000 = every site). Ordering is SemVer
-- precedence, computed in the service (SQL cannot order pre-release identifiers).
CREATE TABLE releases (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  product VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  version VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  channel TINYINT NOT NULL,
  changelog MEDIUMTEXT NOT NULL,
  requires_wp VARCHAR(20) NOT NULL DEFAULT '',
  requires_php VARCHAR(20) NOT NULL DEFAULT '',
  tested_wp VARCHAR(20) NOT NULL DEFAULT '',
  released_at BIGINT NOT NULL,
  package_id BIGINT UNSIGNED NOT NULL,
  rollout INT NOT NULL,
  yanked TINYINT NOT NULL DEFAULT 0,
  yanked_at BIGINT NULL,
  yank_reason VARCHAR(500) NULL,
  UNIQUE KEY uq_releases_version (product, version),
  CONSTRAINT fk_releases_product FOREIGN KEY (product) REFERENCES release_products (product),
  CONSTRAINT fk_releases_package FOREIGN KEY (package_id) REFERENCES release_packages (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Downloads per release and day: an aggregate, with nothing about who downloaded.
CREATE TABLE release_download_counts (
  release_id BIGINT UNSIGNED NOT NULL,
  day BIGINT NOT NULL,
  downloads BIGINT NOT NULL,
  PRIMARY KEY (release_id, day),
  CONSTRAINT fk_release_counts_release FOREIGN KEY (release_id) REFERENCES releases (id)
) ENGINE=InnoDB;

-- The update-check log: which licence asked for which product from which (canonical) site, when
-- last, and what it was offered. One row per licence, product and site (updated in place), kept
-- for update_log_retention_days after the last check. Nothing else about the site or the person.
CREATE TABLE release_update_checks (
  license_id BIGINT NOT NULL,
  product VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  site VARBINARY(500) NOT NULL,
  last_checked_at BIGINT NOT NULL,
  offered_version VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NULL,
  PRIMARY KEY (license_id, product, site),
  KEY ix_release_update_checks_time (last_checked_at)
) ENGINE=InnoDB;
