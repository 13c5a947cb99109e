-- Requests belong to a subject and close for good (issue 10, items 1-3 and 7).
--
-- A request can now be cancelled: by the erasure of its subject (an export must never be
-- finished with data erased after it started) or when a new request replaces a failed one.
-- `cancelled_by` names the request that did it (NULL when none did, e.g. a module call).
ALTER TABLE privacy_requests ADD COLUMN cancelled_by BIGINT UNSIGNED NULL AFTER error;

-- A closed request keeps only the keyed hash of the address it was made with: the plain address
-- was needed only to answer it. Earlier versions kept it on completed export requests.
UPDATE privacy_requests SET email = NULL WHERE status IN ('completed', 'expired');

-- A closed request of an account belongs to that account alone: its address hashes no longer
-- find it, so whoever holds one of those addresses next never sees it.
DELETE e FROM privacy_request_emails e JOIN privacy_requests r ON r.id = e.request_id
 WHERE r.user_id > 0 AND r.status IN ('completed', 'expired');
