//! The schema erglink owns in the lab's database, `erglink`, and its
//! migrations.
//!
//! - Quantities are integers in the monitor's units, named by suffix as in
//!   the store (`_dm` 0.1 m, `_cs` 0.01 s, `_dlbf` 0.1 lbf…); the `*_si`
//!   views beside the tables give them in SI units and wall-clock times.
//! - Times of day are `timestamptz`; times within a session are ns since its
//!   start (`*_ns`, the recorder's transport clock), as the store keeps them.
//! - Ids: `sessions.id` is the session's ULID (`text COLLATE "C"`, so it
//!   sorts by time as bytes); every other table names its session in
//!   `session_id`. Hosts and monitors have identity keys.
//! - `samples` has no foreign key and no b-tree: a check per row, and a
//!   b-tree insert per row, would slow the COPY of 180 000 rows an hour (a
//!   b-tree on `(session_id, seq)` doubled a server-side COPY's time here,
//!   0.65 s against 0.32 s). A session's rows arrive with it, in one
//!   transaction and one COPY, so they lie together on disk and a BRIN index
//!   on `(session_id, seq)` finds them.
//!
//! Migration: a run that finds the current version does nothing but read
//! it (so a role without CREATE rights suffices afterwards). Otherwise it
//! takes `pg_advisory_xact_lock`, so two hosts starting at once do not
//! race, reads the version again under the lock, and runs the missing
//! steps in that one transaction. A newer version is refused before
//! anything is written.

use tokio_postgres::Client;

use crate::{Error, Result};

/// The schema version this build writes.
pub const VERSION: i32 = 1;

/// The key of the transaction-scoped advisory lock around migrations ("ERGLINKS").
pub const MIGRATION_LOCK: i64 = 0x4552_474C_494E_4B53;

/// Version 1.
const V1: &str = r#"
CREATE TABLE erglink.hosts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE erglink.hosts IS 'recorder hosts (hostname, or export --host-name)';

CREATE TABLE erglink.monitors (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    serial text NOT NULL,
    model smallint NOT NULL,
    firmware text NOT NULL,
    hardware text NOT NULL,
    report_sizes text NOT NULL,
    UNIQUE (serial, model, firmware, hardware, report_sizes)
);
COMMENT ON TABLE erglink.monitors IS 'Performance Monitors: model 3, 4 or 5; report_sizes "id:bytes,..."';

CREATE TABLE erglink.sessions (
    id text COLLATE "C" PRIMARY KEY CHECK (id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$'),
    host_id bigint NOT NULL REFERENCES erglink.hosts (id),
    monitor_id bigint REFERENCES erglink.monitors (id),
    source text NOT NULL,
    machine text NOT NULL,
    machine_assumed boolean NOT NULL,
    started_at timestamptz NOT NULL,
    utc_offset_s integer NOT NULL,
    ended_at timestamptz,
    state text NOT NULL,
    workout_type smallint,
    workout_params jsonb NOT NULL,
    athlete text,
    station text,
    note text,
    achieved_millihz bigint,
    telemetry jsonb NOT NULL,
    sample_count bigint NOT NULL,
    stroke_count bigint NOT NULL,
    curve_count bigint NOT NULL,
    split_count bigint NOT NULL,
    gap_count bigint NOT NULL,
    last_elapsed_ns bigint,
    last_distance_dm bigint,
    exported_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_by_athlete_time ON erglink.sessions (athlete, started_at);
CREATE INDEX sessions_by_time ON erglink.sessions (started_at);
CREATE INDEX sessions_by_host_time ON erglink.sessions (host_id, started_at);
CREATE INDEX sessions_by_monitor ON erglink.sessions (monitor_id);
COMMENT ON TABLE erglink.sessions IS 'one row per recorded session; id is its ULID; source usb|sim|replay, machine RowErg|SkiErg|BikeErg, state complete|interrupted';

CREATE TABLE erglink.samples (
    session_id text COLLATE "C" NOT NULL,
    seq integer NOT NULL,
    elapsed_ns bigint NOT NULL,
    pm_elapsed_cs integer NOT NULL,
    distance_dm integer NOT NULL,
    pace_cs integer NOT NULL,
    power_w integer NOT NULL,
    rate_spm smallint NOT NULL,
    hr_bpm smallint,
    energy_kcal integer,
    stroke_state smallint NOT NULL,
    drag_factor smallint,
    workout_state smallint,
    interval_type smallint,
    interval_count smallint
);
-- A session's samples arrive together, in one COPY, so they lie together on
-- disk: a BRIN index finds them at a fraction of a b-tree's cost to the COPY.
CREATE INDEX samples_by_session ON erglink.samples USING brin (session_id, seq);
COMMENT ON TABLE erglink.samples IS 'every poll of the monitor, in arrival order (seq); NULL: not read for that sample';

CREATE TABLE erglink.strokes (
    session_id text COLLATE "C" NOT NULL REFERENCES erglink.sessions (id) ON DELETE CASCADE,
    idx integer NOT NULL,
    start_ns bigint NOT NULL,
    end_ns bigint NOT NULL,
    drive_time_cs integer NOT NULL,
    recovery_time_cs integer NOT NULL,
    drive_length_cm integer NOT NULL,
    peak_force_dlbf integer NOT NULL,
    average_force_dlbf integer NOT NULL,
    distance_cm integer NOT NULL,
    work_dj integer NOT NULL,
    PRIMARY KEY (session_id, idx)
);

CREATE TABLE erglink.force_curves (
    session_id text COLLATE "C" NOT NULL REFERENCES erglink.sessions (id) ON DELETE CASCADE,
    stroke integer NOT NULL,
    complete boolean NOT NULL,
    samples_lbf integer[] NOT NULL,
    sample_count integer GENERATED ALWAYS AS (cardinality(samples_lbf)) STORED,
    PRIMARY KEY (session_id, stroke)
);
COMMENT ON TABLE erglink.force_curves IS 'one per stroke (strokes.idx = stroke); samples_lbf as the PM sent them, unit undocumented (lbf by the spec''s example)';

CREATE TABLE erglink.splits (
    session_id text COLLATE "C" NOT NULL REFERENCES erglink.sessions (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('split', 'interval')),
    idx integer NOT NULL,
    start_ns bigint NOT NULL,
    end_ns bigint NOT NULL,
    time_cs bigint NOT NULL,
    distance_dm bigint NOT NULL,
    energy_kcal integer,
    average_power_w integer,
    average_rate_spm smallint,
    average_hr_bpm smallint,
    interval_type smallint,
    rest_time_cs bigint,
    rest_distance_dm bigint,
    PRIMARY KEY (session_id, kind, idx)
);

CREATE TABLE erglink.gaps (
    session_id text COLLATE "C" NOT NULL REFERENCES erglink.sessions (id) ON DELETE CASCADE,
    seq integer NOT NULL,
    kind text NOT NULL,
    from_ns bigint NOT NULL,
    to_ns bigint,
    PRIMARY KEY (session_id, seq)
);
COMMENT ON TABLE erglink.gaps IS 'stretches without data: kind unplugged|timed_out; to_ns NULL if the monitor never came back';

CREATE TABLE erglink.terra_activities (
    session_id text COLLATE "C" PRIMARY KEY REFERENCES erglink.sessions (id) ON DELETE CASCADE,
    summary_id text NOT NULL UNIQUE,
    payload jsonb NOT NULL
);
COMMENT ON TABLE erglink.terra_activities IS 'each session as a Terra Activity at stroke resolution (what export --format terra writes)';

CREATE VIEW erglink.samples_si AS
SELECT s.session_id, s.seq,
    se.started_at + (s.elapsed_ns / 1000) * interval '1 microsecond' AS at,
    s.elapsed_ns / 1e9 AS elapsed_s,
    s.pm_elapsed_cs / 100.0 AS pm_elapsed_s,
    s.distance_dm / 10.0 AS distance_m,
    NULLIF(s.pace_cs, 0) / 100.0 AS pace_s_per_500m,
    s.power_w, s.rate_spm, s.hr_bpm, s.energy_kcal, s.stroke_state, s.drag_factor,
    s.workout_state, s.interval_type, s.interval_count
FROM erglink.samples s JOIN erglink.sessions se ON se.id = s.session_id;

CREATE VIEW erglink.strokes_si AS
SELECT st.session_id, st.idx,
    se.started_at + (st.start_ns / 1000) * interval '1 microsecond' AS start_at,
    (st.end_ns - st.start_ns) / 1e9 AS duration_s,
    st.drive_time_cs / 100.0 AS drive_time_s,
    st.recovery_time_cs / 100.0 AS recovery_time_s,
    st.drive_length_cm / 100.0 AS drive_length_m,
    st.peak_force_dlbf * 0.44482216152605 AS peak_force_n,
    st.average_force_dlbf * 0.44482216152605 AS average_force_n,
    st.distance_cm / 100.0 AS distance_m,
    st.work_dj / 10.0 AS work_j
FROM erglink.strokes st JOIN erglink.sessions se ON se.id = st.session_id;

CREATE VIEW erglink.splits_si AS
SELECT sp.session_id, sp.kind, sp.idx,
    se.started_at + (sp.start_ns / 1000) * interval '1 microsecond' AS start_at,
    sp.time_cs / 100.0 AS time_s,
    sp.distance_dm / 10.0 AS distance_m,
    sp.time_cs * 50.0 / NULLIF(sp.distance_dm, 0) AS pace_s_per_500m,
    sp.energy_kcal, sp.average_power_w, sp.average_rate_spm, sp.average_hr_bpm,
    sp.interval_type,
    sp.rest_time_cs / 100.0 AS rest_time_s,
    sp.rest_distance_dm / 10.0 AS rest_distance_m
FROM erglink.splits sp JOIN erglink.sessions se ON se.id = sp.session_id;
"#;

/// The steps, by the version each makes.
const STEPS: &[(i32, &str)] = &[(1, V1)];

async fn current(client: &Client) -> Result<Option<i32>> {
    // A query per statement: the table may not exist, so it cannot be named
    // in one plan with the check.
    let exists: bool = client
        .query_one(
            "SELECT to_regclass('erglink.schema_version') IS NOT NULL",
            &[],
        )
        .await?
        .get(0);
    if !exists {
        return Ok(None);
    }
    Ok(client
        .query_one("SELECT max(version) FROM erglink.schema_version", &[])
        .await?
        .get(0))
}

fn refuse_newer(found: Option<i32>) -> Result<()> {
    match found {
        Some(v) if v > VERSION => Err(Error::NewerSchema {
            found: v,
            supported: VERSION,
        }),
        _ => Ok(()),
    }
}

/// Brings the schema to [`VERSION`]; returns the version found before.
pub async fn migrate(client: &mut Client) -> Result<Option<i32>> {
    let found = current(client).await?;
    refuse_newer(found)?;
    if found == Some(VERSION) {
        return Ok(found);
    }
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE SCHEMA IF NOT EXISTS erglink;
         CREATE TABLE IF NOT EXISTS erglink.schema_version (
             version integer PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now()
         );",
    )
    .await?;
    // Again under the lock: another host may have migrated while we waited.
    let under_lock: Option<i32> = tx
        .query_one("SELECT max(version) FROM erglink.schema_version", &[])
        .await?
        .get(0);
    refuse_newer(under_lock)?;
    for (version, sql) in STEPS {
        if under_lock.is_none_or(|v| v < *version) {
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO erglink.schema_version (version) VALUES ($1)",
                &[version],
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(found)
}
