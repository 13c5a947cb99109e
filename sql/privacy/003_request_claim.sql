-- Who runs a request now: a random token and until when it holds unless renewed. Replaces a
-- named lock (GET_LOCK), which on a Galera cluster locks one node only; a claim written into the
-- row is seen, and contended, by every node.
ALTER TABLE privacy_requests
  ADD COLUMN run_claim BINARY(16) NULL,
  ADD COLUMN run_claimed_until BIGINT NULL;
