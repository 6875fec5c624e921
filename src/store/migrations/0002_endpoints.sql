-- Signature settings per path prefix (see inspect::Endpoint). Secrets stay in
-- this file, which is created readable by its owner only.
CREATE TABLE endpoints (
    path_prefix TEXT PRIMARY KEY,
    provider    TEXT,
    secrets     TEXT    NOT NULL, -- JSON array of strings
    tolerance_s INTEGER,
    public_url  TEXT
) WITHOUT ROWID;
