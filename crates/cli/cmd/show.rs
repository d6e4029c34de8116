//! `erglink show SESSION`: one session, its splits and gaps, its strokes
//! (JSON), and with `--samples` its time series, streamed from the store so
//! a two-hour session is never held in memory whole.

use anyhow::Result;
use clap::Args;
use erglink_csafe::{StrokeState, WorkoutType};
use erglink_model::{Session, SessionId, Telemetry};
use erglink_store::{Reader, Rows};
use serde_json::{Map, Value as Json};

use crate::db::{self, DbArgs};
use crate::output::Stream;
use crate::session_render::{
    curve_json, device_text, duration_target_text, duration_text, gap_json, machine_text,
    sample_json, session_json, split_json, stroke_json, time_text,
};

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The session's id, or a unique prefix of it (any case).
    session: String,
    #[command(flatten)]
    db: DbArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Also print every sample, and with --json every force curve.
    #[arg(long)]
    samples: bool,
}

pub fn run(a: ShowArgs) -> Result<()> {
    let path = a.db.path()?;
    let store = db::open_for_session(&path)?;
    let fail = |e| db::failure(&path, e);
    let r = store.reader().map_err(fail)?;
    let id = r.resolve(&a.session).map_err(fail)?;
    let s = r.session(&id).map_err(fail)?;
    let mut out = Stream::new();
    let res = if a.json {
        json(&r, &s, a.samples, &mut out)
    } else {
        text(&r, &s, a.samples, &mut out)
    };
    out.finish();
    res.map_err(fail)?;
    Ok(())
}

type StoreResult<T> = erglink_store::Result<T>;

fn collect<T>(rows: Rows<'_, T>, f: fn(&T) -> Json) -> StoreResult<Json> {
    let items = rows
        .map(|r| r.map(|t| f(&t)))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Json::Array(items))
}

/// Writes `"key": [` items `]`, one compact item a line, as they stream.
fn stream_array<T>(
    out: &mut Stream,
    key: &str,
    rows: Rows<'_, T>,
    f: fn(&T) -> Json,
) -> StoreResult<()> {
    out.write(&format!(",\n  \"{key}\": ["));
    let mut first = true;
    for item in rows {
        out.write(if first { "\n    " } else { ",\n    " });
        out.write(&f(&item?).to_string());
        first = false;
    }
    out.write(if first { "]" } else { "\n  ]" });
    Ok(())
}

fn json(r: &Reader, s: &Session, samples: bool, out: &mut Stream) -> StoreResult<()> {
    let id = &s.id;
    let mut head = Map::new();
    head.insert("session".into(), session_json(s));
    head.insert("splits".into(), collect(r.splits(id)?, split_json)?);
    head.insert("gaps".into(), collect(r.gaps(id)?, gap_json)?);
    head.insert("strokes".into(), collect(r.strokes(id)?, stroke_json)?);
    // The head is one pretty document; the long arrays follow it streamed,
    // inside the same object, so stdout is still one JSON document.
    let head = serde_json::to_string_pretty(&Json::Object(head)).expect("JSON serialises");
    let head = head
        .trim_end()
        .strip_suffix('}')
        .unwrap_or(&head)
        .trim_end();
    out.write(head);
    if samples {
        stream_array(out, "force_curves", r.force_curves(id)?, curve_json)?;
        stream_array(out, "samples", r.samples(id)?, sample_json)?;
    }
    out.write("\n}\n");
    Ok(())
}

/// `1 split`, `2 splits`, `2 retries`.
fn plural(n: u64, word: &str) -> String {
    match (n, word.strip_suffix('y')) {
        (1, _) => format!("1 {word}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {word}s"),
    }
}

fn telemetry_text(t: &Telemetry) -> String {
    let hz = t.achieved_millihz.map_or("rate not measured".into(), |m| {
        format!("{} Hz achieved", f64::from(m) / 1000.0)
    });
    let mut line = format!(
        "{hz}; {}, {}, {}",
        plural(t.timeouts, "timeout"),
        plural(t.retries, "retry"),
        plural(t.dropped_bytes, "dropped byte")
    );
    if !t.rtt_histogram.is_empty() {
        let buckets: Vec<String> = t
            .rtt_histogram
            .iter()
            .map(|b| match b.upper_us {
                u32::MAX => format!("slower {}", b.count),
                us => format!("≤{} ms {}", f64::from(us) / 1000.0, b.count),
            })
            .collect();
        line.push_str(&format!("\n  round trips {}", buckets.join(", ")));
    }
    line
}

fn header(s: &Session) -> String {
    let mut o = format!("session {}\n", s.id);
    let monitor = s.monitor.as_ref().map_or(String::new(), |m| {
        format!(
            " (serial {}, firmware {}, hardware {})",
            m.serial, m.firmware, m.hardware
        )
    });
    o += &format!(
        "  device      {}{monitor} on a {}\n",
        device_text(s),
        machine_text(s)
    );
    o += &format!(
        "  started     {}\n",
        time_text(s.started_at, s.utc_offset_s)
    );
    if let Some(e) = s.ended_at {
        o += &format!("  ended       {}\n", time_text(e, s.utc_offset_s));
    }
    o += &format!("  state       {}\n", s.state);
    let w = &s.workout;
    let mut workout = w.workout_type.map_or("not read".into(), |c| {
        WorkoutType::from_u8(c)
            .name()
            .map_or(format!("type {c}"), str::to_string)
    });
    if let Some(t) = &w.params.target {
        workout += &format!(", {}", duration_target_text(t));
    }
    if let Some(t) = &w.params.split {
        workout += &format!(", splits of {}", duration_target_text(t));
    }
    if !w.params.intervals.is_empty() {
        workout += &format!(", {} intervals", w.params.intervals.len());
    }
    o += &format!("  workout     {workout}\n");
    let tags: Vec<String> = [
        ("athlete", &s.tags.athlete),
        ("station", &s.tags.station),
        ("note", &s.tags.note),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v:?}")))
    .collect();
    if !tags.is_empty() {
        o += &format!("  tags        {}\n", tags.join(", "));
    }
    let c = &s.counts;
    let counts = [
        (c.samples, "sample"),
        (c.strokes, "stroke"),
        (c.force_curves, "force curve"),
        (c.splits, "split"),
        (c.gaps, "gap"),
        (c.exchanges, "raw exchange"),
    ]
    .map(|(n, w)| plural(n, w))
    .join(", ");
    o += &format!(
        "  recorded    {}, {} m; {counts}\n",
        c.last_elapsed_ns.map_or("-".into(), duration_text),
        c.last_distance_dm
            .map_or("-".into(), |d| format!("{}", f64::from(d) / 10.0)),
    );
    o += &format!("  telemetry   {}", telemetry_text(&s.telemetry));
    for (i, a) in s.telemetry.adaptations.iter().enumerate() {
        let label = if i == 0 { "adapted" } else { "" };
        o += &format!("\n  {label:<11} {} {}: {}", a.what, a.value, a.why);
    }
    o
}

fn text(r: &Reader, s: &Session, samples: bool, out: &mut Stream) -> StoreResult<()> {
    let id: &SessionId = &s.id;
    out.line(&header(s));
    let mut first = true;
    for split in r.splits(id)? {
        let sp = split?;
        if std::mem::take(&mut first) {
            out.line("splits");
        }
        let opt = |v: Option<u16>, unit: &str| v.map_or(String::new(), |v| format!("  {v} {unit}"));
        out.line(&format!(
            "  {} {:>3}  {:>8}  {:>7.1} m{}{}{}",
            sp.kind,
            sp.index + 1,
            duration_text(u64::from(sp.time_cs) * 10_000_000),
            f64::from(sp.distance_dm) / 10.0,
            opt(sp.average_power_w, "W"),
            opt(sp.average_rate_spm.map(u16::from), "spm"),
            opt(sp.average_hr_bpm.map(u16::from), "bpm"),
        ));
    }
    let mut first = true;
    for gap in r.gaps(id)? {
        let g = gap?;
        if std::mem::take(&mut first) {
            out.line("gaps");
        }
        let to = g
            .to_ns
            .map_or("the end".into(), |t| format!("{:.3} s", t as f64 / 1e9));
        out.line(&format!(
            "  {} from {:.3} s to {to}",
            g.kind,
            g.from_ns as f64 / 1e9
        ));
    }
    if samples {
        out.line("samples");
        out.line(
            "   ELAPSED_S       PM_S  DISTANCE_M  PACE/500M  POWER_W  SPM   HR  KCAL  DRAG  STROKE",
        );
        let opt = |v: Option<u16>| v.map_or("-".to_string(), |v| v.to_string());
        for sample in r.samples(id)? {
            let x = sample?;
            let state = StrokeState::from_u8(x.stroke_state);
            out.line(&format!(
                "{:>12.3} {:>10.2} {:>11.1} {:>10} {:>8} {:>4} {:>4} {:>5} {:>5}  {}",
                x.elapsed_ns as f64 / 1e9,
                f64::from(x.pm_elapsed_cs) / 100.0,
                f64::from(x.distance_dm) / 10.0,
                duration_text(u64::from(x.pace_cs_per_500m) * 10_000_000),
                x.power_w,
                x.rate_spm,
                opt(x.hr_bpm.map(u16::from)),
                opt(x.energy_kcal),
                opt(x.drag_factor.map(u16::from)),
                state
                    .name()
                    .map_or(format!("{}", x.stroke_state), str::to_string),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn plurals() {
        assert_eq!(plural(1, "split"), "1 split");
        assert_eq!(plural(0, "split"), "0 splits");
        assert_eq!(plural(2, "retry"), "2 retries");
        assert_eq!(plural(1, "retry"), "1 retry");
    }
}
