-- Issue 6: the roster. One row per shift of one officer; times are milliseconds since the Unix
-- epoch, the end strictly after the start. The store refuses two overlapping shifts of one
-- officer (shifts end to end are allowed). The roster moves an officer's duty at the edges of
-- their shifts; officers with no shift row set their duty by hand.
CREATE TABLE shifts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    staff_id    TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    created_by  TEXT,
    created_at  INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX shifts_staff ON shifts (staff_id, starts_at);
CREATE INDEX shifts_starts ON shifts (starts_at);
CREATE INDEX shifts_ends ON shifts (ends_at);
