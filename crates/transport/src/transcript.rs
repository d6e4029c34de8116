//! Transcripts: every report of a session as text, one per line, and a
//! transport that plays one back.
//!
//! ```text
//! # erglink transcript v1
//! # device: backend=sim vid=17a4 pid=0003 serial=430000001 product=Concept2 Performance Monitor 5 (PM5)
//! # report-sizes: 1=20 2=120 4=500
//! 1000000 tx 02 F1 80 80 F2
//! 27000000 rx 02 F1 81 81 F2
//! ```
//! Columns: nanoseconds since the transport opened, `tx` (host to PM) or `rx`,
//! the report id, then the report's bytes in hex with the zero padding at the
//! end left out. `#` starts a comment.

use std::io::Write;
use std::path::Path;

use erglink_csafe::{format_hex, parse_hex};

use crate::descriptor::ReportSizes;
use crate::error::{ErrorKind, TransportError};
use crate::{Backend, DeviceInfo, Transport};

/// Direction of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Host to PM.
    Tx,
    /// PM to host.
    Rx,
}

/// One report of a transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptLine {
    /// Nanoseconds since the transport opened.
    pub t_ns: u64,
    /// Direction.
    pub direction: Direction,
    /// Report id.
    pub report_id: u8,
    /// Bytes after the report id, trailing zero padding left out.
    pub bytes: Vec<u8>,
}

/// A parsed transcript.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    /// Device identity from the header, if any.
    pub device: Option<DeviceInfo>,
    /// Report sizes from the header, if any.
    pub report_sizes: ReportSizes,
    /// The reports.
    pub lines: Vec<TranscriptLine>,
}

fn strip_padding(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    &bytes[..end]
}

impl Transcript {
    /// Parses transcript text.
    pub fn parse(text: &str) -> Result<Self, TransportError> {
        let mut t = Transcript::default();
        for (n, line) in text.lines().enumerate() {
            let bad = |why: String| {
                TransportError::new(
                    ErrorKind::BadReport,
                    format!("transcript line {}: {why}", n + 1),
                )
            };
            let line = line.trim();
            if let Some(comment) = line.strip_prefix('#') {
                let comment = comment.trim();
                if let Some(dev) = comment.strip_prefix("device:") {
                    t.device = Some(parse_device(dev.trim()));
                } else if let Some(sizes) = comment.strip_prefix("report-sizes:") {
                    t.report_sizes = parse_sizes(sizes).map_err(bad)?;
                }
                continue;
            }
            if line.is_empty() {
                continue;
            }
            let mut cols = line.splitn(4, char::is_whitespace);
            let (Some(ts), Some(dir), Some(id)) = (cols.next(), cols.next(), cols.next()) else {
                return Err(bad("expected `<ns> <tx|rx> <report id> <hex>`".into()));
            };
            let t_ns = ts
                .parse()
                .map_err(|_| bad(format!("`{ts}` is not a time in ns")))?;
            let direction = match dir {
                "tx" => Direction::Tx,
                "rx" => Direction::Rx,
                other => return Err(bad(format!("`{other}` is neither tx nor rx"))),
            };
            let report_id = u8::from_str_radix(id, 16)
                .map_err(|_| bad(format!("`{id}` is not a report id")))?;
            let bytes = parse_hex(cols.next().unwrap_or("")).map_err(|e| bad(e.to_string()))?;
            t.lines.push(TranscriptLine {
                t_ns,
                direction,
                report_id,
                bytes,
            });
        }
        Ok(t)
    }

    /// Reads and parses a transcript file.
    pub fn load(path: &Path) -> Result<Self, TransportError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            TransportError::new(
                ErrorKind::NotFound,
                format!("cannot read transcript {}: {e}", path.display()),
            )
        })?;
        Self::parse(&text)
    }
}

fn parse_device(text: &str) -> DeviceInfo {
    let mut info = DeviceInfo::new(Backend::Replay, String::new());
    // `product=` runs to the end of the line: product strings contain spaces.
    let (head, product) = match text.split_once("product=") {
        Some((h, p)) => (h, Some(p.trim().to_string())),
        None => (text, None),
    };
    info.product = product;
    for field in head.split_whitespace() {
        match field.split_once('=') {
            Some(("vid", v)) => info.vendor_id = u16::from_str_radix(v, 16).unwrap_or(0),
            Some(("pid", v)) => info.product_id = u16::from_str_radix(v, 16).unwrap_or(0),
            Some(("serial", v)) => info.serial = Some(v.to_string()),
            Some(("path", v)) => info.path = v.to_string(),
            _ => {}
        }
    }
    info
}

fn parse_sizes(text: &str) -> Result<ReportSizes, String> {
    let mut entries = Vec::new();
    for field in text.split_whitespace() {
        let (id, len) = field
            .split_once('=')
            .ok_or_else(|| format!("`{field}` is not id=bytes"))?;
        let id = id.parse().map_err(|_| format!("bad report id `{id}`"))?;
        let len = len
            .parse()
            .map_err(|_| format!("bad report size `{len}`"))?;
        entries.push((id, len));
    }
    Ok(ReportSizes::new(entries))
}

/// Writes a transcript as reports go by.
pub struct TranscriptWriter {
    out: Box<dyn Write + Send>,
}

impl TranscriptWriter {
    /// A writer with the header for `info` and `sizes`.
    pub fn new(
        mut out: Box<dyn Write + Send>,
        info: &DeviceInfo,
        sizes: &ReportSizes,
    ) -> std::io::Result<Self> {
        writeln!(out, "# erglink transcript v1")?;
        writeln!(
            out,
            "# device: backend={} vid={:04x} pid={:04x} serial={} product={}",
            info.backend.name(),
            info.vendor_id,
            info.product_id,
            info.serial.as_deref().unwrap_or("-"),
            info.product.as_deref().unwrap_or("-"),
        )?;
        let sizes: Vec<String> = sizes
            .entries()
            .iter()
            .map(|(id, n)| format!("{id}={n}"))
            .collect();
        writeln!(out, "# report-sizes: {}", sizes.join(" "))?;
        Ok(Self { out })
    }

    /// A writer to a new file.
    pub fn create(
        path: &Path,
        info: &DeviceInfo,
        sizes: &ReportSizes,
    ) -> Result<Self, TransportError> {
        let file = std::fs::File::create(path).map_err(|e| {
            TransportError::new(
                ErrorKind::Io,
                format!("cannot create transcript {}: {e}", path.display()),
            )
        })?;
        Self::new(Box::new(std::io::BufWriter::new(file)), info, sizes).map_err(|e| {
            TransportError::new(ErrorKind::Io, format!("cannot write transcript: {e}"))
        })
    }

    /// Records one report (report id first).
    pub fn report(
        &mut self,
        t_ns: u64,
        direction: Direction,
        report: &[u8],
    ) -> std::io::Result<()> {
        let (id, bytes) = report
            .split_first()
            .map_or((0, &[][..]), |(id, b)| (*id, b));
        let dir = match direction {
            Direction::Tx => "tx",
            Direction::Rx => "rx",
        };
        writeln!(
            self.out,
            "{t_ns} {dir} {id:02X} {}",
            format_hex(strip_padding(bytes))
        )
    }

    /// Records a comment (a timeout, a note from the driver).
    pub fn note(&mut self, t_ns: u64, text: &str) -> std::io::Result<()> {
        writeln!(self.out, "# {t_ns} {text}")
    }

    /// Flushes buffered lines.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A transport that records every report to a transcript.
pub struct Transcribing<T> {
    inner: T,
    writer: TranscriptWriter,
}

impl<T: Transport> Transcribing<T> {
    /// Wraps `inner`, writing its reports to `writer`.
    pub fn new(inner: T, writer: TranscriptWriter) -> Self {
        Self { inner, writer }
    }

    fn log(&mut self, direction: Direction, report: &[u8]) -> Result<(), TransportError> {
        let t = self.inner.now_ns();
        self.writer.report(t, direction, report).map_err(|e| {
            TransportError::new(ErrorKind::Io, format!("cannot write transcript: {e}"))
        })
    }
}

impl<T: Transport> Transport for Transcribing<T> {
    fn info(&self) -> &DeviceInfo {
        self.inner.info()
    }
    fn report_sizes(&self) -> &ReportSizes {
        self.inner.report_sizes()
    }
    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        self.inner.write_report(report)?;
        self.log(Direction::Tx, report)
    }
    fn read_report(&mut self, buf: &mut Vec<u8>, timeout_ns: u64) -> Result<bool, TransportError> {
        let got = self.inner.read_report(buf, timeout_ns)?;
        if got {
            let report = buf.clone();
            self.log(Direction::Rx, &report)?;
        }
        Ok(got)
    }
    fn now_ns(&self) -> u64 {
        self.inner.now_ns()
    }
    fn sleep_ns(&mut self, ns: u64) {
        self.inner.sleep_ns(ns);
    }
    fn note(&mut self, text: &str) {
        let t = self.inner.now_ns();
        let _ = self.writer.note(t, text);
        self.inner.note(text);
    }
}

impl<T> Drop for Transcribing<T> {
    fn drop(&mut self) {
        let _ = self.writer.flush();
    }
}

/// Plays a transcript back as a device: each request must match the recorded
/// one, and gets the recorded reply at the recorded time.
pub struct Replay {
    info: DeviceInfo,
    sizes: ReportSizes,
    lines: Vec<TranscriptLine>,
    next: usize,
    now_ns: u64,
    /// The host's clock minus the recording's at the last request: replies
    /// come as long after their request as they did when recorded, whenever
    /// the host sends it. (Jumping the clock to a request's recorded time
    /// made a transcript that starts late time out on its first exchange:
    /// the driver's deadline starts before the write.)
    shift_ns: i128,
}

impl Replay {
    /// A device playing `transcript`.
    pub fn new(transcript: Transcript, path: &str) -> Self {
        let mut info = transcript
            .device
            .unwrap_or_else(|| DeviceInfo::new(Backend::Replay, String::new()));
        info.backend = Backend::Replay;
        info.path = path.to_string();
        let sizes = if transcript.report_sizes.is_empty() {
            ReportSizes::spec_default(info.model())
        } else {
            transcript.report_sizes
        };
        Self {
            info,
            sizes,
            lines: transcript.lines,
            next: 0,
            now_ns: 0,
            shift_ns: 0,
        }
    }

    /// Requests left to replay.
    pub fn remaining(&self) -> usize {
        self.lines[self.next..]
            .iter()
            .filter(|l| l.direction == Direction::Tx)
            .count()
    }
}

impl Transport for Replay {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }
    fn report_sizes(&self) -> &ReportSizes {
        &self.sizes
    }
    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        let (id, bytes) = report
            .split_first()
            .ok_or_else(|| TransportError::new(ErrorKind::BadReport, "empty report"))?;
        // Replies the host never read (a timeout on the recording side) are skipped.
        while self
            .lines
            .get(self.next)
            .is_some_and(|l| l.direction == Direction::Rx)
        {
            self.next += 1;
        }
        let Some(line) = self.lines.get(self.next) else {
            return Err(TransportError::new(
                ErrorKind::Disconnected,
                "the transcript has no more requests: the replayed session ended here",
            ));
        };
        let sent = strip_padding(bytes);
        if line.report_id != *id || line.bytes != sent {
            return Err(TransportError::new(
                ErrorKind::Diverged,
                format!(
                    "request {} differs from the recording: sent report {:02X} [{}], recorded report {:02X} [{}]",
                    self.lines[..self.next]
                        .iter()
                        .filter(|l| l.direction == Direction::Tx)
                        .count()
                        + 1,
                    id,
                    format_hex(sent),
                    line.report_id,
                    format_hex(&line.bytes)
                ),
            ));
        }
        self.shift_ns = i128::from(self.now_ns) - i128::from(line.t_ns);
        self.next += 1;
        Ok(())
    }
    fn read_report(&mut self, buf: &mut Vec<u8>, timeout_ns: u64) -> Result<bool, TransportError> {
        match self.lines.get(self.next) {
            Some(line) if line.direction == Direction::Rx => {
                buf.clear();
                buf.push(line.report_id);
                buf.extend_from_slice(&line.bytes);
                let len = self.sizes.get(line.report_id).map_or(buf.len(), |n| n + 1);
                if buf.len() < len {
                    buf.resize(len, 0);
                }
                let arrives =
                    (i128::from(line.t_ns) + self.shift_ns).clamp(0, i128::from(u64::MAX));
                self.now_ns = self.now_ns.max(arrives as u64);
                self.next += 1;
                Ok(true)
            }
            _ => {
                self.now_ns += timeout_ns;
                Ok(false)
            }
        }
    }
    fn now_ns(&self) -> u64 {
        self.now_ns
    }
    fn sleep_ns(&mut self, ns: u64) {
        self.now_ns += ns;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_parse() {
        let mut info = DeviceInfo::new(Backend::Sim, "sim:pm5".into());
        info.vendor_id = 0x17A4;
        info.product_id = 3;
        info.serial = Some("430000001".into());
        info.product = Some("Concept2 Performance Monitor 5 (PM5)".into());
        let sizes = ReportSizes::spec_default(Some(5));
        let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut w = TranscriptWriter::new(Box::new(Shared(buf.clone())), &info, &sizes).unwrap();
        let mut report = vec![2, 0xF1, 0x80, 0x80, 0xF2];
        report.resize(121, 0);
        w.report(1_000, Direction::Tx, &report).unwrap();
        w.note(2_000, "timeout").unwrap();
        w.report(
            27_000_000,
            Direction::Rx,
            &[2, 0xF1, 0x81, 0x81, 0xF2, 0, 0],
        )
        .unwrap();
        let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        assert!(text.contains("1000 tx 02 F1 80 80 F2\n"), "{text}");
        let t = Transcript::parse(&text).unwrap();
        assert_eq!(t.report_sizes, sizes);
        let dev = t.device.unwrap();
        assert_eq!((dev.vendor_id, dev.product_id), (0x17A4, 3));
        assert_eq!(
            dev.product.as_deref(),
            Some("Concept2 Performance Monitor 5 (PM5)")
        );
        assert_eq!(t.lines.len(), 2);
        assert_eq!(
            t.lines[1],
            TranscriptLine {
                t_ns: 27_000_000,
                direction: Direction::Rx,
                report_id: 2,
                bytes: vec![0xF1, 0x81, 0x81, 0xF2]
            }
        );
    }

    #[test]
    fn replay_answers_and_reports_divergence() {
        let t =
            Transcript::parse("5 tx 02 F1 80 80 F2\n9 rx 02 F1 81 81 F2\n20 tx 02 F1 94 94 F2\n")
                .unwrap();
        let mut r = Replay::new(t, "t.txt");
        let mut req = vec![2, 0xF1, 0x80, 0x80, 0xF2];
        req.resize(121, 0);
        r.write_report(&req).unwrap();
        let mut buf = Vec::new();
        assert!(r.read_report(&mut buf, 1_000_000).unwrap());
        assert_eq!(&buf[..5], [2, 0xF1, 0x81, 0x81, 0xF2]);
        assert_eq!(buf.len(), 121);
        assert_eq!(
            r.now_ns(),
            4,
            "the reply as long after its request as recorded"
        );
        let err = r.write_report(&req).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Diverged);
        assert!(err.message.contains("request 2"), "{}", err.message);
    }

    #[test]
    fn a_transcript_that_starts_late_answers_its_first_request_in_time() {
        // As a capture cut from the middle of a session, or a fuzzer's find.
        let t = Transcript::parse(
            "72000000000 tx 02 F1 80 80 F2\n72026000000 rx 02 F1 81 81 F2\n\
             73000000000 tx 02 F1 80 80 F2\n73030000000 rx 02 F1 01 01 F2\n",
        )
        .unwrap();
        let mut r = Replay::new(t, "late.txt");
        let mut req = vec![2, 0xF1, 0x80, 0x80, 0xF2];
        req.resize(121, 0);
        let mut buf = Vec::new();
        let sent = r.now_ns();
        r.write_report(&req).unwrap();
        assert!(
            r.now_ns() < sent + 1_000_000,
            "writing does not jump the clock"
        );
        assert!(r.read_report(&mut buf, 1_000_000_000).unwrap());
        assert_eq!(r.now_ns() - sent, 26_000_000);
        r.sleep_ns(500_000_000);
        let sent = r.now_ns();
        r.write_report(&req).unwrap();
        assert!(r.read_report(&mut buf, 1_000_000_000).unwrap());
        assert_eq!(r.now_ns() - sent, 30_000_000);
        assert_eq!(&buf[..5], [2, 0xF1, 0x01, 0x01, 0xF2]);
    }

    #[test]
    fn bad_lines_name_their_number() {
        let err = Transcript::parse("# ok\n12 sideways 02 F1\n").unwrap_err();
        assert!(err.message.contains("line 2"));
    }
}
