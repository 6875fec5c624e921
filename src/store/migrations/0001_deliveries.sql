-- One row per delivery. `seq` is the integer key and the id (see model::DeliveryId).
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

-- Keyset listing filtered by path prefix.
CREATE INDEX deliveries_path ON deliveries (path, seq);

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

-- Full-text index over path, header block and text bodies. Contentless: the
-- text already lives in `deliveries`; this holds only the index. Filled after
-- the ack by the writer when it has nothing else to do.
CREATE VIRTUAL TABLE delivery_fts USING fts5 (
    path, headers, body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
