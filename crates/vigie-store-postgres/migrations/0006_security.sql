-- Issue 5: staff second factor and account life cycle, spent proofs of work, witness photos.

-- TOTP: the secret is sealed under the content key (place `staff.totp_secret:<id>`). NULL until
-- the account starts enrolment; `totp_enrolled_at` is NULL while enrolment is pending.
-- `totp_last_step` is the last 30-second step accepted, so a code is never accepted twice.
ALTER TABLE staff ADD COLUMN totp_secret TEXT;
ALTER TABLE staff ADD COLUMN totp_enrolled_at BIGINT;
ALTER TABLE staff ADD COLUMN totp_last_step BIGINT;
-- A disabled account cannot log in and has no session.
ALTER TABLE staff ADD COLUMN disabled_at BIGINT;
ALTER TABLE staff ADD COLUMN password_changed_at BIGINT;

-- Proofs of work already used to open a conversation: a hash of the challenge, kept until the
-- challenge would have expired anyway. Nothing about the person who solved it.
CREATE TABLE spent_proofs (
    hash       TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX spent_proofs_expiry ON spent_proofs (expires_at);

-- Photos a witness sent: re-encoded without any metadata, then sealed (place
-- `photos.content:<id>`) and stored as text like every sealed value. The thread event that
-- carries a photo names it.
CREATE TABLE photos (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    content         TEXT NOT NULL,
    width           BIGINT NOT NULL,
    height          BIGINT NOT NULL,
    bytes           BIGINT NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX photos_conversation ON photos (conversation_id);
ALTER TABLE events ADD COLUMN photo_id TEXT REFERENCES photos (id);
