-- What a remembered reply answered: a hash of the request's method, path
-- and body, so that a key reused for a different request is refused
-- instead of answered with the first request's reply. NULL on keys stored
-- before this column existed; those are pruned within a day anyway.
ALTER TABLE idempotency_keys ADD COLUMN request_hash TEXT;

-- Keys are pruned by age (see `revision::prune_idempotency_keys`).
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
