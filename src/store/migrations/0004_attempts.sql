-- Every send of a stored delivery (replay now, forwarding next): what went
-- out and what came back. `seq` is the id (model::AttemptId): microseconds
-- since the epoch when it started, nudged forward on collisions.
CREATE TABLE attempts (
    seq              INTEGER PRIMARY KEY,
    delivery         INTEGER NOT NULL,
    origin           TEXT    NOT NULL,
    method           TEXT    NOT NULL,
    url              TEXT    NOT NULL,
    status           INTEGER,          -- NULL: no answer, see error_kind
    error_kind       TEXT,
    error_message    TEXT,
    duration_us      INTEGER NOT NULL,
    resigned         TEXT    NOT NULL DEFAULT '[]', -- JSON: header names
    warnings         TEXT    NOT NULL DEFAULT '[]', -- JSON: sentences
    response_truncated INTEGER NOT NULL DEFAULT 0,
    request_headers  BLOB    NOT NULL,
    request_body     BLOB,             -- NULL: the delivery's own body, sent as captured
    response_headers BLOB,
    response_body    BLOB
);
CREATE INDEX attempts_delivery ON attempts (delivery, seq);

-- The last target each endpoint was replayed to ('' for deliveries under no
-- endpoint), offered first next time.
CREATE TABLE replay_targets (
    scope TEXT PRIMARY KEY,
    url   TEXT NOT NULL
) WITHOUT ROWID;

-- Named edits kept on a delivery, to send again later: a ReplayRequest as JSON.
CREATE TABLE drafts (
    delivery      INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    request       TEXT    NOT NULL,
    updated_at_us INTEGER NOT NULL,
    PRIMARY KEY (delivery, name)
) WITHOUT ROWID;
