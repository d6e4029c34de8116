//! Strokes from the stroke-state edges the polls see.
//!
//! Stroke state 2 is Driving; the drive ends when it leaves 2 (to 3,
//! Dwelling, or straight to 4, Recovery: Dwelling is short enough to miss).
//! Between two polls far enough apart (the idle polls before a session) a
//! whole drive can pass unseen: the wheel going from still (0, 1) straight to
//! dwelling or recovery (3, 4) is that drive; so is a first poll that finds
//! the wheel dwelling or recovering (a monitor opened, or woken, mid-stroke):
//! the drive that just ended is still the PM's last, curve and all.

use erglink_csafe::StrokeState;

/// A stroke-state edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// A drive began (the catch).
    DriveStart,
    /// A drive ended (the finish): time to read the stroke's statistics and force curve.
    DriveEnd,
    /// A whole drive passed between two polls: its catch and its finish.
    WholeDrive,
}

/// Follows the stroke state from poll to poll.
#[derive(Clone, Debug, Default)]
pub struct EdgeDetector {
    last: Option<u8>,
}

impl EdgeDetector {
    /// Whether the last poll saw a drive in progress.
    pub fn driving(&self) -> bool {
        self.last == Some(StrokeState::Driving.to_u8())
    }

    /// The edge between the previous poll and this one, if any.
    pub fn observe(&mut self, state: u8) -> Option<Edge> {
        let driving = StrokeState::Driving.to_u8();
        let still = |s: u8| s <= StrokeState::WaitingForWheelToAccelerate.to_u8();
        let after_drive = |s: u8| {
            s == StrokeState::DwellingAfterDrive.to_u8() || s == StrokeState::Recovery.to_u8()
        };
        let edge = match self.last {
            Some(prev) if prev != driving && state == driving => Some(Edge::DriveStart),
            None if state == driving => Some(Edge::DriveStart),
            Some(prev) if prev == driving && state != driving => Some(Edge::DriveEnd),
            Some(prev) if still(prev) && after_drive(state) => Some(Edge::WholeDrive),
            None if after_drive(state) => Some(Edge::WholeDrive),
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
    fn a_drive_between_two_polls() {
        let mut d = EdgeDetector::default();
        assert_eq!(d.observe(0), None);
        assert_eq!(d.observe(4), Some(Edge::WholeDrive));
        assert_eq!(d.observe(2), Some(Edge::DriveStart));
        assert_eq!(d.observe(1), Some(Edge::DriveEnd));
        assert_eq!(d.observe(3), Some(Edge::WholeDrive));
        let mut fresh = EdgeDetector::default();
        assert_eq!(
            fresh.observe(4),
            Some(Edge::WholeDrive),
            "opened mid-stroke"
        );
        assert_eq!(fresh.observe(4), None);
    }

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
