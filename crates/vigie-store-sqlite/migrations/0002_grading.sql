-- The intelligence cell's work on a report: grading, the analyst's assessment (kept apart from
-- the witness's facts), the review date of an unconfirmed report, and the checks made.

ALTER TABLE reports ADD COLUMN grading_source TEXT CHECK (grading_source IN ('A', 'B', 'C', 'D', 'E', 'F'));
ALTER TABLE reports ADD COLUMN grading_credibility TEXT CHECK (grading_credibility IN ('1', '2', '3', '4', '5', '6'));
ALTER TABLE reports ADD COLUMN handling_code TEXT CHECK (handling_code IN ('H0', 'H1', 'H2', 'H3'));
ALTER TABLE reports ADD COLUMN assessment TEXT;
ALTER TABLE reports ADD COLUMN review_on TEXT;

CREATE TABLE report_checks (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('other_reports', 'files', 'patrol', 'surveillance')),
    result    TEXT NOT NULL,
    staff_id  TEXT NOT NULL REFERENCES staff (id),
    at        INTEGER NOT NULL
);
CREATE INDEX report_checks_report ON report_checks (report_id, id);
