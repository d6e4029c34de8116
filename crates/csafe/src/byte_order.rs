//! Byte order of every command, in one table keyed by (wrapper, id).
//!
//! Rules are tried in order; the first whose wrapper and id match wins, and a
//! rule without an id is its wrapper's default. Each rule names its source and
//! how sure we are, so that a hardware finding (`erglink probe`) changes one line
//! here and nothing else.

use crate::command::Wrapper;
use crate::wire::ByteOrder;

/// How well a rule is established.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confidence {
    /// Seen in real monitor traffic.
    Observed,
    /// Stated by the Concept2 specification, not yet seen on hardware.
    Specified,
    /// The specification and the peers disagree, or nobody has checked.
    Unverified,
}

/// One row of the byte-order table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderRule {
    /// Wrapper the rule applies to.
    pub wrapper: Wrapper,
    /// Command id, or `None` for the wrapper's default.
    pub id: Option<u8>,
    /// The byte order.
    pub order: ByteOrder,
    /// How sure we are.
    pub confidence: Confidence,
    /// Where the fact comes from (reference section and source tags).
    pub source: &'static str,
}

const fn rule(
    wrapper: Wrapper,
    id: Option<u8>,
    order: ByteOrder,
    confidence: Confidence,
    source: &'static str,
) -> OrderRule {
    OrderRule {
        wrapper,
        id,
        order,
        confidence,
        source,
    }
}

use ByteOrder::{Big, Little};
use Confidence::{Observed, Specified, Unverified};

/// The table. Exceptions come before their wrapper's default.
pub const BYTE_ORDER_RULES: &[OrderRule] = &[
    // Exceptions the specification lists under 7F.
    rule(
        Wrapper::GetPmData,
        Some(0x6C),
        Little,
        Specified,
        "§5.6: HEARTBEATDATA is listed LSB first even under 7F [S1]",
    ),
    rule(
        Wrapper::GetPmData,
        Some(0xCF),
        Little,
        Specified,
        "§5.6: RESTTIME is u16 LE per the spec table [S1]",
    ),
    // Wrapper defaults.
    rule(
        Wrapper::Top,
        None,
        Little,
        Observed,
        "§3, §5.1: public commands are LE; real replies V5 (odometer), V16 (power) [S6][S7]",
    ),
    rule(
        Wrapper::UserCfg1,
        None,
        Little,
        Observed,
        "§3: real PM5 stroke stats via 1A are LE (V16) [S6]; spec's public sample sends C0 5D 00 00 [S20]",
    ),
    rule(
        Wrapper::SetPmCfg,
        None,
        Big,
        Observed,
        "§3: ErgData's 76 frames are BE (V12, V13) and a real PM5 accepts them (pm5-program-exchanges.tsv) [S1][S9]",
    ),
    rule(
        Wrapper::SetPmData,
        None,
        Big,
        Specified,
        "§3: documented BE for 76/77/7E/7F [S1]",
    ),
    rule(
        Wrapper::GetPmCfg,
        None,
        Big,
        Specified,
        "§3: documented BE for 76/77/7E/7F [S1]",
    ),
    rule(
        Wrapper::GetPmData,
        None,
        Big,
        Unverified,
        "§3, §8: 7F byte order is documented BE but untested on hardware [S1]",
    ),
];

/// The rule that decides the byte order of `(wrapper, id)`.
pub const fn order_rule(wrapper: Wrapper, id: u8) -> &'static OrderRule {
    let mut i = 0;
    while i < BYTE_ORDER_RULES.len() {
        let r = &BYTE_ORDER_RULES[i];
        if r.wrapper as u8 == wrapper as u8 {
            match r.id {
                Some(rid) if rid == id => return r,
                None => return r,
                _ => {}
            }
        }
        i += 1;
    }
    panic!("every wrapper has a default byte-order rule");
}

/// Byte order of the data of command `id` under `wrapper`.
pub const fn byte_order(wrapper: Wrapper, id: u8) -> ByteOrder {
    order_rule(wrapper, id).order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_exceptions() {
        assert_eq!(byte_order(Wrapper::Top, 0x21), Little);
        assert_eq!(byte_order(Wrapper::UserCfg1, 0x05), Little);
        assert_eq!(byte_order(Wrapper::SetPmCfg, 0x03), Big);
        assert_eq!(byte_order(Wrapper::GetPmData, 0xA0), Big);
        assert_eq!(byte_order(Wrapper::GetPmData, 0x6C), Little);
        assert_eq!(order_rule(Wrapper::GetPmData, 0xCF).confidence, Specified);
    }
}
