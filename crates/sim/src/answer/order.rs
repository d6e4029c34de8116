//! `byteorder_7f=le`: `7F` replies with their multi-byte fields least
//! significant byte first. The codec builds each reply in the order its table
//! gives (BE under `7F`, save `6C` HEARTBEATDATA and `CF` RESTTIME, which the
//! spec already lists LE); this swaps the bytes of every field of a BE reply,
//! so that with `le` the whole of `7F` is LE, exceptions included.

use erglink_csafe::command::{AnyReply, UnknownReply, Wrapper};
use erglink_csafe::wire::ByteOrder;

/// Bytes of one field of hint `hint` (the codec's `Wire::HINT`): `Some(n)`
/// with the width of each integer in it, `None` for text and raw bytes,
/// whose width the hint does not give and which have no byte order.
fn field_shape(hint: &str) -> Option<FieldShape> {
    Some(match hint {
        "u16" => FieldShape::ints(1, 2),
        "u24" => FieldShape::ints(1, 3),
        "u32" | "f32" => FieldShape::ints(1, 4),
        // A count byte, then 16 u16 slots.
        "samples" => FieldShape {
            head: 1,
            ints: 16,
            width: 2,
        },
        "text" | "hex" => return None,
        // u8 and the codec's one-byte enums.
        _ => FieldShape::ints(1, 1),
    })
}

#[derive(Clone, Copy)]
struct FieldShape {
    /// Leading single bytes.
    head: usize,
    /// Integers after them.
    ints: usize,
    /// Bytes of each.
    width: usize,
}

impl FieldShape {
    const fn ints(ints: usize, width: usize) -> FieldShape {
        FieldShape {
            head: 0,
            ints,
            width,
        }
    }
}

/// Swaps every multi-byte field of `data`, laid out as `reply`'s fields,
/// up to the first field of text or raw bytes. Returns the bytes it walked.
fn swap_fields(hints: impl Iterator<Item = &'static str>, data: &mut [u8]) -> usize {
    let mut at = 0;
    for hint in hints {
        let Some(shape) = field_shape(hint) else {
            break;
        };
        at += shape.head;
        for _ in 0..shape.ints {
            let Some(field) = data.get_mut(at..at + shape.width) else {
                return at;
            };
            field.reverse();
            at += shape.width;
        }
    }
    at
}

/// `reply` as a `7F` PM with `byteorder_7f=le` sends it: unchanged unless it
/// is a `7F` reply the codec wrote BE, else its data with every integer
/// reversed (as an [`UnknownReply`] carrying those bytes).
pub(super) fn little_endian_7f(reply: AnyReply) -> AnyReply {
    let Some(spec) = reply.spec() else {
        return reply;
    };
    if spec.wrapper != Wrapper::GetPmData || reply.order() != ByteOrder::Big {
        return reply;
    }
    let mut data = Vec::with_capacity(spec.reply_max_len);
    reply.write_data(&mut data);
    swap_fields(spec.reply.iter().map(|f| f.hint), &mut data);
    AnyReply::Unknown(UnknownReply {
        wrapper: spec.wrapper,
        id: spec.id,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_csafe::command::{self as cmd, Layout, all_specs};
    use erglink_csafe::wire::{F32, SampleBlock};

    fn data(r: &AnyReply) -> Vec<u8> {
        let mut d = Vec::new();
        r.write_data(&mut d);
        d
    }

    #[test]
    fn every_fixed_7f_layout_is_walked_to_its_end() {
        for s in all_specs()
            .iter()
            .filter(|s| s.wrapper == Wrapper::GetPmData && s.layout == Layout::Published)
        {
            let fixed = s.reply.iter().all(|f| !matches!(f.hint, "text" | "hex"));
            if !fixed || !s.reply_has_data {
                continue;
            }
            let mut buf = vec![0u8; s.reply_max_len];
            let walked = swap_fields(s.reply.iter().map(|f| f.hint), &mut buf);
            assert_eq!(walked, s.reply_max_len, "{}", s.name);
        }
    }

    #[test]
    fn big_endian_fields_turn_little_endian() {
        let power = AnyReply::PmGetStrokePower(cmd::StrokePower { power: 0x0102_0304 });
        assert_eq!(data(&power), [1, 2, 3, 4]);
        assert_eq!(data(&little_endian_7f(power)), [4, 3, 2, 1]);

        let stats = AnyReply::PmGetStrokeStatsData(cmd::StrokeStats {
            stroke_distance: 0x0102,
            drive_time: 3,
            recovery_time: 0x0405,
            stroke_length: 6,
            drive_count: 0x0708,
            peak_drive_force: 0x090A,
            impulse_drive_force: 0x0B0C,
            average_drive_force: 0x0D0E,
            work_per_stroke: 0x0F10,
        });
        let le = data(&little_endian_7f(stats.clone()));
        let mut via_1a = Vec::new();
        AnyReply::PmGetStrokeStats(match stats {
            AnyReply::PmGetStrokeStatsData(s) => s,
            _ => unreachable!(),
        })
        .write_data(&mut via_1a);
        assert_eq!(le, via_1a, "the same bytes as the LE 1A form");

        let plot = AnyReply::PmGetForcePlotDataData(cmd::ForcePlot {
            samples: SampleBlock::from_samples(&[0x0102, 0x0304]),
        });
        assert_eq!(&data(&little_endian_7f(plot))[..5], [4, 2, 1, 4, 3]);

        let period = AnyReply::PmGetEncoderPeriod(cmd::EncoderPeriod {
            period: F32(1.5f32.to_bits()),
        });
        assert_eq!(
            data(&little_endian_7f(period)),
            1.5f32.to_bits().to_le_bytes()
        );
    }

    #[test]
    fn documented_le_fields_and_other_wrappers_stay() {
        let rest = AnyReply::PmGetRestTimeData(cmd::RestTime { rest_time: 0x0102 });
        assert_eq!(little_endian_7f(rest.clone()), rest);
        let beats = AnyReply::PmGetHeartbeatDataData(cmd::HeartbeatData {
            samples: SampleBlock::from_samples(&[700]),
        });
        assert_eq!(little_endian_7f(beats.clone()), beats);
        let hw = AnyReply::PmGetHwAddress(cmd::HwAddress { address: 7 });
        assert_eq!(little_endian_7f(hw.clone()), hw, "7E is not 7F");
    }
}
