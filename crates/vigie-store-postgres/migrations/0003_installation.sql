-- Facts about the installation itself, such as the fingerprint of the secret key every node
-- must share (never the key).
CREATE TABLE installation (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
