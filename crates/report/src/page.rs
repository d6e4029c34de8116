//! The report of one session.

use std::fmt::Write as _;

use erglink_model::{Session, SessionState, Source, Split, SplitKind};
use serde::Serialize;

use crate::Result;
use crate::data::{Assets, SessionData};
use crate::force::{Force, Stats, force};
use crate::html::page;
use crate::series::{Band, Points, bands, points};
use crate::text::{FORCE_UNIT, Labels, clock_cs, esc, labels};

#[derive(Serialize)]
struct LabelsJson {
    pace_unit: String,
    rate: &'static str,
    rate_unit: &'static str,
    stroke: &'static str,
}

impl From<Labels> for LabelsJson {
    fn from(l: Labels) -> Self {
        Self {
            pace_unit: format!("/{}m", l.pace_per_m),
            rate: l.rate,
            rate_unit: l.rate_unit,
            stroke: l.stroke,
        }
    }
}

#[derive(Serialize)]
struct ReportJson<'a> {
    kind: &'static str,
    labels: LabelsJson,
    #[serde(rename = "forceUnit")]
    force_unit: &'static str,
    points: &'a Points,
    bands: &'a [Band],
    force: &'a Force,
}

/// `Split 1` or `Interval 1`.
pub(crate) fn split_label(s: &Split) -> String {
    match s.kind {
        SplitKind::Split => format!("Split {}", s.index + 1),
        SplitKind::Interval => format!("Interval {}", s.index + 1),
    }
}

/// `2026-03-01 10:00` in the session's own local time.
pub(crate) fn local_date(s: &Session) -> String {
    let t = s.started_at.to_rfc3339(s.utc_offset_s);
    t.get(..16).map_or(t.clone(), |d| d.replacen('T', " ", 1))
}

/// `Simulated PM5 (serial 123, firmware 1.0)`.
pub(crate) fn monitor_text(s: &Session) -> String {
    let Some(m) = &s.monitor else {
        return "unknown".into();
    };
    let kind = match s.source {
        Source::Sim => format!("Simulated {}", m.model),
        Source::Usb => m.model.to_string(),
        Source::Replay => format!("{} (replay)", m.model),
    };
    format!("{kind} (serial {}, firmware {})", m.serial, m.firmware)
}

pub(crate) fn machine_text(s: &Session) -> String {
    if s.machine_assumed {
        format!("{} (assumed: the monitor cannot say)", s.machine)
    } else {
        s.machine.to_string()
    }
}

pub(crate) fn workout_text(s: &Session) -> String {
    erglink_normalize::workout_name(&s.workout, s.machine)
}

/// The session's totals, as the header shows them.
pub(crate) struct Totals {
    pub time_cs: u64,
    pub distance_dm: u32,
    pub pace_cs: Option<u64>,
    pub power_w: Option<f64>,
    pub rate: Option<f64>,
    pub hr: Option<f64>,
    pub kcal: Option<u16>,
    pub strokes: usize,
}

fn mean<T: Copy + Into<f64>>(v: &[Option<T>]) -> Option<f64> {
    let (sum, n) = v
        .iter()
        .flatten()
        .fold((0.0, 0usize), |(s, n), &x| (s + x.into(), n + 1));
    (n > 0).then(|| sum / n as f64)
}

pub(crate) fn totals(d: &SessionData, p: &Points, l: Labels) -> Totals {
    let time_cs = d
        .samples
        .iter()
        .map(|s| u64::from(s.pm_elapsed_cs))
        .max()
        .unwrap_or(0);
    let distance_dm = d.samples.iter().map(|s| s.distance_dm).max().unwrap_or(0);
    let pace_cs =
        (distance_dm > 0).then(|| time_cs * u64::from(l.pace_per_m) * 10 / u64::from(distance_dm));
    Totals {
        time_cs,
        distance_dm,
        pace_cs,
        power_w: mean(&p.power),
        rate: mean(&p.rate),
        hr: mean(&p.hr),
        kcal: d.samples.iter().filter_map(|s| s.energy_kcal).max(),
        strokes: d.strokes.len(),
    }
}

fn or_dash<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "–".to_string(), |v| v.to_string())
}

fn round(v: Option<f64>) -> String {
    or_dash(v.map(|v| v.round() as i64))
}

fn header(d: &SessionData, t: &Totals, l: Labels) -> String {
    let s = &d.session;
    let mut h = String::new();
    let sim = if s.source == Source::Sim {
        " <span class=\"sim\" id=\"simulated\">simulated</span>"
    } else {
        ""
    };
    let _ = writeln!(
        h,
        "<header><h1>{} · {}{sim}</h1>",
        esc(&workout_text(s)),
        esc(&local_date(s))
    );
    let state = match s.state {
        SessionState::Complete => "complete",
        SessionState::Recording => "recording",
        SessionState::Interrupted => "interrupted",
    };
    let meta = [
        ("Athlete", or_dash(s.tags.athlete.clone())),
        ("Station", or_dash(s.tags.station.clone())),
        ("Monitor", monitor_text(s)),
        ("Machine", machine_text(s)),
        ("Workout", workout_text(s)),
        ("Date", local_date(s)),
        ("Source", s.source.to_string()),
        ("State", state.to_string()),
        ("Session", s.id.to_string()),
    ];
    h.push_str("<div class=\"meta\">");
    for (k, v) in meta {
        let _ = write!(h, "<div><b>{k}</b>{}</div>", esc(&v));
    }
    h.push_str("</div>\n<div class=\"totals\" id=\"totals\">");
    let pace_unit = format!("/{}m", l.pace_per_m);
    let cells = [
        ("Time", clock_cs(t.time_cs)),
        ("Distance", format!("{} m", t.distance_dm / 10)),
        (
            &*format!("Pace {pace_unit}"),
            or_dash(t.pace_cs.map(clock_cs)),
        ),
        ("Power", format!("{} W", round(t.power_w))),
        (l.rate, round(t.rate)),
        ("Heart rate", round(t.hr)),
        ("Calories", or_dash(t.kcal)),
        (l.strokes, t.strokes.to_string()),
    ];
    for (k, v) in cells {
        let _ = write!(
            h,
            "<div><span>{}</span><strong>{}</strong></div>",
            esc(k),
            esc(&v)
        );
    }
    h.push_str("</div>");
    if let Some(note) = &s.tags.note {
        let _ = write!(h, "<p class=\"note\">{}</p>", esc(note));
    }
    h.push_str("</header>\n");
    h
}

fn charts(p: &Points) -> String {
    let mut h = String::from(
        "<section id=\"charts\"><h2>Over the piece</h2>\n<div class=\"toggle\">x axis: \
         <button type=\"button\" data-x-mode=\"t\" aria-pressed=\"true\">Time</button>\
         <button type=\"button\" data-x-mode=\"d\" aria-pressed=\"false\">Distance</button></div>\n",
    );
    for id in ["pace", "power", "rate", "hr"] {
        let _ = writeln!(
            h,
            "<div class=\"chart\" id=\"chart-{id}\" data-points=\"{}\"></div>",
            p.strokes
        );
    }
    h.push_str("</section>\n");
    h
}

fn stats_text(s: &Stats) -> String {
    let mut parts = vec![format!(
        "{} curves ({} complete, {} incomplete, drawn dashed)",
        s.curves,
        s.complete,
        s.curves - s.complete
    )];
    if let Some(p) = s.peak_lbf {
        parts.push(format!("mean peak {p:.0} {FORCE_UNIT}"));
    }
    if let (Some(i), Some(at)) = (s.peak_sample, s.peak_at) {
        parts.push(format!(
            "peak at sample {i:.1} ({:.0} % of the curve; dashed line)",
            at * 100.0
        ));
    }
    if let Some(m) = s.drive_length_m {
        parts.push(format!("mean drive length {m:.2} m"));
    }
    parts.join(" · ")
}

fn force_section(f: &Force, l: Labels, d: &SessionData) -> String {
    let mut h = String::from("<section id=\"force\"><h2>Force curves</h2>\n");
    if f.curves.is_empty() {
        let why = if d.session.machine == erglink_model::Machine::BikeErg {
            "The BikeErg's monitor sends no force curve."
        } else {
            "No force curve was stored for this session."
        };
        let _ = writeln!(h, "<p class=\"note\" id=\"force-none\">{why}</p></section>");
        return h;
    }
    let _ = writeln!(
        h,
        "<p class=\"note\">Every {}'s curve faint, the session's mean bold black, each split's mean in its colour. Force in {FORCE_UNIT}.<br>{}</p>",
        l.stroke,
        esc(&stats_text(&f.stats))
    );
    let _ = writeln!(
        h,
        "<div class=\"chart\" id=\"force-all\" data-stored=\"{}\"></div>",
        f.curves.len()
    );
    if !f.groups.is_empty() {
        h.push_str("<h3>By split</h3>\n<div class=\"smalls\">");
        for (i, g) in f.groups.iter().enumerate() {
            let _ = write!(
                h,
                "<div><div class=\"chart\" id=\"force-split-{i}\"></div><p class=\"note\">{}</p></div>",
                esc(&stats_text(&g.stats))
            );
        }
        h.push_str("</div>\n");
    }
    h.push_str("</section>\n");
    h
}

fn splits_table(d: &SessionData, l: Labels) -> String {
    let mut h = String::from("<section id=\"splits\"><h2>Splits</h2>\n");
    if d.splits.is_empty() {
        h.push_str("<p class=\"note\">No splits.</p></section>\n");
        return h;
    }
    let _ = writeln!(
        h,
        "<table id=\"splits-table\"><thead><tr><th></th><th>Time</th><th>Distance</th><th>Pace /{}m</th><th>Power</th><th>{}</th><th>HR</th><th>kcal</th><th>Rest</th></tr></thead><tbody>",
        l.pace_per_m, l.rate_unit
    );
    for s in &d.splits {
        let pace = (s.distance_dm > 0).then(|| {
            u64::from(s.time_cs) * u64::from(l.pace_per_m) * 10 / u64::from(s.distance_dm)
        });
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{} m</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&split_label(s)),
            clock_cs(u64::from(s.time_cs)),
            s.distance_dm / 10,
            or_dash(pace.map(clock_cs)),
            or_dash(s.average_power_w),
            or_dash(s.average_rate_spm),
            or_dash(s.average_hr_bpm),
            or_dash(s.energy_kcal),
            or_dash(s.rest_time_cs.map(|r| clock_cs(u64::from(r)))),
        );
    }
    h.push_str("</tbody></table></section>\n");
    h
}

fn strokes_table(d: &SessionData, l: Labels) -> String {
    let curves: std::collections::HashMap<u32, &erglink_model::ForceCurve> =
        d.force_curves.iter().map(|c| (c.stroke_index, c)).collect();
    let mut h = String::with_capacity(d.strokes.len() * 160 + 512);
    let _ = writeln!(
        h,
        "<section id=\"strokes\"><details><summary>{} ({})</summary>\n<table id=\"strokes-table\"><thead><tr><th>#</th><th>At</th><th>Drive s</th><th>Recovery s</th><th>Drive length m</th><th>Peak force</th><th>Average force</th><th>Peak at</th><th>Distance m</th><th>Work J</th><th>Curve</th></tr></thead><tbody>",
        l.strokes,
        d.strokes.len()
    );
    for s in &d.strokes {
        let c = curves.get(&s.index);
        let peak_at = c
            .filter(|c| !c.samples_lbf.is_empty())
            .map(|c| {
                let (i, _) = c
                    .samples_lbf
                    .iter()
                    .enumerate()
                    .max_by_key(|&(i, &v)| (v, std::cmp::Reverse(i)))
                    .expect("not empty");
                format!("{i}/{}", c.samples_lbf.len())
            })
            .unwrap_or_else(|| "–".into());
        let curve = match c {
            None => "none",
            Some(c) if c.complete => "complete",
            Some(_) => "incomplete",
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td><td>{:.1}</td><td>{:.1}</td><td>{peak_at}</td><td>{:.2}</td><td>{:.1}</td><td>{curve}</td></tr>",
            s.index + 1,
            clock_cs(s.start_ns / 10_000_000),
            f64::from(s.drive_time_cs) / 100.0,
            f64::from(s.recovery_time_cs) / 100.0,
            f64::from(s.drive_length_cm) / 100.0,
            f64::from(s.peak_force_dlbf) / 10.0,
            f64::from(s.average_force_dlbf) / 10.0,
            f64::from(s.distance_cm) / 100.0,
            f64::from(s.work_dj) / 10.0,
        );
    }
    let _ = writeln!(
        h,
        "</tbody></table><p class=\"note\">Forces in {FORCE_UNIT}; peak at: sample of the peak / samples in the curve.</p></details></section>"
    );
    h
}

/// The session's report: one HTML page.
pub fn report(d: &SessionData, assets: &Assets) -> Result<String> {
    let l = labels(d.session.machine);
    let p = points(d.session.machine, &d.samples, &d.strokes, &d.gaps);
    let b = bands(&d.samples, &d.splits);
    let f = force(&d.force_curves, &d.strokes, &d.splits, split_label);
    let t = totals(d, &p, l);
    let json = serde_json::to_string(&ReportJson {
        kind: "report",
        labels: l.into(),
        force_unit: FORCE_UNIT,
        points: &p,
        bands: &b,
        force: &f,
    })?;
    let mut body = header(d, &t, l);
    body.push_str(&charts(&p));
    body.push_str(&force_section(&f, l, d));
    body.push_str(&splits_table(d, l));
    body.push_str(&strokes_table(d, l));
    let title = format!(
        "{} · {} · erglink",
        workout_text(&d.session),
        local_date(&d.session)
    );
    Ok(page(&title, assets, &body, Some(&json)))
}
