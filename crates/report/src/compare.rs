//! Two sessions overlaid: pace and power against distance, and their mean
//! force curves.

use std::fmt::Write as _;

use serde::Serialize;

use crate::Result;
use crate::data::{Assets, SessionData};
use crate::force::force;
use crate::html::page;
use crate::page::{local_date, split_label, workout_text};
use crate::series::{Points, points};
use crate::text::{FORCE_UNIT, esc, labels};

#[derive(Serialize)]
struct Side {
    label: String,
    points: Points,
    mean: Vec<u32>,
}

#[derive(Serialize)]
struct CompareJson {
    kind: &'static str,
    labels: Labels,
    #[serde(rename = "forceUnit")]
    force_unit: &'static str,
    a: Side,
    b: Side,
}

#[derive(Serialize)]
struct Labels {
    pace_unit: String,
}

fn side(d: &SessionData, name: &str) -> Side {
    let s = &d.session;
    let athlete = s.tags.athlete.as_deref().unwrap_or("no athlete");
    Side {
        label: format!("{name}: {athlete}, {} {}", workout_text(s), local_date(s)),
        points: points(s.machine, &d.samples, &d.strokes, &d.gaps),
        mean: force(&d.force_curves, &d.strokes, &d.splits, split_label).mean,
    }
}

/// The compare page of sessions `a` and `b`. Pace is per the first
/// session's machine distance when both are the same machine, else per 500 m.
pub fn compare(a: &SessionData, b: &SessionData, assets: &Assets) -> Result<String> {
    let same = a.session.machine == b.session.machine;
    let mut sa = side(a, "a");
    let mut sb = side(b, "b");
    let per = if same {
        labels(a.session.machine).pace_per_m
    } else {
        500
    };
    // points() gives each machine's own pace distance; bring both to `per`.
    for (side, d) in [(&mut sa, a), (&mut sb, b)] {
        let own = labels(d.session.machine).pace_per_m;
        if own != per {
            for p in side.points.pace.iter_mut().flatten() {
                *p = *p * per / own;
            }
        }
    }
    let mut h = String::from("<h1>Compare</h1>\n<ul id=\"sides\">");
    for (name, d, side) in [("a", a, &sa), ("b", b, &sb)] {
        let _ = write!(
            h,
            "<li><a href=\"../sessions/{id}\" id=\"side-{name}\" data-session=\"{id}\">{}</a> · {} {}</li>",
            esc(&side.label),
            d.strokes.len(),
            labels(d.session.machine).strokes.to_lowercase(),
            id = d.session.id,
        );
    }
    h.push_str("</ul>\n<section id=\"charts\">");
    for id in ["pace", "power"] {
        let _ = write!(h, "<div class=\"chart\" id=\"chart-{id}\"></div>");
    }
    let _ = write!(
        h,
        "</section>\n<section id=\"force\"><h2>Mean force curves</h2><p class=\"note\">Means of the complete curves, {FORCE_UNIT}.</p><div class=\"chart\" id=\"force-all\"></div></section>\n"
    );
    let json = serde_json::to_string(&CompareJson {
        kind: "compare",
        labels: Labels {
            pace_unit: format!("/{per}m"),
        },
        force_unit: FORCE_UNIT,
        a: sa,
        b: sb,
    })?;
    Ok(page("Compare · erglink", assets, &h, Some(&json)))
}
