-- Chores due on some days of the week, and completions that count once a
-- day per child and can be taken back.
--
-- chores.days: ISO weekdays, "1,3,5" (1 = Monday); NULL, every day.
-- chore_completions.day: the family's local date of the completion
-- (YYYY-MM-DD); older rows have none and bind nothing.
-- chore_completions.status: approved | pending | rejected | undone; only
-- approved and pending ones count, once per chore, child and day.
ALTER TABLE chores ADD COLUMN days TEXT;
ALTER TABLE chore_completions ADD COLUMN day TEXT;
ALTER TABLE chore_completions ADD COLUMN status TEXT NOT NULL DEFAULT 'approved';
ALTER TABLE chore_completions ADD COLUMN created_by TEXT;
ALTER TABLE chore_completions ADD COLUMN star_entry_id TEXT;
ALTER TABLE chore_completions ADD COLUMN undone_at BIGINT;
CREATE UNIQUE INDEX chore_completions_once_a_day
    ON chore_completions (chore_id, member_id, day)
    WHERE status IN ('approved', 'pending');
