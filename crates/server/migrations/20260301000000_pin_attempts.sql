-- Kiosk PIN attempts, kept on the family row rather than in one server's
-- memory so that several instances share one count, and reserved with a
-- conditional update before a PIN is verified, so that parallel guesses
-- cannot all read the same count (see `auth::reserve_pin_attempt`).
-- `pin_attempt_at` is when the latest attempt was reserved (ms epoch).
ALTER TABLE families ADD COLUMN pin_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE families ADD COLUMN pin_attempt_at BIGINT NOT NULL DEFAULT 0;
