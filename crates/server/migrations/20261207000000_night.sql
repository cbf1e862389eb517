-- The family's night: kitchen screens dim from night_from to night_to
-- (local HH:MM in the family's time zone; both or neither).
ALTER TABLE families ADD COLUMN night_from TEXT;
ALTER TABLE families ADD COLUMN night_to TEXT;
