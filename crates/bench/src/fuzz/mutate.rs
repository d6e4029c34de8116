//! Valid request frames, and deterministic ways to break them. Each kind is
//! what a host bug or a noisy link could send a monitor; several keep the
//! checksum right, so the broken contents reach the PM's command parser
//! instead of being dropped as a bad frame.

use erglink_csafe::frame::encode_frame;
use erglink_csafe::{AnyCommand, EncodeOptions, FrameKind, command, encode_request};

use super::rng::Rng;

/// A kind of mutation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MutationKind {
    /// One bit flipped anywhere, the checksum left as it was.
    BitFlip,
    /// One bit of the contents flipped and the checksum made right again.
    BitFlipFixed,
    /// The checksum byte wrong.
    WrongChecksum,
    /// A wrapper's or a long command's byte count off, the checksum right.
    WrongByteCount,
    /// The start or the stop flag left out.
    MissingFlag,
    /// The start or the stop flag doubled.
    DoubledFlag,
    /// A stuffing escape (`F3`) followed by a byte it cannot escape, or a
    /// flag byte unescaped inside the frame.
    BadStuffing,
    /// A command id the dictionary does not have, at top level or in a wrapper.
    UnknownId,
    /// A frame of many valid getters, filling the largest report.
    Oversized,
    /// The report ends before the frame does.
    TruncatedReport,
    /// A valid frame in a report other than the one the policy picks.
    WrongReportId,
}

impl MutationKind {
    /// Every kind, in the order a run cycles through them.
    pub const ALL: [MutationKind; 11] = [
        MutationKind::BitFlip,
        MutationKind::BitFlipFixed,
        MutationKind::WrongChecksum,
        MutationKind::WrongByteCount,
        MutationKind::MissingFlag,
        MutationKind::DoubledFlag,
        MutationKind::BadStuffing,
        MutationKind::UnknownId,
        MutationKind::Oversized,
        MutationKind::TruncatedReport,
        MutationKind::WrongReportId,
    ];

    /// `bit-flip`, `wrong-checksum`…
    pub fn name(self) -> &'static str {
        match self {
            MutationKind::BitFlip => "bit-flip",
            MutationKind::BitFlipFixed => "bit-flip+checksum",
            MutationKind::WrongChecksum => "wrong-checksum",
            MutationKind::WrongByteCount => "wrong-byte-count",
            MutationKind::MissingFlag => "missing-flag",
            MutationKind::DoubledFlag => "doubled-flag",
            MutationKind::BadStuffing => "bad-stuffing",
            MutationKind::UnknownId => "unknown-id",
            MutationKind::Oversized => "oversized",
            MutationKind::TruncatedReport => "truncated-report",
            MutationKind::WrongReportId => "wrong-report-id",
        }
    }
}

/// One mutated frame to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mutation {
    /// How it was made.
    pub kind: MutationKind,
    /// The seed frame's commands, as written.
    pub seed: &'static str,
    /// The bytes to send.
    pub frame: Vec<u8>,
    /// A report to force (`None`: the policy's).
    pub report: Option<u8>,
}

/// The valid frames mutations start from: public, `1A` and `7E` getters.
pub const SEEDS: [&str; 10] = [
    "GETSTATUS",
    "GETVERSION",
    "GETSERIAL GETID",
    "GETTWORK GETHORIZONTAL",
    "GETPACE GETPOWER",
    "GETHRCUR GETUSERINFO",
    "GETCALORIES",
    "PM_GET_WORKTIME PM_GET_WORKDISTANCE",
    "GETCAPS:0",
    "PM_GET_WORKOUTTYPE PM_GET_WORKOUTSTATE",
];

fn seed_contents(seed: &str) -> Vec<u8> {
    let cmds: Vec<AnyCommand> = seed
        .split_whitespace()
        .map(|c| AnyCommand::parse(c).expect("seeds are valid commands"))
        .collect();
    let mut wire = Vec::new();
    encode_request(&cmds, &EncodeOptions::default(), &mut wire).expect("seeds fit a frame");
    let f = erglink_csafe::frame::decode_frame(&wire).expect("an encoded frame decodes");
    f.contents.to_vec()
}

/// (seed, byte of its contents, bit) for every bit of every seed.
fn flip_space() -> &'static [(usize, usize, u8)] {
    static SPACE: std::sync::OnceLock<Vec<(usize, usize, u8)>> = std::sync::OnceLock::new();
    SPACE.get_or_init(|| {
        let mut out = Vec::new();
        for (s, seed) in SEEDS.iter().enumerate() {
            for byte in 0..seed_contents(seed).len() {
                for bit in 0..8 {
                    out.push((s, byte, bit));
                }
            }
        }
        out
    })
}

/// A standard frame around `contents`: flags, stuffing, the right checksum.
pub fn framed(contents: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(contents.len() + 8);
    encode_frame(FrameKind::Standard, contents, usize::MAX, &mut out).expect("no size limit");
    out
}

/// Positions of the count bytes in `contents`: each wrapper's, each long command's.
fn count_positions(contents: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < contents.len() {
        let id = contents[i];
        if erglink_csafe::Wrapper::from_id(id).is_some() {
            out.push(i + 1);
            i += 2;
        } else if id < 0x80 {
            out.push(i + 1);
            i += 2 + usize::from(contents.get(i + 1).copied().unwrap_or(0));
        } else {
            i += 1;
        }
    }
    out.retain(|&p| p < contents.len());
    out
}

/// An id no dictionary entry has under `wrapper`, short (`>= 0x80`) so that it needs no count.
fn unknown_id(rng: &mut Rng, wrapper: erglink_csafe::Wrapper) -> u8 {
    let free: Vec<u8> = (0x80..=0xFFu8)
        .filter(|&id| {
            command::lookup(wrapper, id).is_none()
                && !(0xF0..=0xF3).contains(&id)
                && erglink_csafe::Wrapper::from_id(id).is_none()
        })
        .collect();
    free[rng.below(free.len())]
}

/// The `n`th mutation of a run seeded with `rng`, for a monitor whose
/// reports are `reports` (id, size).
pub fn mutation(rng: &mut Rng, n: usize, reports: &[(u8, usize)]) -> Mutation {
    let kind = MutationKind::ALL[n % MutationKind::ALL.len()];
    let mut seed = SEEDS[rng.below(SEEDS.len())];
    let contents = seed_contents(seed);
    let valid = framed(&contents);
    let mut report = None;
    let frame = match kind {
        MutationKind::BitFlip => {
            let mut f = valid;
            let i = rng.below(f.len());
            f[i] ^= 1 << rng.below(8);
            f
        }
        MutationKind::BitFlipFixed => {
            // Every bit of every seed in turn, so that a run long enough
            // tries each single-bit neighbour of each valid getter frame.
            let (s, byte, bit) = flip_space()[(n / MutationKind::ALL.len()) % flip_space().len()];
            seed = SEEDS[s];
            let mut c = seed_contents(seed);
            c[byte] ^= 1 << bit;
            framed(&c)
        }
        MutationKind::WrongChecksum => {
            let mut f = valid;
            let at = f.len() - 2;
            // The checksum may be stuffed (two bytes); replace what precedes the stop flag.
            let wrong = f[at] ^ (1 + rng.below(0x7F) as u8);
            f[at] = if (0xF0..=0xF3).contains(&wrong) {
                wrong ^ 0x80
            } else {
                wrong
            };
            f
        }
        MutationKind::WrongByteCount => {
            let mut c = contents.clone();
            let at = count_positions(&c);
            if at.is_empty() {
                // No count to break: give a short command a count it never has.
                c.insert(1, 1 + rng.below(4) as u8);
            } else {
                let p = at[rng.below(at.len())];
                let delta = 1 + rng.below(3) as u8;
                c[p] = if rng.coin() {
                    c[p].wrapping_add(delta)
                } else {
                    c[p].wrapping_sub(delta)
                };
            }
            framed(&c)
        }
        MutationKind::MissingFlag => {
            let mut f = valid;
            if rng.coin() {
                f.remove(0);
            } else {
                f.pop();
            }
            f
        }
        MutationKind::DoubledFlag => {
            let mut f = valid;
            if rng.coin() {
                f.insert(0, f[0]);
            } else {
                f.push(0xF2);
            }
            f
        }
        MutationKind::BadStuffing => {
            let mut f = valid;
            let at = 1 + rng.below(f.len() - 2);
            if rng.coin() {
                f.insert(at, 0xF3);
                f.insert(at + 1, 0x04 + rng.below(0x7C) as u8);
            } else {
                f.insert(at, 0xF0 + rng.below(2) as u8);
            }
            f
        }
        MutationKind::UnknownId => {
            let mut c = contents.clone();
            // Inside the first wrapper when there is one, else at top level.
            let wrapper = c.first().and_then(|&w| erglink_csafe::Wrapper::from_id(w));
            match wrapper {
                Some(w) if c.len() >= 2 => {
                    let id = unknown_id(rng, w);
                    c.insert(2, id);
                    c[1] = c[1].wrapping_add(1);
                }
                _ => {
                    // Before or after the commands: never inside one's data.
                    let id = unknown_id(rng, erglink_csafe::Wrapper::Top);
                    if rng.coin() {
                        c.insert(0, id);
                    } else {
                        c.push(id);
                    }
                }
            }
            framed(&c)
        }
        MutationKind::Oversized => {
            let largest = reports.iter().map(|&(_, n)| n).max().unwrap_or(120);
            // Frame = flags + contents + checksum; GETSTATUS (80) needs no stuffing.
            let c = vec![0x80; largest.saturating_sub(3).max(1)];
            let f = framed(&c);
            report = reports
                .iter()
                .find(|&&(_, n)| n == largest)
                .map(|&(id, _)| id);
            f
        }
        MutationKind::TruncatedReport => {
            let f = valid;
            let keep = 1 + rng.below(f.len() - 1);
            f[..keep].to_vec()
        }
        MutationKind::WrongReportId => {
            let fits: Vec<u8> = reports
                .iter()
                .filter(|&&(_, n)| n >= valid.len())
                .map(|&(id, _)| id)
                .collect();
            // Skip the first that fits, which is what the policy would take.
            let others = &fits[fits.len().min(1)..];
            report = if others.is_empty() {
                fits.first().copied()
            } else {
                Some(others[rng.below(others.len())])
            };
            valid
        }
    };
    Mutation {
        kind,
        seed,
        frame,
        report,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORTS: [(u8, usize); 3] = [(1, 20), (2, 120), (4, 62)];

    #[test]
    fn mutations_are_deterministic_and_cover_every_kind() {
        let run = |seed| {
            let mut rng = Rng::new(seed);
            (0..200)
                .map(|n| mutation(&mut rng, n, &REPORTS))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let kinds: std::collections::BTreeSet<_> = run(7).iter().map(|m| m.kind).collect();
        assert_eq!(kinds.len(), MutationKind::ALL.len());
    }

    #[test]
    fn each_kind_breaks_what_it_says() {
        use erglink_csafe::frame::decode_frame;
        let mut rng = Rng::new(3);
        for n in 0..440 {
            let m = mutation(&mut rng, n, &REPORTS);
            let decoded = decode_frame(&m.frame);
            match m.kind {
                MutationKind::WrongChecksum => assert!(
                    matches!(decoded, Err(erglink_csafe::FrameError::BadChecksum { .. })),
                    "{m:?}"
                ),
                MutationKind::BitFlipFixed
                | MutationKind::WrongByteCount
                | MutationKind::UnknownId => {
                    assert!(
                        decoded.is_ok(),
                        "a valid frame around broken contents: {m:?}"
                    );
                }
                MutationKind::Oversized => {
                    assert_eq!(m.frame.len(), 120);
                    assert_eq!(m.report, Some(2));
                }
                MutationKind::TruncatedReport => assert_ne!(m.frame.last(), Some(&0xF2)),
                MutationKind::WrongReportId => {
                    assert!(decoded.is_ok());
                    assert!(m.report.is_some());
                }
                _ => {}
            }
        }
    }
}
