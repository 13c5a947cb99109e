-- example_c (the C newsletter module): one row per subscribed address.
CREATE TABLE example_c_subscribers (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(254) NOT NULL,
  subscribed_at BIGINT NOT NULL,
  UNIQUE KEY example_c_subscribers_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
