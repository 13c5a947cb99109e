-- Multisite licenses: a policy's scope ("site" 0, "network" 1) and its sites_per_network
-- (-1 = unlimited), copied to each license at issue like the other terms. Under scope network
-- the seat limit counts license_networks rows that are not exempt, and every activation belongs
-- to one network.

ALTER TABLE license_policies
  ADD COLUMN scope TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN sites_per_network INT NOT NULL DEFAULT -1;

ALTER TABLE licenses
  ADD COLUMN scope TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN sites_per_network INT NOT NULL DEFAULT -1;

-- One row per activated network, named by the canonical form of its main site. exempt: a
-- local/staging network under a staging-exempt policy takes no seat. Personal data like a site.
CREATE TABLE license_networks (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  license_id BIGINT UNSIGNED NOT NULL,
  network_canonical VARCHAR(500) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  exempt TINYINT NOT NULL DEFAULT 0,
  activated_at BIGINT NOT NULL,
  UNIQUE KEY uq_license_networks_network (license_id, network_canonical),
  CONSTRAINT fk_license_networks_license FOREIGN KEY (license_id) REFERENCES licenses (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A network's sites: network_id names the network (NULL under a site-scoped license), coverage
-- how the site belongs to it (1 site, 2 main, 3 subdomain, 4 subdirectory, 5 mapped), and exempt
-- whether it takes none of the network's sites_per_network. Deleting a network deletes its sites.
ALTER TABLE license_activations
  ADD COLUMN network_id BIGINT UNSIGNED NULL,
  ADD COLUMN coverage TINYINT NOT NULL DEFAULT 1,
  ADD KEY ix_license_activations_network (network_id),
  ADD CONSTRAINT fk_license_activations_network FOREIGN KEY (network_id) REFERENCES license_networks (id) ON DELETE CASCADE;
