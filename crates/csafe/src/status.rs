//! The status byte that starts every reply (reference §4.2).

use crate::enums::csafe_enum;

csafe_enum! {
    /// Status of the previous frame the PM received (bits `0x30`).
    pub enum PrevFrameStatus {
        Ok = 0 => "Ok",
        /// Bad parameter or state, e.g. a workout limit.
        Reject = 1 => "Reject",
        /// Frame error, e.g. a bad checksum.
        Bad = 2 => "Bad",
        NotReady = 3 => "NotReady",
    }
}

csafe_enum! {
    /// The CSAFE state machine's state (bits `0x0F`).
    pub enum State {
        Error = 0 => "Error",
        Ready = 1 => "Ready",
        Idle = 2 => "Idle",
        HaveId = 3 => "HaveId",
        InUse = 5 => "InUse",
        Paused = 6 => "Paused",
        Finished = 7 => "Finished",
        Manual = 8 => "Manual",
        Offline = 9 => "Offline",
    }
}

/// The first byte of every reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Status(pub u8);

impl Status {
    /// Builds a status byte.
    pub const fn new(toggle: bool, prev: PrevFrameStatus, state: State) -> Self {
        Status(((toggle as u8) << 7) | ((prev.to_u8() & 0x03) << 4) | (state.to_u8() & 0x0F))
    }

    /// The frame toggle bit, which flips on alternate frames from the PM.
    pub const fn toggle(self) -> bool {
        self.0 & 0x80 != 0
    }

    /// Status of the previous frame the PM received.
    pub const fn prev_frame(self) -> PrevFrameStatus {
        PrevFrameStatus::from_u8((self.0 >> 4) & 0x03)
    }

    /// State-machine state.
    pub const fn state(self) -> State {
        State::from_u8(self.0 & 0x0F)
    }

    /// Bit `0x40`, unused by the spec: set on a real frame means something is off.
    pub const fn reserved_bit(self) -> bool {
        self.0 & 0x40 != 0
    }
}

impl core::fmt::Display for Status {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{:#04X} (toggle {}, previous frame {}, state {})",
            self.0,
            u8::from(self.toggle()),
            self.prev_frame(),
            self.state()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        let s = Status(0x99);
        assert!(s.toggle());
        assert_eq!(s.prev_frame(), PrevFrameStatus::Reject);
        assert_eq!(s.state(), State::Offline);
        assert_eq!(
            Status::new(true, PrevFrameStatus::Reject, State::Offline),
            s
        );
        assert_eq!(Status(0x85).state(), State::InUse);
        assert_eq!(Status(0x04).state(), State::Unknown(4));
    }
}
