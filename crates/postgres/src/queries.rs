//! The README's example queries, kept here so that the tests run exactly
//! what the README shows (`tests/queries.rs` checks both).

/// A per-athlete split table: every split of `$1`'s sessions, oldest
/// session first, with pace and power, from the SI view.
pub const SPLIT_TABLE: &str = "\
SELECT se.id AS session, se.started_at, sp.idx + 1 AS split,
       sp.distance_m, sp.time_s, round(sp.pace_s_per_500m, 1) AS pace_s_per_500m,
       sp.average_power_w, sp.average_rate_spm, sp.average_hr_bpm
FROM erglink.splits_si sp
JOIN erglink.sessions se ON se.id = sp.session_id
WHERE se.athlete = $1 AND sp.kind = 'split'
ORDER BY se.started_at, sp.idx;";

/// The mean force curve of session `$1`: the average force at each point
/// of its complete curves.
pub const MEAN_FORCE_CURVE: &str = "\
SELECT u.point, avg(u.force_lbf) AS mean_force_lbf, count(*) AS curves
FROM erglink.force_curves fc,
     unnest(fc.samples_lbf) WITH ORDINALITY AS u(force_lbf, point)
WHERE fc.session_id = $1 AND fc.complete
GROUP BY u.point
ORDER BY u.point;";

/// What a recorder host's role needs once the schema exists (the first
/// run, which creates it, needs a role that may create a schema in the
/// database, or its owner). `erglink_writer` is the role's name.
pub const WRITER_GRANTS: &str = "\
GRANT USAGE ON SCHEMA erglink TO erglink_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA erglink TO erglink_writer;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA erglink TO erglink_writer;";

/// What an analyst's role needs to read everything (tables and views).
pub const READER_GRANTS: &str = "\
GRANT USAGE ON SCHEMA erglink TO lab_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA erglink TO lab_reader;";
