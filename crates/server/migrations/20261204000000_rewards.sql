-- Parent approval of chores, rewards to spend stars on, and a ledger that
-- says who did what and can be taken back.
--
-- families.chore_approval: auto (a completion's stars at once) | parent (a
-- kitchen screen's completion waits for a parent to approve it).
ALTER TABLE families ADD COLUMN chore_approval TEXT NOT NULL DEFAULT 'auto';

-- star_entries.kind: manual | chore | timer | reward | undo. Rewards are
-- spending, not earning: weekly stars and the history count the others.
-- star_entries.created_by: the user or kitchen screen whose action wrote
-- it (older rows name nobody). reverses: the entry this one takes back
-- (the ledger is never edited: an entry is undone when another reverses
-- it, and only one may).
ALTER TABLE star_entries ADD COLUMN kind TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE star_entries ADD COLUMN created_by TEXT;
ALTER TABLE star_entries ADD COLUMN reverses TEXT;
CREATE UNIQUE INDEX star_entries_reversal ON star_entries (reverses) WHERE reverses IS NOT NULL;

-- A chore completion that a parent approved or rejected: who and when.
ALTER TABLE chore_completions ADD COLUMN decided_by TEXT;
ALTER TABLE chore_completions ADD COLUMN decided_at BIGINT;
CREATE INDEX chore_completions_pending ON chore_completions (family_id, status);
CREATE INDEX chore_completions_by_star_entry ON chore_completions (star_entry_id);

-- A family's catalogue; a reward taken off it keeps its row for the
-- redemptions that name it.
CREATE TABLE rewards (
    id TEXT PRIMARY KEY,
    family_id TEXT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    cost BIGINT NOT NULL,
    weekly_limit BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    removed_at BIGINT
);
CREATE INDEX rewards_by_family ON rewards (family_id);

-- A child spending stars on a reward: its ledger entry holds the stars.
-- status: approved (spent) | pending (a kitchen screen asked without the
-- PIN where parents approve: nothing spent until a parent approves) |
-- rejected. undone_at: when its entry was reversed (it counts no more).
CREATE TABLE reward_redemptions (
    id TEXT PRIMARY KEY,
    reward_id TEXT NOT NULL REFERENCES rewards (id) ON DELETE CASCADE,
    family_id TEXT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    cost BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'approved',
    created_by TEXT NOT NULL,
    star_entry_id TEXT,
    decided_by TEXT,
    decided_at BIGINT,
    created_at BIGINT NOT NULL,
    undone_at BIGINT
);
CREATE INDEX reward_redemptions_by_member ON reward_redemptions (member_id, reward_id, created_at);
CREATE INDEX reward_redemptions_by_family ON reward_redemptions (family_id, created_at);
CREATE INDEX reward_redemptions_by_star_entry ON reward_redemptions (star_entry_id);
