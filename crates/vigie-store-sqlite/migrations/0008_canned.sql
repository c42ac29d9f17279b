-- Issue 6: canned replies officers insert into their answers, per language, managed by
-- administrators. Configuration, not case content: bodies are stored as they are (not sealed).
-- The list of a language is ordered by `position`, then `title`.
CREATE TABLE canned_replies (
    id         TEXT PRIMARY KEY,
    locale     TEXT NOT NULL CHECK (locale IN ('fr', 'en')),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
    updated_at INTEGER NOT NULL
);
CREATE INDEX canned_replies_order ON canned_replies (locale, position, title);
