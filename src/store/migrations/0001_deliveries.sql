-- One row per delivery. `seq` is the integer key and the id (see model::DeliveryId).
-- No secondary index: each would add a page to every commit's WAL write. The
-- path index lives with the full-text index in the search database.
-- Column order matters for speed: the small columns that lists read come first,
-- the header block and the body last.
CREATE TABLE deliveries (
    seq              INTEGER PRIMARY KEY,
    received_at_us   INTEGER NOT NULL,
    method           TEXT    NOT NULL,
    path             TEXT    NOT NULL,
    query            TEXT,
    status           INTEGER NOT NULL,
    body_size        INTEGER NOT NULL,
    content_type     TEXT,
    flags            INTEGER NOT NULL DEFAULT 0, -- bit 0: truncated, bit 1: pinned
    http_version     TEXT    NOT NULL,
    remote_addr      TEXT,
    duration_us      INTEGER NOT NULL,
    -- NULL response headers and body mean the standard ack, rebuilt on read.
    response_headers BLOB,
    response_body    BLOB,
    headers          BLOB    NOT NULL,
    body             BLOB    NOT NULL
);

-- Counts and bytes per exact path, kept by the writer in the same transaction
-- as the rows, so stats and retention never scan the table.
CREATE TABLE path_stats (
    path  TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL
) WITHOUT ROWID;

-- Small settings and cursors, e.g. how far the full-text index has caught up.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

-- Deliveries deleted since the search index last caught up: the indexer (its
-- own database file, see search.rs) removes them from the index, then the
-- writer trims this log. seq 0 marks a clear.
CREATE TABLE search_deletes (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    seq  INTEGER NOT NULL,
    path TEXT    NOT NULL
);
