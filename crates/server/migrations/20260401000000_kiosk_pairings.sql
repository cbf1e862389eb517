-- One-time codes that pair a kitchen screen with a family: a parent makes
-- one, the screen trades it for its own kiosk token, so no parent password
-- is ever typed on a shared screen. Only the code's SHA-256 is stored; a
-- code works once (`kiosk_id` is set by a conditional update when it is
-- claimed) and until `expires_at` (ms epoch).
CREATE TABLE kiosk_pairings (
    code_hash TEXT PRIMARY KEY,
    family_id TEXT NOT NULL REFERENCES families (id),
    name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    kiosk_id TEXT
);
CREATE INDEX kiosk_pairings_family ON kiosk_pairings (family_id);
