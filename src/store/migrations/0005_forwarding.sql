-- Endpoints become rules: which methods they match, where their deliveries
-- are forwarded and how, and a custom answer for the sender.
ALTER TABLE endpoints ADD COLUMN methods TEXT;            -- JSON ["POST", …]; NULL: every method
ALTER TABLE endpoints ADD COLUMN forward_to TEXT;
ALTER TABLE endpoints ADD COLUMN forward_mode TEXT NOT NULL DEFAULT 'async';
ALTER TABLE endpoints ADD COLUMN forward_concurrency INTEGER;
ALTER TABLE endpoints ADD COLUMN response TEXT;           -- JSON CustomResponse

-- What became of each delivery a rule forwards. The forwarder follows the
-- deliveries by seq with a cursor (meta 'forward_cursor'): every delivery at
-- or below it has its row here, or matched no rule with a target. Rows are
-- written with the attempts of a batch, never on the capture's ack path.
CREATE TABLE forwards (
    delivery      INTEGER PRIMARY KEY,
    target        TEXT    NOT NULL,
    state         TEXT    NOT NULL, -- queued | retrying | delivered | failed | dead | dropped
    tries         INTEGER NOT NULL DEFAULT 0,
    next_at_us    INTEGER,          -- queued, retrying: when the next try is due
    last_status   INTEGER,
    last_error    TEXT,
    updated_at_us INTEGER NOT NULL
);
CREATE INDEX forwards_waiting ON forwards (delivery) WHERE state IN ('queued', 'retrying');

-- Targets the user paused: nothing is sent to them until resumed.
CREATE TABLE forward_targets (
    target TEXT PRIMARY KEY,
    paused INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Each start of Hookscope from the newest delivery then stored, with its
-- `--forward-to`: a delivery is routed with the default target of the run
-- that captured it, so a backlog left by a killed run still goes where that
-- run was sending, whatever the next run was started with.
CREATE TABLE forward_runs (
    from_seq       INTEGER PRIMARY KEY, -- deliveries after this seq
    default_target TEXT
);
