-- Running a household from the app.
--
-- A child taken off the board keeps their row (their star ledger and
-- timers still name them): `removed_at` (ms epoch) hides them.
ALTER TABLE members ADD COLUMN removed_at BIGINT;

-- When a kitchen screen last made a request, to the minute (updated at
-- most once a minute, so the board's requests do not turn into writes).
ALTER TABLE kiosks ADD COLUMN last_seen_at BIGINT;

-- Invites become single-use 128-bit codes stored only as their SHA-256,
-- each with an id that parents see and can revoke. Codes made before are
-- dropped: they were plain text, and lived a week.
DROP TABLE invites;
CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    family_id TEXT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    accepted_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX invites_by_family ON invites (family_id);
