//! PostgreSQL's binary COPY format, written straight into byte buffers:
//! a header, then per row a field count and each field as a length and
//! its big-endian bytes (-1 for NULL), then a trailer. Encoding here,
//! rather than value by value through `ToSql`, keeps a one-hour session's
//! 180 000 samples well under the time the server needs to store them.

use bytes::{BufMut, Bytes, BytesMut};
use erglink_model::{ForceCurve, Gap, Sample, Split, Stroke};

use crate::{Error, Result};

/// Flush a chunk to the server at about this size.
pub(crate) const CHUNK: usize = 256 * 1024;

const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
const INT4_OID: u32 = 23;

/// One table's COPY data, built row by row and taken in chunks.
pub(crate) struct CopyData {
    buf: BytesMut,
    rows: u64,
}

impl CopyData {
    pub(crate) fn new() -> Self {
        let mut buf = BytesMut::with_capacity(CHUNK + 4096);
        buf.put_slice(HEADER);
        Self { buf, rows: 0 }
    }

    pub(crate) fn rows(&self) -> u64 {
        self.rows
    }

    fn row(&mut self, fields: i16) {
        self.buf.put_i16(fields);
        self.rows += 1;
    }

    fn null(&mut self) {
        self.buf.put_i32(-1);
    }

    fn i16(&mut self, v: i16) {
        self.buf.put_i32(2);
        self.buf.put_i16(v);
    }

    fn i32(&mut self, v: i32) {
        self.buf.put_i32(4);
        self.buf.put_i32(v);
    }

    fn i64(&mut self, v: i64) {
        self.buf.put_i32(8);
        self.buf.put_i64(v);
    }

    fn bool(&mut self, v: bool) {
        self.buf.put_i32(1);
        self.buf.put_u8(u8::from(v));
    }

    fn text(&mut self, v: &str) {
        self.buf.put_i32(v.len() as i32);
        self.buf.put_slice(v.as_bytes());
    }

    fn u8(&mut self, v: u8) {
        self.i16(i16::from(v));
    }

    fn opt_u8(&mut self, v: Option<u8>) {
        match v {
            Some(v) => self.u8(v),
            None => self.null(),
        }
    }

    fn u16(&mut self, v: u16) {
        self.i32(i32::from(v));
    }

    fn opt_u16(&mut self, v: Option<u16>) {
        match v {
            Some(v) => self.u16(v),
            None => self.null(),
        }
    }

    fn u32(&mut self, v: u32) {
        self.i64(i64::from(v));
    }

    fn opt_u32(&mut self, v: Option<u32>) {
        match v {
            Some(v) => self.u32(v),
            None => self.null(),
        }
    }

    fn ns(&mut self, what: &'static str, v: u64) -> Result<()> {
        let v = i64::try_from(v).map_err(|_| Error::OutOfRange { what, value: v })?;
        self.i64(v);
        Ok(())
    }

    fn int4_checked(&mut self, what: &'static str, v: u64) -> Result<()> {
        let v = i32::try_from(v).map_err(|_| Error::OutOfRange { what, value: v })?;
        self.i32(v);
        Ok(())
    }

    /// A one-dimensional `integer[]` without NULLs.
    fn int4_array(&mut self, values: &[u16]) {
        let n = values.len() as i32;
        if n == 0 {
            // An empty array has no dimensions.
            self.buf.put_i32(12);
            self.buf.put_i32(0);
            self.buf.put_i32(0);
            self.buf.put_u32(INT4_OID);
            return;
        }
        self.buf.put_i32(20 + 8 * n);
        self.buf.put_i32(1); // dimensions
        self.buf.put_i32(0); // no NULLs
        self.buf.put_u32(INT4_OID);
        self.buf.put_i32(n);
        self.buf.put_i32(1); // lower bound
        for &v in values {
            self.buf.put_i32(4);
            self.buf.put_i32(i32::from(v));
        }
    }

    /// The bytes so far once they reach a chunk, else `None`.
    pub(crate) fn take_chunk(&mut self) -> Option<Bytes> {
        (self.buf.len() >= CHUNK).then(|| self.buf.split().freeze())
    }

    /// The rest, with the trailer.
    pub(crate) fn finish(mut self) -> Bytes {
        self.buf.put_i16(-1);
        self.buf.freeze()
    }

    pub(crate) fn sample(&mut self, session: &str, seq: u64, s: &Sample) -> Result<()> {
        self.row(15);
        self.text(session);
        self.int4_checked("a sample's number", seq)?;
        self.ns("a sample's elapsed_ns", s.elapsed_ns)?;
        self.int4_checked("a sample's pm_elapsed_cs", u64::from(s.pm_elapsed_cs))?;
        self.int4_checked("a sample's distance_dm", u64::from(s.distance_dm))?;
        let pace = i32::try_from(s.pace_cs_per_500m).map_err(|_| Error::OutOfRange {
            what: "a sample's pace",
            value: u64::from(s.pace_cs_per_500m),
        })?;
        self.i32(pace);
        self.u16(s.power_w);
        self.u8(s.rate_spm);
        self.opt_u8(s.hr_bpm);
        self.opt_u16(s.energy_kcal);
        self.u8(s.stroke_state);
        self.opt_u8(s.drag_factor);
        self.opt_u8(s.workout_state);
        self.opt_u8(s.interval_type);
        self.opt_u8(s.interval_count);
        Ok(())
    }

    pub(crate) fn stroke(&mut self, session: &str, s: &Stroke) -> Result<()> {
        self.row(11);
        self.text(session);
        self.int4_checked("a stroke's index", u64::from(s.index))?;
        self.ns("a stroke's start_ns", s.start_ns)?;
        self.ns("a stroke's end_ns", s.end_ns)?;
        self.u16(s.drive_time_cs);
        self.u16(s.recovery_time_cs);
        self.u16(s.drive_length_cm);
        self.u16(s.peak_force_dlbf);
        self.u16(s.average_force_dlbf);
        self.u16(s.distance_cm);
        self.u16(s.work_dj);
        Ok(())
    }

    pub(crate) fn curve(&mut self, session: &str, c: &ForceCurve) -> Result<()> {
        self.row(4);
        self.text(session);
        self.int4_checked("a curve's stroke index", u64::from(c.stroke_index))?;
        self.bool(c.complete);
        self.int4_array(&c.samples_lbf);
        Ok(())
    }

    pub(crate) fn split(&mut self, session: &str, s: &Split) -> Result<()> {
        self.row(14);
        self.text(session);
        self.text(s.kind.name());
        self.int4_checked("a split's index", u64::from(s.index))?;
        self.ns("a split's start_ns", s.start_ns)?;
        self.ns("a split's end_ns", s.end_ns)?;
        self.u32(s.time_cs);
        self.u32(s.distance_dm);
        self.opt_u16(s.energy_kcal);
        self.opt_u16(s.average_power_w);
        self.opt_u8(s.average_rate_spm);
        self.opt_u8(s.average_hr_bpm);
        self.opt_u8(s.interval_type);
        self.opt_u32(s.rest_time_cs);
        self.opt_u32(s.rest_distance_dm);
        Ok(())
    }

    pub(crate) fn gap(&mut self, session: &str, seq: u64, g: &Gap) -> Result<()> {
        self.row(5);
        self.text(session);
        self.int4_checked("a gap's number", seq)?;
        self.text(g.kind.name());
        self.ns("a gap's from_ns", g.from_ns)?;
        match g.to_ns {
            Some(v) => self.ns("a gap's to_ns", v)?,
            None => self.null(),
        }
        Ok(())
    }
}

/// The tables filled by COPY, in the order a session's rows are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Table {
    Strokes,
    ForceCurves,
    Splits,
    Gaps,
    Samples,
}

impl Table {
    /// The COPY statement, columns in the order the encoder writes them.
    pub(crate) fn statement(self) -> &'static str {
        match self {
            Table::Samples => {
                "COPY erglink.samples (session_id, seq, elapsed_ns, pm_elapsed_cs, distance_dm,
                 pace_cs, power_w, rate_spm, hr_bpm, energy_kcal, stroke_state, drag_factor,
                 workout_state, interval_type, interval_count) FROM STDIN (FORMAT binary)"
            }
            Table::Strokes => {
                "COPY erglink.strokes (session_id, idx, start_ns, end_ns, drive_time_cs,
                 recovery_time_cs, drive_length_cm, peak_force_dlbf, average_force_dlbf,
                 distance_cm, work_dj) FROM STDIN (FORMAT binary)"
            }
            Table::ForceCurves => {
                "COPY erglink.force_curves (session_id, stroke, complete, samples_lbf)
                 FROM STDIN (FORMAT binary)"
            }
            Table::Splits => {
                "COPY erglink.splits (session_id, kind, idx, start_ns, end_ns, time_cs,
                 distance_dm, energy_kcal, average_power_w, average_rate_spm, average_hr_bpm,
                 interval_type, rest_time_cs, rest_distance_dm) FROM STDIN (FORMAT binary)"
            }
            Table::Gaps => {
                "COPY erglink.gaps (session_id, seq, kind, from_ns, to_ns) FROM STDIN (FORMAT binary)"
            }
        }
    }

    /// The table's name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Table::Samples => "samples",
            Table::Strokes => "strokes",
            Table::ForceCurves => "force_curves",
            Table::Splits => "splits",
            Table::Gaps => "gaps",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_laid_out_as_the_format_says() {
        let mut c = CopyData::new();
        c.curve(
            "S",
            &ForceCurve {
                stroke_index: 2,
                samples_lbf: vec![1, 65535],
                complete: true,
            },
        )
        .unwrap();
        let bytes = c.finish();
        let mut want = HEADER.to_vec();
        want.extend_from_slice(&4i16.to_be_bytes());
        want.extend_from_slice(&[0, 0, 0, 1, b'S']);
        want.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 2]);
        want.extend_from_slice(&[0, 0, 0, 1, 1]);
        want.extend_from_slice(&36i32.to_be_bytes());
        for v in [1i32, 0, 23, 2, 1, 4, 1, 4, 65535] {
            want.extend_from_slice(&v.to_be_bytes());
        }
        want.extend_from_slice(&(-1i16).to_be_bytes());
        assert_eq!(&bytes[..], &want[..]);
        assert_eq!(HEADER.len(), 19);
    }

    #[test]
    fn values_beyond_a_column_are_refused() {
        let mut c = CopyData::new();
        let s = Sample {
            elapsed_ns: u64::MAX,
            ..Sample::default()
        };
        let e = c.sample("S", 0, &s).unwrap_err();
        assert!(e.to_string().contains("elapsed_ns"), "{e}");
    }
}
