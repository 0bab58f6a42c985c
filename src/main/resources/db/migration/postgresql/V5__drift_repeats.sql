-- An ongoing drift that nobody fixes is found again at every drift check: instead of one identical row
-- per check, the newest drift check of an agent counts how many checks in a row found exactly the same
-- (seen) and when the last of them ran (last_seen_at; started_at is the first). NULL: seen once.

ALTER TABLE reconciles ADD COLUMN seen INTEGER NOT NULL DEFAULT 1;
ALTER TABLE reconciles ADD COLUMN last_seen_at TIMESTAMPTZ;
