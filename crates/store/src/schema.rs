//! The schema, and the migrations that bring an older database to it.
//!
//! A fresh database is made by [`CREATE`] in one step; an older one is
//! brought forward by the steps in [`MIGRATIONS`]. Two paths that must end in
//! the same schema: `tests/migrate.rs` checks that they do.
//!
//! Rules for a new version: bump [`VERSION`], write its step, update
//! [`CREATE`] to match (columns added by `ALTER TABLE` go last), and add the
//! old version's SQL to `tests/fixtures/`. Steps only add: user data is never
//! deleted, and a table that must change shape is copied, not dropped.
//!
//! Quantities are integers in device units; the comments below are kept in
//! `sqlite_master`, so `.schema` in the sqlite3 shell explains each column.

/// The schema version this build writes (`PRAGMA user_version`).
pub const VERSION: i64 = 5;

/// `PRAGMA application_id`: "ERGL", so erglink knows its own files.
pub const APPLICATION_ID: i32 = 0x4552_474C;

/// The current schema, for a new database.
pub const CREATE: &str = r#"
CREATE TABLE monitors (
    key INTEGER PRIMARY KEY,
    serial TEXT NOT NULL,
    model INTEGER NOT NULL,         -- 3, 4 or 5
    firmware TEXT NOT NULL,
    hardware TEXT NOT NULL,
    report_sizes TEXT NOT NULL,     -- HID report id:bytes, e.g. 1:21,2:121,4:501
    UNIQUE (serial, model, firmware, hardware, report_sizes)
);

CREATE TABLE sessions (
    key INTEGER PRIMARY KEY,        -- internal; data tables refer to it
    id TEXT NOT NULL UNIQUE,        -- ULID, what users see
    source INTEGER NOT NULL,        -- 0 usb, 1 sim, 2 replay
    monitor INTEGER REFERENCES monitors (key),
    machine INTEGER NOT NULL,       -- 0 RowErg, 1 SkiErg, 2 BikeErg
    started_ns INTEGER NOT NULL,    -- UTC, ns since the Unix epoch
    utc_offset_s INTEGER NOT NULL,  -- local offset at the start, s east of UTC
    ended_ns INTEGER,               -- UTC, ns since the Unix epoch
    workout_type INTEGER,           -- CSAFE WorkoutType code
    workout_params TEXT NOT NULL,   -- JSON of erglink_model::WorkoutParams
    athlete TEXT,
    station TEXT,
    note TEXT,
    state INTEGER NOT NULL,         -- 0 recording, 1 complete, 2 interrupted
    achieved_millihz INTEGER,       -- achieved sample rate, 0.001 Hz
    rtt_histogram TEXT NOT NULL,    -- JSON [[upper bound in us, count], ...]
    timeouts INTEGER NOT NULL,
    retries INTEGER NOT NULL,
    dropped_bytes INTEGER NOT NULL,
    sample_count INTEGER NOT NULL,  -- the counts below are kept by the writer, per commit
    stroke_count INTEGER NOT NULL,
    curve_count INTEGER NOT NULL,
    split_count INTEGER NOT NULL,
    gap_count INTEGER NOT NULL,
    last_elapsed_ns INTEGER,        -- last committed sample, transport clock
    last_distance_dm INTEGER,       -- last committed sample, 0.1 m
    exchange_count INTEGER NOT NULL DEFAULT 0,
    machine_assumed INTEGER NOT NULL DEFAULT 0 -- 1: machine was assumed (a PM3 or PM4 cannot say)
);
CREATE INDEX sessions_by_start ON sessions (started_ns);

CREATE TABLE samples (
    -- The bulk of every session, so one integer key: (session << 32) | seq
    -- (session keys stay far below 2^31). Appending by rowid costs a third
    -- less than a two-column key, and the two generated columns below keep
    -- queries readable at no cost on disk.
    id INTEGER PRIMARY KEY,
    session INTEGER GENERATED ALWAYS AS (id >> 32) VIRTUAL,    -- sessions.key
    seq INTEGER GENERATED ALWAYS AS (id & 0xFFFFFFFF) VIRTUAL, -- 0, 1, 2... in arrival order
    elapsed_ns INTEGER NOT NULL,    -- transport clock since the start
    pm_elapsed_cs INTEGER NOT NULL, -- PM work time, 0.01 s
    distance_dm INTEGER NOT NULL,   -- 0.1 m
    pace_cs INTEGER NOT NULL,       -- 0.01 s per 500 m
    power_w INTEGER NOT NULL,
    rate_spm INTEGER NOT NULL,
    hr_bpm INTEGER,                 -- NULL: not read for this sample
    energy_kcal INTEGER,
    stroke_state INTEGER NOT NULL,  -- CSAFE StrokeState code
    drag_factor INTEGER,
    workout_state INTEGER,          -- CSAFE WorkoutState code
    interval_type INTEGER,          -- CSAFE IntervalType code
    interval_count INTEGER
);

CREATE TABLE strokes (
    session INTEGER NOT NULL REFERENCES sessions (key),
    idx INTEGER NOT NULL,           -- stroke number, 0-based
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    drive_time_cs INTEGER NOT NULL,
    recovery_time_cs INTEGER NOT NULL,
    drive_length_cm INTEGER NOT NULL,
    peak_force_dlbf INTEGER NOT NULL,    -- 0.1 lbf
    average_force_dlbf INTEGER NOT NULL, -- 0.1 lbf
    distance_cm INTEGER NOT NULL,
    work_dj INTEGER NOT NULL,       -- 0.1 J
    PRIMARY KEY (session, idx)
) WITHOUT ROWID;

CREATE TABLE force_curves (
    session INTEGER NOT NULL REFERENCES sessions (key),
    stroke INTEGER NOT NULL,        -- strokes.idx
    sample_count INTEGER NOT NULL,
    complete INTEGER NOT NULL,      -- 1: the PM ended the curve; 0: cut off
    samples BLOB NOT NULL,          -- u16 little-endian each, as sent (lbf)
    PRIMARY KEY (session, stroke)
) WITHOUT ROWID;

CREATE TABLE splits (
    session INTEGER NOT NULL REFERENCES sessions (key),
    kind INTEGER NOT NULL,          -- 0 split, 1 interval
    idx INTEGER NOT NULL,
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    time_cs INTEGER NOT NULL,
    distance_dm INTEGER NOT NULL,
    energy_kcal INTEGER,
    average_power_w INTEGER,
    average_rate_spm INTEGER,
    average_hr_bpm INTEGER,
    interval_type INTEGER,          -- CSAFE IntervalType code
    rest_time_cs INTEGER,
    rest_distance_dm INTEGER,
    PRIMARY KEY (session, kind, idx)
) WITHOUT ROWID;

CREATE TABLE gaps (
    session INTEGER NOT NULL REFERENCES sessions (key),
    seq INTEGER NOT NULL,
    kind INTEGER NOT NULL,          -- 0 unplugged, 1 timed out
    from_ns INTEGER NOT NULL,
    to_ns INTEGER,                  -- NULL: never came back
    PRIMARY KEY (session, seq)
) WITHOUT ROWID;

CREATE TABLE exchanges (
    session INTEGER NOT NULL REFERENCES sessions (key),
    seq INTEGER NOT NULL,
    elapsed_ns INTEGER NOT NULL,
    direction INTEGER NOT NULL,     -- 0 tx (host to PM), 1 rx
    report_id INTEGER NOT NULL,
    bytes BLOB NOT NULL,            -- after the report id, padding left out
    PRIMARY KEY (session, seq)
) WITHOUT ROWID;

CREATE TABLE export_ledger (
    session INTEGER NOT NULL REFERENCES sessions (key),
    destination TEXT NOT NULL,      -- e.g. a webhook URL or sink name
    dedup_id TEXT NOT NULL UNIQUE,  -- sent with every attempt, so the receiver can drop repeats
    state INTEGER NOT NULL,         -- 0 pending, 1 delivered, 2 failed (gave up)
    attempts INTEGER NOT NULL,
    last_error TEXT,
    created_ns INTEGER NOT NULL,    -- UTC, ns since the Unix epoch
    updated_ns INTEGER NOT NULL,
    delivered_ns INTEGER,
    trace_id TEXT,                  -- the delivery carrying it (one POST may carry several): kept across retries and restarts
    ordering_ms INTEGER,            -- that delivery's ordering timestamp, unix ms
    sending_ns INTEGER,             -- an attempt is in flight since then; still set after a crash: outcome unknown
    last_status INTEGER,            -- the last attempt's HTTP status, if it got a response
    PRIMARY KEY (session, destination)
);
CREATE INDEX export_ledger_by_state ON export_ledger (destination, state);

CREATE TABLE export_history (
    -- One row per concluded delivery, kept when --resend starts another.
    session INTEGER NOT NULL REFERENCES sessions (key),
    destination TEXT NOT NULL,
    dedup_id TEXT NOT NULL,
    trace_id TEXT,
    state INTEGER NOT NULL,         -- 1 delivered, 2 failed (gave up)
    attempts INTEGER NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    at_ns INTEGER NOT NULL          -- UTC, ns since the Unix epoch
);
CREATE INDEX export_history_by_session ON export_history (session, destination);

CREATE TABLE adaptations (
    -- What the recorder changed to suit the monitor, so the session's
    -- figures can be read with it: commands dropped, the pace scale chosen,
    -- the machine assumed, timeouts raised.
    session INTEGER NOT NULL REFERENCES sessions (key),
    seq INTEGER NOT NULL,           -- 0, 1, 2... in the order they happened
    what TEXT NOT NULL,             -- command_dropped, pace_scale, machine_assumed, timeout_raised...
    value TEXT NOT NULL,            -- the command, the scale, the machine, the timeout
    why TEXT NOT NULL,              -- one sentence
    PRIMARY KEY (session, seq),
    UNIQUE (session, what, value, why) -- sent again (live, then at the end), stored once
) WITHOUT ROWID;
"#;

/// Version 5's step, self-contained (one new table, nothing else touched) so
/// that it can be renumbered: each finished session's Terra Activity without
/// its sample arrays, so that `erglink serve` answers `with_samples=false`
/// without reading a sample. A cache: written by whoever normalised the
/// session first (keyed by the normaliser's version and options, so a newer
/// erglink writes its own), never needed to rebuild anything.
/// A fresh database gets it right after [`CREATE`].
pub const ACTIVITY_SUMMARIES: &str = r#"
CREATE TABLE activity_summaries (
    session INTEGER NOT NULL REFERENCES sessions (key),
    normalizer TEXT NOT NULL,       -- the normaliser's version and options that made it
    activity BLOB NOT NULL,         -- Terra Activity JSON, sample arrays empty
    made_ns INTEGER NOT NULL,       -- UTC, ns since the Unix epoch
    PRIMARY KEY (session, normalizer)
) WITHOUT ROWID;
"#;

/// What a new database is made of: [`CREATE`], then the steps written as
/// their own statements since.
pub const FRESH: &[&str] = &[CREATE, ACTIVITY_SUMMARIES];

/// `(from, sql)`: the step from version `from` to `from + 1`.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        // Version 2 adds the raw exchange log and the export ledger.
        r#"
ALTER TABLE sessions ADD COLUMN exchange_count INTEGER NOT NULL DEFAULT 0;

CREATE TABLE exchanges (
    session INTEGER NOT NULL REFERENCES sessions (key),
    seq INTEGER NOT NULL,
    elapsed_ns INTEGER NOT NULL,
    direction INTEGER NOT NULL,     -- 0 tx (host to PM), 1 rx
    report_id INTEGER NOT NULL,
    bytes BLOB NOT NULL,            -- after the report id, padding left out
    PRIMARY KEY (session, seq)
) WITHOUT ROWID;

CREATE TABLE export_ledger (
    session INTEGER NOT NULL REFERENCES sessions (key),
    destination TEXT NOT NULL,      -- e.g. a webhook URL or sink name
    dedup_id TEXT NOT NULL UNIQUE,  -- sent with every attempt, so the receiver can drop repeats
    state INTEGER NOT NULL,         -- 0 pending, 1 delivered, 2 failed (gave up)
    attempts INTEGER NOT NULL,
    last_error TEXT,
    created_ns INTEGER NOT NULL,    -- UTC, ns since the Unix epoch
    updated_ns INTEGER NOT NULL,
    delivered_ns INTEGER,
    PRIMARY KEY (session, destination)
);
CREATE INDEX export_ledger_by_state ON export_ledger (destination, state);
"#,
    ),
    (
        2,
        // Version 3: what webhook deliveries need to resume after a crash
        // with the same trace id and ordering timestamp, the HTTP status of
        // the last answer, and a history that --resend does not overwrite.
        r#"
ALTER TABLE export_ledger ADD COLUMN trace_id TEXT;
ALTER TABLE export_ledger ADD COLUMN ordering_ms INTEGER;
ALTER TABLE export_ledger ADD COLUMN sending_ns INTEGER;
ALTER TABLE export_ledger ADD COLUMN last_status INTEGER;

CREATE TABLE export_history (
    -- One row per concluded delivery, kept when --resend starts another.
    session INTEGER NOT NULL REFERENCES sessions (key),
    destination TEXT NOT NULL,
    dedup_id TEXT NOT NULL,
    trace_id TEXT,
    state INTEGER NOT NULL,         -- 1 delivered, 2 failed (gave up)
    attempts INTEGER NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    at_ns INTEGER NOT NULL          -- UTC, ns since the Unix epoch
);
CREATE INDEX export_history_by_session ON export_history (session, destination);
"#,
    ),
    (
        3,
        // Version 4: whether the machine was assumed, and the recorder's
        // adaptations to the monitor (issue 13).
        r#"
ALTER TABLE sessions ADD COLUMN machine_assumed INTEGER NOT NULL DEFAULT 0;

CREATE TABLE adaptations (
    -- What the recorder changed to suit the monitor, so the session's
    -- figures can be read with it: commands dropped, the pace scale chosen,
    -- the machine assumed, timeouts raised.
    session INTEGER NOT NULL REFERENCES sessions (key),
    seq INTEGER NOT NULL,           -- 0, 1, 2... in the order they happened
    what TEXT NOT NULL,             -- command_dropped, pace_scale, machine_assumed, timeout_raised...
    value TEXT NOT NULL,            -- the command, the scale, the machine, the timeout
    why TEXT NOT NULL,              -- one sentence
    PRIMARY KEY (session, seq),
    UNIQUE (session, what, value, why) -- sent again (live, then at the end), stored once
) WITHOUT ROWID;
"#,
    ),
    (4, ACTIVITY_SUMMARIES),
];
