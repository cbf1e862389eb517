-- Kinboard's schema. Portable between SQLite and PostgreSQL: TEXT ids,
-- BIGINT milliseconds since the Unix epoch, no booleans (a nullable
-- timestamp says "revoked"/"accepted"), no dialect-specific defaults.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE families (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    pin_hash TEXT,
    revision BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    family_id TEXT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (family_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE invites (
    code TEXT PRIMARY KEY,
    family_id TEXT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    created_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    accepted_at BIGINT
);

CREATE TABLE kiosks (
    id TEXT PRIMARY KEY,
    family_id TEXT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE members (
    id TEXT PRIMARY KEY,
    family_id TEXT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    color TEXT NOT NULL,
    balance BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX members_by_family ON members (family_id);

CREATE TABLE templates (
    id TEXT PRIMARY KEY,
    family_id TEXT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    stars BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX templates_by_family ON templates (family_id);

CREATE TABLE timers (
    id TEXT PRIMARY KEY,
    family_id TEXT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    state TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    ends_at BIGINT,
    remaining_ms BIGINT,
    stars BIGINT NOT NULL,
    template_id TEXT REFERENCES templates (id) ON DELETE SET NULL,
    started_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX timers_by_family_state ON timers (family_id, state);
CREATE INDEX timers_due ON timers (state, ends_at);

CREATE TABLE chores (
    id TEXT PRIMARY KEY,
    family_id TEXT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    stars BIGINT NOT NULL,
    member_id TEXT REFERENCES members (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX chores_by_family ON chores (family_id);

CREATE TABLE chore_completions (
    id TEXT PRIMARY KEY,
    chore_id TEXT NOT NULL REFERENCES chores (id) ON DELETE CASCADE,
    family_id TEXT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    completed_at BIGINT NOT NULL
);
CREATE INDEX chore_completions_by_chore ON chore_completions (chore_id, completed_at);

CREATE TABLE star_entries (
    id TEXT PRIMARY KEY,
    family_id TEXT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    amount BIGINT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX star_entries_by_member ON star_entries (member_id, created_at);

-- The first response to a request with an Idempotency-Key, replayed on retry.
CREATE TABLE idempotency_keys (
    scope TEXT PRIMARY KEY,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Server-wide settings, e.g. the generated Pusher app credentials.
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
