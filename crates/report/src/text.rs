//! Numbers as rowers read them, and HTML escaping.

use erglink_model::Machine;

/// `1:45.3` from 0.01 s (pace, split times), `1:02:03.4` past an hour.
pub(crate) fn clock_cs(cs: u64) -> String {
    let tenths = cs / 10;
    let (h, m, s, t) = (
        tenths / 36_000,
        tenths / 600 % 60,
        tenths / 10 % 60,
        tenths % 10,
    );
    if h > 0 {
        format!("{h}:{m:02}:{s:02}.{t}")
    } else {
        format!("{m}:{s:02}.{t}")
    }
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON for a `<script type="application/json">`: `<` escaped so that no
/// string in it can close the script element.
pub(crate) fn script_json(json: &str) -> String {
    json.replace('<', "\\u003c")
}

/// The words and units that fit each machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Labels {
    /// The pace's distance: 500 m, or 1000 m on the BikeErg as on its PM.
    pub pace_per_m: u32,
    /// `Stroke rate (spm)` or `Cadence (rpm)`.
    pub rate: &'static str,
    /// `spm` or `rpm`.
    pub rate_unit: &'static str,
    /// `stroke` or `revolution`.
    pub stroke: &'static str,
    /// `Strokes` or `Revolutions`.
    pub strokes: &'static str,
}

pub(crate) fn labels(machine: Machine) -> Labels {
    match machine {
        Machine::RowErg | Machine::SkiErg => Labels {
            pace_per_m: 500,
            rate: "Stroke rate (spm)",
            rate_unit: "spm",
            stroke: "stroke",
            strokes: "Strokes",
        },
        Machine::BikeErg => Labels {
            pace_per_m: 1000,
            rate: "Cadence (rpm)",
            rate_unit: "rpm",
            stroke: "revolution",
            strokes: "Revolutions",
        },
    }
}

/// The force unit, as `csafe decode` names it until hardware settles it.
pub(crate) const FORCE_UNIT: &str = "lbf (unit unconfirmed)";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn clocks_and_escapes() {
        assert_eq!(clock_cs(10_530), "1:45.3");
        assert_eq!(clock_cs(372_340), "1:02:03.4");
        assert_eq!(clock_cs(0), "0:00.0");
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            script_json(r#"{"a":"</script>"}"#),
            r#"{"a":"\u003c/script>"}"#
        );
        assert_eq!(labels(Machine::BikeErg).pace_per_m, 1000);
        assert_eq!(labels(Machine::SkiErg).pace_per_m, 500);
    }

    proptest! {
        #[test]
        fn escaped_text_has_no_markup(s in ".{0,60}") {
            let e = esc(&s);
            prop_assert!(!e.contains(['<', '>', '"', '\'']));
            let j = script_json(&serde_json::to_string(&s).unwrap());
            prop_assert!(!j.contains('<'));
            let back: String = serde_json::from_str(&j).unwrap();
            prop_assert_eq!(back, s);
        }
    }
}
