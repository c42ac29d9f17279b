-- Issue 6: officer presence, three separate notions per account. `duty` is what the officer, a
-- supervisor or the roster declared; `last_seen` is the last heartbeat (milliseconds; liveness is
-- judged against a grace period by the caller); `capacity` is how many chats they hold at once.
-- An account without a row has the defaults: off duty, capacity 3, never seen.
CREATE TABLE staff_presence (
    staff_id        TEXT PRIMARY KEY REFERENCES staff (id) ON DELETE CASCADE,
    duty            TEXT NOT NULL DEFAULT 'off_duty'
                    CHECK (duty IN ('on_shift', 'draining', 'on_break', 'off_duty')),
    capacity        BIGINT NOT NULL DEFAULT 3 CHECK (capacity BETWEEN 1 AND 10),
    last_seen       BIGINT,
    duty_changed_at BIGINT
);
