-- After the cell's conclusion: units and the routing table, dissemination of sanitised dossiers,
-- outcomes, points de deal with their history, follow-up questions, retention rules, outlines.
-- PostgreSQL dialect of the SQLite migration, column for column.

CREATE TABLE units (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('surete_departementale', 'drug_squad', 'gendarmerie', 'ofast', 'customs')),
    created_at BIGINT NOT NULL
);

-- The routing table: which units may receive dossiers about which département.
CREATE TABLE unit_departements (
    unit_id     TEXT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    departement TEXT NOT NULL,
    PRIMARY KEY (departement, unit_id)
);

CREATE TABLE unit_members (
    staff_id TEXT PRIMARY KEY REFERENCES staff (id) ON DELETE CASCADE,
    unit_id  TEXT NOT NULL REFERENCES units (id)
);

CREATE TABLE deal_points (
    id          TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    departement TEXT NOT NULL,
    commune     TEXT REFERENCES communes (insee),
    lat         DOUBLE PRECISION,
    lon         DOUBLE PRECISION,
    status      TEXT NOT NULL CHECK (status IN ('active', 'dismantled', 'moved')),
    profile     TEXT NOT NULL,               -- JSON ReportFields: place and time pattern
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX deal_points_departement ON deal_points (departement);

CREATE TABLE deal_point_history (
    id            BIGSERIAL PRIMARY KEY,
    deal_point_id TEXT NOT NULL REFERENCES deal_points (id) ON DELETE CASCADE,
    at            BIGINT NOT NULL,
    staff_id      TEXT REFERENCES staff (id),
    action        TEXT NOT NULL CHECK (action IN ('created', 'linked', 'status', 'outcome')),
    detail        TEXT NOT NULL
);
CREATE INDEX deal_point_history_point ON deal_point_history (deal_point_id, id);

ALTER TABLE reports ADD COLUMN deal_point_id TEXT REFERENCES deal_points (id);
ALTER TABLE reports ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE reports ADD COLUMN lon DOUBLE PRECISION;
CREATE INDEX reports_deal_point ON reports (deal_point_id);

CREATE TABLE disseminations (
    id              TEXT PRIMARY KEY,
    report_id       TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    unit_id         TEXT NOT NULL REFERENCES units (id),
    staff_id        TEXT NOT NULL REFERENCES staff (id),
    at              BIGINT NOT NULL,
    dossier         TEXT NOT NULL,           -- JSON Dossier, frozen; '{}' once purged
    acknowledged_at BIGINT,
    acknowledged_by TEXT REFERENCES staff (id),
    UNIQUE (report_id, unit_id)
);
CREATE INDEX disseminations_unit ON disseminations (unit_id, at);

CREATE TABLE outcomes (
    id               BIGSERIAL PRIMARY KEY,
    dissemination_id TEXT REFERENCES disseminations (id) ON DELETE SET NULL,  -- NULL once purged
    report_id        TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('patrol', 'investigation_opened', 'arrests', 'seizure', 'fines', 'no_action')),
    detail           TEXT NOT NULL,          -- JSON Outcome
    count            BIGINT,
    product          TEXT,
    quantity         DOUBLE PRECISION,
    unit             TEXT,
    staff_id         TEXT NOT NULL REFERENCES staff (id),
    at               BIGINT NOT NULL
);
CREATE INDEX outcomes_report ON outcomes (report_id, id);

CREATE TABLE follow_ups (
    id              BIGSERIAL PRIMARY KEY,
    report_id       TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    question_seq    BIGINT NOT NULL,
    staff_id        TEXT NOT NULL REFERENCES staff (id),
    asked_at        BIGINT NOT NULL,
    answer_seq      BIGINT,
    answered_at     BIGINT
);
CREATE INDEX follow_ups_conversation ON follow_ups (conversation_id, answer_seq);

CREATE TABLE retention_rules (
    state TEXT PRIMARY KEY CHECK (state IN ('redirected_emergency', 'out_of_scope', 'rejected', 'unconfirmed', 'closed')),
    days  BIGINT NOT NULL CHECK (days BETWEEN 1 AND 3650)
);

ALTER TABLE departements ADD COLUMN outline TEXT;   -- GeoJSON geometry, from `vigie geo import`
CREATE INDEX audit_log_target ON audit_log (target);
