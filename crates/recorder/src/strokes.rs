//! Strokes from the stroke-state edges the polls see.
//!
//! Stroke state 2 is Driving; the drive ends when it leaves 2 (to 3,
//! Dwelling, or straight to 4, Recovery: Dwelling is short enough to miss).

use erglink_csafe::StrokeState;

/// A stroke-state edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// A drive began (the catch).
    DriveStart,
    /// A drive ended (the finish): time to read the stroke's statistics and force curve.
    DriveEnd,
}

/// Follows the stroke state from poll to poll.
#[derive(Clone, Debug, Default)]
pub struct EdgeDetector {
    last: Option<u8>,
}

impl EdgeDetector {
    /// The edge between the previous poll and this one, if any.
    pub fn observe(&mut self, state: u8) -> Option<Edge> {
        let driving = StrokeState::Driving.to_u8();
        let edge = match self.last {
            Some(prev) if prev != driving && state == driving => Some(Edge::DriveStart),
            None if state == driving => Some(Edge::DriveStart),
            Some(prev) if prev == driving && state != driving => Some(Edge::DriveEnd),
            _ => None,
        };
        self.last = Some(state);
        edge
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges() {
        let mut d = EdgeDetector::default();
        let seen: Vec<_> = [0, 1, 2, 2, 3, 4, 4, 2, 4, 2, 2, 1]
            .iter()
            .map(|&s| d.observe(s))
            .collect();
        use Edge::*;
        assert_eq!(
            seen,
            [
                None,
                None,
                Some(DriveStart),
                None,
                Some(DriveEnd),
                None,
                None,
                Some(DriveStart),
                Some(DriveEnd),
                Some(DriveStart),
                None,
                Some(DriveEnd)
            ]
        );
    }
}
