//! What the recorder adapted to a monitor, kept with each session so that its
//! figures can be read with them, and said once in the log.

use erglink_model::Adaptation;

/// What was adapted.
pub mod what {
    /// A command refused, or never answered, and dropped from the plan.
    pub const COMMAND_DROPPED: &str = "command_dropped";
    /// The reading of GETPACE's number.
    pub const PACE_SCALE: &str = "pace_scale";
    /// The machine, which the monitor could not say.
    pub const MACHINE_ASSUMED: &str = "machine_assumed";
    /// The reply timeout, raised after late replies.
    pub const TIMEOUT_RAISED: &str = "timeout_raised";
    /// The byte order of the `7F` split figures.
    pub const BYTE_ORDER_7F: &str = "byteorder_7f";
    /// The monitor model, taken from the product string over GETVERSION.
    pub const MODEL: &str = "model";
}

/// The adaptations made to one monitor, in the order they happened.
#[derive(Clone, Debug, Default)]
pub struct Adaptations {
    all: Vec<Adaptation>,
}

impl Adaptations {
    /// Records one, with a warning in the log (`monitor` names it).
    pub fn add(
        &mut self,
        monitor: &str,
        what: &str,
        value: impl Into<String>,
        why: impl Into<String>,
    ) {
        let a = Adaptation {
            what: what.to_string(),
            value: value.into(),
            why: why.into(),
        };
        if self.all.contains(&a) {
            return;
        }
        if what == what::COMMAND_DROPPED {
            tracing::warn!("{monitor}: {} dropped for the session: {}", a.value, a.why);
        } else {
            tracing::info!("{monitor}: {} = {}: {}", a.what, a.value, a.why);
        }
        self.all.push(a);
    }

    /// Every adaptation so far.
    pub fn all(&self) -> &[Adaptation] {
        &self.all
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.all.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// Whether one of `what` with `value` was made.
    pub fn has(&self, what: &str, value: &str) -> bool {
        self.all.iter().any(|a| a.what == what && a.value == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_once() {
        let mut a = Adaptations::default();
        a.add("pm", what::COMMAND_DROPPED, "PM_GET_STROKESTATS", "refused");
        a.add("pm", what::COMMAND_DROPPED, "PM_GET_STROKESTATS", "refused");
        a.add("pm", what::PACE_SCALE, "s_km", "fits power");
        assert_eq!(a.len(), 2);
        assert!(a.has(what::PACE_SCALE, "s_km"));
        assert!(!a.has(what::PACE_SCALE, "cs_500m"));
    }
}
