//! Which reading of each unknown of the protocol (csafe.md **unknown**) a
//! monitor shows, named as the simulator's options name them, so that one
//! line from a user with a real PM settles what we could only guess.
//!
//! Everything here is a plain function of what came back: no I/O, so each
//! reading is tested on replies made up to fit each behaviour. Readings of
//! values are in `values.rs`, of strokes in `rowing.rs`; `watch.rs` and
//! `probe.rs` collect the replies.

use erglink_csafe::PrevFrameStatus;
use erglink_model::Machine;
use serde_json::{Map, Value as Json, json};

use crate::cmd::record::machine_word;

/// One unknown: the value the monitor shows (the simulator option's value),
/// or `None` when the probe could not settle it, and the evidence or the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    /// The option's value, e.g. `s_km`; `None`: unknown.
    pub value: Option<String>,
    /// What settled it, or why it could not be settled.
    pub why: String,
}

impl Reading {
    pub fn shows(value: impl Into<String>, why: impl Into<String>) -> Self {
        Self {
            value: Some(value.into()),
            why: why.into(),
        }
    }

    pub fn unknown(why: impl Into<String>) -> Self {
        Self {
            value: None,
            why: why.into(),
        }
    }

    /// The value, or `unknown`.
    pub fn token(&self) -> &str {
        self.value.as_deref().unwrap_or("unknown")
    }
}

/// Every reading, in the order of the summary line.
#[derive(Clone, Debug, Default)]
pub struct Readings(pub Vec<(&'static str, Reading)>);

impl Readings {
    /// The line to paste back: `readings: pace_units=s_km cadence_units=yes …`.
    pub fn line(&self) -> String {
        let pairs: Vec<String> = self
            .0
            .iter()
            .map(|(k, r)| format!("{k}={}", r.token()))
            .collect();
        format!("readings: {}", pairs.join(" "))
    }

    /// `{"pace_units": {"value": "s_km", "why": "…"}, …}`.
    pub fn json(&self) -> Json {
        let mut m = Map::new();
        for (k, r) in &self.0 {
            m.insert(
                (*k).to_string(),
                json!({ "value": r.token(), "why": r.why }),
            );
        }
        Json::Object(m)
    }

    /// One line each, for people: `pace_units     s_km  (why)`.
    pub fn text(&self) -> String {
        self.0
            .iter()
            .map(|(k, r)| format!("  {k:<14} {} ({})", r.token(), r.why))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// What became of one getter sent alone (and followed by GETSTATUS, whose
/// reply carries a Reject when the PM reports on the frame before).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heard {
    /// It came back with its data.
    Answered,
    /// The frame was rejected, in its own reply or the next.
    Refused,
    /// A reply came, neither rejected nor with the data.
    Empty,
    /// No reply at all.
    Silent,
}

/// `reply`: the getter's reply status and whether its data came (`None`: no
/// reply); `next`: the status of the GETSTATUS sent after it.
pub fn heard(reply: Option<(PrevFrameStatus, bool)>, next: Option<PrevFrameStatus>) -> Heard {
    let rejected = |s: Option<PrevFrameStatus>| s == Some(PrevFrameStatus::Reject);
    match reply {
        None => Heard::Silent,
        Some((status, _)) if rejected(Some(status)) || rejected(next) => Heard::Refused,
        Some((_, true)) => Heard::Answered,
        Some((_, false)) => Heard::Empty,
    }
}

/// The report sizes the transport found (CSAFE bytes), as `1:20,2:120,4:62`.
pub fn descriptor(sizes: &[(u8, usize)]) -> Reading {
    if sizes.is_empty() {
        return Reading::unknown("the transport found no report sizes");
    }
    let list: Vec<String> = sizes.iter().map(|(id, n)| format!("{id}:{n}")).collect();
    Reading::shows(
        list.join(","),
        "HID report id:CSAFE bytes, from the report descriptor (spec defaults fill what it left open)",
    )
}

/// GETVERSION's model byte.
pub fn model_byte(getversion: Option<u8>) -> Reading {
    match getversion {
        Some(b) => Reading::shows(b.to_string(), "GETVERSION's model byte"),
        None => Reading::unknown("GETVERSION did not answer"),
    }
}

/// The model the product string names against GETVERSION's model byte.
pub fn model(product: Option<&str>, product_model: Option<u8>, getversion: Option<u8>) -> Reading {
    let product_text = product.unwrap_or("none");
    match (product_model, getversion) {
        (Some(p), Some(b)) if p == b => Reading::shows(
            format!("PM{p}"),
            format!("the product string ({product_text:?}) and GETVERSION agree"),
        ),
        (Some(p), Some(b)) => Reading::shows(
            format!("product:PM{p},getversion:{b}"),
            format!(
                "the product string ({product_text:?}) names a PM{p} but GETVERSION says {b} (csafe.h reports 5 for a PM4)"
            ),
        ),
        (None, Some(b)) => Reading::unknown(format!(
            "the product string ({product_text:?}) names no model; GETVERSION says {b}"
        )),
        (_, None) => Reading::unknown("GETVERSION did not answer"),
    }
}

/// The machine from `7E ED`, or as given with `--machine`.
pub fn machine(ed: Heard, reported: Option<Machine>, given: Option<Machine>) -> Reading {
    match (reported, given) {
        (Some(m), _) => Reading::shows(machine_word(m), "PM_GET_ERGMACHINETYPE (7E ED)"),
        (None, Some(m)) => Reading::shows(
            machine_word(m),
            format!("given with --machine; 7E ED was {}", heard_word(ed)),
        ),
        (None, None) => Reading::unknown(format!(
            "7E ED was {}, so the monitor does not say which machine it is on (a PM3 or PM4 never does): pass --machine",
            heard_word(ed)
        )),
    }
}

pub(super) fn heard_word(h: Heard) -> &'static str {
    match h {
        Heard::Answered => "answered",
        Heard::Refused => "refused",
        Heard::Empty => "answered without data",
        Heard::Silent => "never answered",
    }
}

/// A frame the PM rejects, then GETSTATUS: which reply carries the Reject.
/// `None` when neither does (the frame was not rejected: try another).
pub fn prev_status(
    rejected_frame: Option<PrevFrameStatus>,
    next: Option<PrevFrameStatus>,
    what: &str,
) -> Option<Reading> {
    let reject = PrevFrameStatus::Reject;
    match (rejected_frame == Some(reject), next == Some(reject)) {
        (true, false) => Some(Reading::shows(
            "this",
            format!("the reply to {what} itself says Reject"),
        )),
        (false, true) => Some(Reading::shows(
            "last",
            format!("the reply to {what} is not a Reject; the GETSTATUS after it is"),
        )),
        (true, true) => Some(Reading::unknown(format!(
            "both the reply to {what} and the GETSTATUS after it say Reject"
        ))),
        (false, false) => None,
    }
}

/// One proprietary getter tried alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Getter {
    /// `PM_GET_WORKTIME@7F`.
    pub name: String,
    /// Its id inside `7E`/`7F`.
    pub id: u8,
    /// What came back.
    pub heard: Heard,
}

/// `answer`, `refuse`, `silent`, or `refuse:ID,ID` / `silent:ID,ID` for
/// the ids that were (both, joined by `+`, when some of each).
pub fn proprietary(getters: &[Getter]) -> Reading {
    if getters.is_empty() {
        return Reading::unknown("no proprietary getter was tried");
    }
    let ids = |pred: fn(Heard) -> bool| -> Vec<&Getter> {
        getters.iter().filter(|g| pred(g.heard)).collect()
    };
    let refused = ids(|h| matches!(h, Heard::Refused | Heard::Empty));
    let silent = ids(|h| h == Heard::Silent);
    let answered = ids(|h| h == Heard::Answered);
    let names = |list: &[&Getter]| -> String {
        list.iter()
            .map(|g| g.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let hex = |list: &[&Getter]| -> String {
        let mut ids: Vec<u8> = list.iter().map(|g| g.id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.iter()
            .map(|id| format!("{id:02X}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut why = Vec::new();
    for (word, list) in [
        ("answered", &answered),
        ("refused", &refused),
        ("silent", &silent),
    ] {
        if !list.is_empty() {
            why.push(format!("{word}: {}", names(list)));
        }
    }
    let why = why.join("; ");
    let n = getters.len();
    let value = if answered.len() == n {
        "answer".to_string()
    } else if refused.len() == n {
        "refuse".to_string()
    } else if silent.len() == n {
        "silent".to_string()
    } else {
        let mut parts = Vec::new();
        if !refused.is_empty() {
            parts.push(format!("refuse:{}", hex(&refused)));
        }
        if !silent.is_empty() {
            parts.push(format!("silent:{}", hex(&silent)));
        }
        parts.join("+")
    };
    Reading::shows(value, why)
}

/// What a Just Row program (`--allow-set`) got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EchoSeen {
    /// Not sent: `--allow-set` was not given.
    NotAllowed,
    /// The ids of these set commands came back.
    Ids(Vec<String>),
    /// Only the status byte came back, and no Reject.
    Bare,
    /// The frame was rejected.
    Rejected,
    /// Anything else, described.
    Other(String),
}

pub fn echo(seen: &EchoSeen) -> Reading {
    match seen {
        EchoSeen::NotAllowed => {
            Reading::unknown("needs --allow-set, which programs a Just Row workout")
        }
        EchoSeen::Ids(ids) => Reading::shows("ids", format!("echoed: {}", ids.join(", "))),
        EchoSeen::Bare => Reading::shows("bare", "the program came back as a bare status byte"),
        EchoSeen::Rejected => Reading::unknown("the PM rejected the Just Row program"),
        EchoSeen::Other(what) => Reading::unknown(what.clone()),
    }
}

#[cfg(test)]
#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn heard_reads_a_reject_in_either_reply() {
        use PrevFrameStatus::{Ok, Reject};
        assert_eq!(heard(Some((Ok, true)), Some(Ok)), Heard::Answered);
        assert_eq!(heard(Some((Reject, false)), Some(Ok)), Heard::Refused);
        // prev_status=last: the getter's own reply looks fine, the next says Reject.
        assert_eq!(heard(Some((Ok, false)), Some(Reject)), Heard::Refused);
        assert_eq!(heard(Some((Ok, false)), Some(Ok)), Heard::Empty);
        assert_eq!(heard(None, Some(Ok)), Heard::Silent);
    }

    #[test]
    fn prev_status_this_last_or_neither() {
        use PrevFrameStatus::{Ok, Reject};
        let r = prev_status(Some(Reject), Some(Ok), "x").unwrap();
        assert_eq!(r.token(), "this");
        let r = prev_status(Some(Ok), Some(Reject), "x").unwrap();
        assert_eq!(r.token(), "last");
        assert_eq!(prev_status(Some(Ok), Some(Ok), "x"), None);
        assert_eq!(prev_status(None, Some(Ok), "x"), None);
        assert_eq!(
            prev_status(Some(Reject), Some(Reject), "x")
                .unwrap()
                .token(),
            "unknown"
        );
    }

    fn getter(id: u8, heard: Heard) -> Getter {
        Getter {
            name: format!("G{id:02X}"),
            id,
            heard,
        }
    }

    #[test]
    fn proprietary_in_the_simulators_terms() {
        use Heard::*;
        let all = |h| proprietary(&[getter(0xA0, h), getter(0xED, h)]);
        assert_eq!(all(Answered).token(), "answer");
        assert_eq!(all(Refused).token(), "refuse");
        assert_eq!(all(Silent).token(), "silent");
        let r = proprietary(&[
            getter(0xA0, Answered),
            getter(0xE8, Refused),
            getter(0xED, Refused),
        ]);
        assert_eq!(r.token(), "refuse:E8,ED");
        assert!(
            r.why.contains("answered: GA0") && r.why.contains("refused: GE8, GED"),
            "{}",
            r.why
        );
        let r = proprietary(&[getter(0xA0, Silent), getter(0xED, Answered)]);
        assert_eq!(r.token(), "silent:A0");
        let r = proprietary(&[
            getter(0xA0, Silent),
            getter(0xED, Refused),
            getter(0xA3, Answered),
        ]);
        assert_eq!(r.token(), "refuse:ED+silent:A0");
        assert_eq!(proprietary(&[]).token(), "unknown");
    }

    #[test]
    fn model_from_product_and_getversion() {
        let p = Some("Concept2 Performance Monitor 5 (PM5)");
        assert_eq!(model(p, Some(5), Some(5)).token(), "PM5");
        let r = model(Some("… (PM4)"), Some(4), Some(5));
        assert_eq!(r.token(), "product:PM4,getversion:5");
        assert_eq!(model(None, None, Some(5)).token(), "unknown");
        assert_eq!(model(p, Some(5), None).token(), "unknown");
        assert_eq!(model_byte(Some(5)).token(), "5");
        assert_eq!(model_byte(None).token(), "unknown");
    }

    #[test]
    fn machine_reported_given_or_unknown() {
        assert_eq!(
            machine(Heard::Answered, Some(Machine::SkiErg), None).token(),
            "skierg"
        );
        let r = machine(Heard::Refused, None, Some(Machine::BikeErg));
        assert_eq!(r.token(), "bikeerg");
        assert!(r.why.contains("--machine"));
        let r = machine(Heard::Refused, None, None);
        assert_eq!(r.token(), "unknown");
        assert!(r.why.contains("pass --machine"), "{}", r.why);
    }

    #[test]
    fn descriptor_lists_the_sizes() {
        assert_eq!(
            descriptor(&[(1, 20), (2, 120), (4, 62)]).token(),
            "1:20,2:120,4:62"
        );
        assert_eq!(descriptor(&[(1, 20), (4, 500)]).token(), "1:20,4:500");
        assert_eq!(descriptor(&[]).token(), "unknown");
    }

    #[test]
    fn echo_readings() {
        assert_eq!(echo(&EchoSeen::NotAllowed).token(), "unknown");
        assert_eq!(echo(&EchoSeen::Ids(vec!["A".into()])).token(), "ids");
        assert_eq!(echo(&EchoSeen::Bare).token(), "bare");
        assert_eq!(echo(&EchoSeen::Rejected).token(), "unknown");
    }

    /// A small deterministic generator, for the random-input tests.
    pub(crate) struct Lcg(pub u64);

    impl Lcg {
        pub(crate) fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }
    }

    #[test]
    fn the_line_and_json() {
        let r = Readings(vec![
            ("pace_units", Reading::shows("s_km", "fits")),
            ("stats", Reading::unknown("no strokes")),
        ]);
        assert_eq!(r.line(), "readings: pace_units=s_km stats=unknown");
        assert_eq!(
            r.json(),
            json!({
                "pace_units": {"value": "s_km", "why": "fits"},
                "stats": {"value": "unknown", "why": "no strokes"},
            })
        );
        assert!(r.text().contains("stats          unknown (no strokes)"));
    }
}
