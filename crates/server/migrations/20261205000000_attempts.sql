-- Attempts at secrets — passwords (per account and per address), the
-- parent PIN (per family), pairing and invite codes (per address) — counted
-- in the database so that every instance shares one count (see
-- `throttle.rs`). failures: attempts in the current round; lockouts: how
-- far up the ladder of lockout spans the key is; last_at: the latest
-- attempt; locked_until: when the key opens again (0: not locked). All ms
-- epoch.
CREATE TABLE attempts (
    scope_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL DEFAULT 0,
    lockouts BIGINT NOT NULL DEFAULT 0,
    last_at BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX attempts_by_last_at ON attempts (last_at);

-- The PIN's count moved here from the family row.
ALTER TABLE families DROP COLUMN pin_attempts;
ALTER TABLE families DROP COLUMN pin_attempt_at;

-- Where sign-up is closed, an invite lets its holder make one account:
-- the account it made.
ALTER TABLE invites ADD COLUMN signed_up_by TEXT;
