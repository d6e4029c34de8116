//! Serve's front page: the sessions, newest first, filtered by athlete,
//! machine and date, each linked to its report, with a compare form.

use std::fmt::Write as _;

use erglink_model::{Machine, Session};

use crate::data::Assets;
use crate::html::page;
use crate::page::{local_date, workout_text};
use crate::text::{clock_cs, esc};

/// What the front page shows. Empty fields filter nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexFilter {
    /// The athlete tag, compared case-insensitively.
    pub athlete: Option<String>,
    /// The machine.
    pub machine: Option<Machine>,
    /// First day, `YYYY-MM-DD`, in each session's own local time.
    pub from: Option<String>,
    /// Last day (inclusive), likewise.
    pub to: Option<String>,
}

impl IndexFilter {
    /// Whether `s` passes.
    pub fn admits(&self, s: &Session) -> bool {
        let day = local_date(s);
        let day = day.get(..10).unwrap_or(&day);
        self.athlete.as_ref().is_none_or(|a| {
            s.tags
                .athlete
                .as_ref()
                .is_some_and(|t| t.eq_ignore_ascii_case(a))
        }) && self.machine.is_none_or(|m| s.machine == m)
            && self.from.as_deref().is_none_or(|f| day >= f)
            && self.to.as_deref().is_none_or(|t| day <= t)
    }
}

fn option(value: &str, text: &str, selected: bool) -> String {
    format!(
        "<option value=\"{}\"{}>{}</option>",
        esc(value),
        if selected { " selected" } else { "" },
        esc(text)
    )
}

/// The front page; `sessions` in any order, `prefix` where the pages are
/// mounted ("" at the root).
pub fn index(sessions: &[Session], filter: &IndexFilter, prefix: &str) -> String {
    let mut all: Vec<&Session> = sessions.iter().collect();
    all.sort_by(|a, b| b.started_at.cmp(&a.started_at).then(b.id.cmp(&a.id)));
    let shown: Vec<&Session> = all.iter().copied().filter(|s| filter.admits(s)).collect();
    let mut athletes: Vec<&str> = all
        .iter()
        .filter_map(|s| s.tags.athlete.as_deref())
        .collect();
    athletes.sort_unstable();
    athletes.dedup();

    let mut h = String::from("<h1>erglink sessions</h1>\n");
    let _ = write!(
        h,
        "<form class=\"filter\" method=\"get\" action=\"{}/\">",
        esc(prefix)
    );
    let mut a = option("", "any", filter.athlete.is_none());
    for name in &athletes {
        let sel = filter
            .athlete
            .as_deref()
            .is_some_and(|f| f.eq_ignore_ascii_case(name));
        a.push_str(&option(name, name, sel));
    }
    let _ = write!(
        h,
        "<label>Athlete<select name=\"athlete\">{a}</select></label>"
    );
    let mut m = option("", "any", filter.machine.is_none());
    for machine in [Machine::RowErg, Machine::SkiErg, Machine::BikeErg] {
        m.push_str(&option(
            machine.name(),
            machine.name(),
            filter.machine == Some(machine),
        ));
    }
    let _ = write!(
        h,
        "<label>Machine<select name=\"machine\">{m}</select></label>"
    );
    let _ = writeln!(
        h,
        "<label>From<input type=\"date\" name=\"from\" value=\"{}\"></label><label>To<input type=\"date\" name=\"to\" value=\"{}\"></label><button type=\"submit\">Filter</button></form>",
        esc(filter.from.as_deref().unwrap_or("")),
        esc(filter.to.as_deref().unwrap_or(""))
    );
    let _ = writeln!(
        h,
        "<p class=\"note\" id=\"count\" data-sessions=\"{}\">{} of {} sessions.</p>",
        shown.len(),
        shown.len(),
        all.len()
    );
    h.push_str("<table id=\"sessions\"><thead><tr><th>Date</th><th>Athlete</th><th>Station</th><th>Machine</th><th>Workout</th><th>Time</th><th>Distance</th><th>Strokes</th><th>State</th><th>Compare</th></tr></thead><tbody>\n");
    for s in &shown {
        let id = s.id.as_str();
        let _ = writeln!(
            h,
            "<tr data-session=\"{id}\"><td><a href=\"{p}/sessions/{id}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} m</td><td>{}</td><td>{}</td><td><input type=\"radio\" name=\"a\" value=\"{id}\" form=\"compare\" aria-label=\"compare as a\"> <input type=\"radio\" name=\"b\" value=\"{id}\" form=\"compare\" aria-label=\"compare as b\"></td></tr>",
            esc(&local_date(s)),
            esc(s.tags.athlete.as_deref().unwrap_or("–")),
            esc(s.tags.station.as_deref().unwrap_or("–")),
            s.machine,
            esc(&workout_text(s)),
            clock_cs(s.counts.last_elapsed_ns.unwrap_or(0) / 10_000_000),
            s.counts.last_distance_dm.unwrap_or(0) / 10,
            s.counts.strokes,
            s.state,
            p = esc(prefix),
        );
    }
    h.push_str("</tbody></table>\n");
    let _ = writeln!(
        h,
        "<form id=\"compare\" method=\"get\" action=\"{}/compare\"><p>Pick a and b above, then <button type=\"submit\">compare</button>.</p></form>",
        esc(prefix)
    );
    page("erglink sessions", &Assets::Inline, &h, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_model::{SessionId, UtcNanos};
    use erglink_normalize::fixtures::{Spec, synthesize};

    fn session(n: u64, athlete: &str, machine: Machine, day: u32) -> Session {
        let mut s = synthesize(&Spec::row_2k()).session;
        s.id = SessionId::from_parts(n, u128::from(n));
        s.machine = machine;
        // 2026-03-{day} 10:00 UTC.
        s.started_at =
            UtcNanos(1_772_359_200_000_000_000 + i64::from(day - 1) * 86_400_000_000_000);
        s.utc_offset_s = 0;
        s.tags.athlete = Some(athlete.into());
        s
    }

    #[test]
    fn newest_first_and_filtered() {
        let all = [
            session(1, "Ada", Machine::RowErg, 1),
            session(2, "Bo <b>", Machine::SkiErg, 2),
            session(3, "Ada", Machine::BikeErg, 3),
        ];
        let page = index(&all, &IndexFilter::default(), "");
        let a = page.find(all[2].id.as_str()).unwrap();
        let b = page.find(all[1].id.as_str()).unwrap();
        assert!(a < b, "newest first");
        assert!(page.contains("data-sessions=\"3\""));
        assert!(page.contains("Bo &lt;b&gt;") && !page.contains("Bo <b>"));
        assert!(page.contains(&format!("href=\"/sessions/{}\"", all[0].id)));
        let ada = IndexFilter {
            athlete: Some("ada".into()),
            ..IndexFilter::default()
        };
        assert!(index(&all, &ada, "").contains("data-sessions=\"2\""));
        let ski = IndexFilter {
            machine: Some(Machine::SkiErg),
            ..IndexFilter::default()
        };
        assert!(index(&all, &ski, "").contains("data-sessions=\"1\""));
        let days = IndexFilter {
            from: Some("2026-03-02".into()),
            to: Some("2026-03-02".into()),
            ..IndexFilter::default()
        };
        assert!(
            ski.admits(&all[1])
                && days.admits(&all[1])
                && !days.admits(&all[0])
                && !days.admits(&all[2])
        );
    }
}
