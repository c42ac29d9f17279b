-- The core loop: staff, conversations and their thread, notes, reports, gazetteer, audit.
-- PostgreSQL dialect of the SQLite schema, column for column.
-- Timestamps are milliseconds since the Unix epoch (UTC). Enums are text with CHECK constraints.

CREATE TABLE departements (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE communes (
    insee       TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,           -- lower-case, no accents, no punctuation: for search
    kind        TEXT NOT NULL CHECK (kind IN ('commune', 'arrondissement')),
    departement TEXT NOT NULL,
    postcodes   TEXT NOT NULL,           -- space-separated
    population  BIGINT NOT NULL DEFAULT 0,
    lat         DOUBLE PRECISION,
    lon         DOUBLE PRECISION
);
CREATE INDEX communes_name_key ON communes (name_key);
CREATE INDEX communes_postcodes ON communes (postcodes);

CREATE TABLE staff (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL CHECK (role IN ('operator', 'supervisor', 'analyst', 'investigator', 'auditor', 'admin')),
    password_hash  TEXT NOT NULL,
    departements   TEXT NOT NULL DEFAULT '',   -- space-separated codes, analysts only
    failed_logins  BIGINT NOT NULL DEFAULT 0,
    last_failed_at BIGINT,
    created_at     BIGINT NOT NULL
);

CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id   TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE conversations (
    id           TEXT PRIMARY KEY,
    state        TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'closed')),
    locale       TEXT NOT NULL CHECK (locale IN ('fr', 'en')),
    receipt_hash TEXT NOT NULL UNIQUE,
    token_hash   TEXT UNIQUE,                  -- NULL once the witness has ended the conversation
    priority     BIGINT NOT NULL DEFAULT 0,
    operator_id  TEXT REFERENCES staff (id),
    created_at   BIGINT NOT NULL,
    taken_at     BIGINT,
    closed_at    BIGINT,
    last_seq     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX conversations_queue ON conversations (state, priority DESC, created_at);
CREATE INDEX conversations_operator ON conversations (operator_id, state);

-- The witness-visible thread. Internal notes are NOT here: they have their own table.
CREATE TABLE events (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('message', 'officer_joined', 'closed')),
    author          TEXT NOT NULL CHECK (author IN ('witness', 'officer', 'system')),
    staff_id        TEXT REFERENCES staff (id),
    client_id       TEXT,
    body            TEXT,
    at              BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, seq),
    UNIQUE (conversation_id, author, client_id)
);

CREATE TABLE notes (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    staff_id        TEXT NOT NULL REFERENCES staff (id),
    body            TEXT NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX notes_conversation ON notes (conversation_id, id);

CREATE TABLE reports (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL UNIQUE REFERENCES conversations (id) ON DELETE CASCADE,
    state           TEXT NOT NULL CHECK (state IN ('in_chat', 'qualified', 'redirected_emergency', 'out_of_scope',
                        'rejected', 'graded', 'routed', 'corroborating', 'corroborated', 'unconfirmed',
                        'disseminated', 'acknowledged', 'outcome_recorded', 'closed', 'purged')),
    version         BIGINT NOT NULL DEFAULT 0,
    fields          TEXT NOT NULL,             -- JSON of ReportFields
    activity        TEXT,
    commune         TEXT REFERENCES communes (insee),
    departement     TEXT,
    weapons         BOOLEAN NOT NULL DEFAULT FALSE,
    outcome         TEXT CHECK (outcome IN ('redirected_emergency', 'out_of_scope', 'rejected')),
    outcome_reason  TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    qualified_at    BIGINT
);
CREATE INDEX reports_inbox ON reports (departement, state, qualified_at);

CREATE TABLE report_versions (
    report_id TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    version   BIGINT NOT NULL,
    fields    TEXT NOT NULL,
    staff_id  TEXT NOT NULL REFERENCES staff (id),
    saved_at  BIGINT NOT NULL,
    PRIMARY KEY (report_id, version)
);

CREATE TABLE audit_log (
    id       BIGSERIAL PRIMARY KEY,
    at       BIGINT NOT NULL,
    staff_id TEXT REFERENCES staff (id),
    action   TEXT NOT NULL,
    target   TEXT NOT NULL,
    purpose  TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
