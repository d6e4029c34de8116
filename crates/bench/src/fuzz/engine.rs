//! The fuzzing run: mutations sent one by one, each followed by a liveness
//! check; every anomaly confirmed on a freshly opened monitor, minimised,
//! and recorded as a transcript that `replay:` plays and `--reproduce` sends again.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use erglink_csafe::{EncodeOptions, decode_request, encode_request, format_hex, frame};
use erglink_pm::Monitor;
use erglink_transport::{Transcribing, Transcript, TranscriptWriter, Transport};

use super::mutate::{Mutation, MutationKind, mutation};
use super::probe::{AnomalyKind, Outcome, Reopen, current_state, probe};
use super::rng::Rng;
use super::safety::unsafe_reason;

/// Trials the minimiser may spend on one anomaly.
const MAX_TRIALS: usize = 48;

/// How a run goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuzzOptions {
    /// Seed of every mutation.
    pub seed: u64,
    /// Mutated frames to make.
    pub count: usize,
    /// Send frames that could change the monitor or carry unknown ids.
    pub allow_set: bool,
}

/// Counters per mutation kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindStats {
    /// Sent to the monitor.
    pub sent: usize,
    /// Held back: they could change the monitor (no `--allow-set`).
    pub held: usize,
    /// The driver would not send them.
    pub refused: usize,
    /// Sent and answered.
    pub answered: usize,
    /// Anomalies seen (before confirming).
    pub anomalies: usize,
}

/// A confirmed, minimised anomaly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// What was wrong.
    pub kind: AnomalyKind,
    /// The mutation that found it.
    pub mutation: MutationKind,
    /// Its case number in the run.
    pub case: usize,
    /// The frame as first sent.
    pub original: Vec<u8>,
    /// The smallest frame that still does it.
    pub frame: Vec<u8>,
    /// The report it goes in.
    pub report: Option<u8>,
    /// One line for people.
    pub summary: String,
    /// The transcript of the minimal run (`replay:` plays it).
    pub transcript: String,
}

/// A whole run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FuzzReport {
    /// Counters per mutation kind.
    pub stats: BTreeMap<MutationKind, KindStats>,
    /// Anomalies confirmed, each once.
    pub found: Vec<Found>,
    /// Anomalies that did not recur on a fresh monitor.
    pub unconfirmed: usize,
    /// Anomalies that minimised to one already found.
    pub duplicates: usize,
    /// Why the run stopped early, if it did.
    pub stopped: Option<String>,
}

/// A `Write` into memory that a transcript writer can own.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A handle whose clock starts at 0 when it is wrapped: a simulated monitor
/// reopened after a minute keeps its clock, and a transcript that starts at
/// 60 s would leave a replay's first reply out of reach of its timeout.
struct Rebased {
    inner: Box<dyn Transport>,
    origin: u64,
}

impl Rebased {
    fn new(inner: Box<dyn Transport>) -> Rebased {
        let origin = inner.now_ns();
        Rebased { inner, origin }
    }
}

impl Transport for Rebased {
    fn info(&self) -> &erglink_transport::DeviceInfo {
        self.inner.info()
    }
    fn report_sizes(&self) -> &erglink_transport::ReportSizes {
        self.inner.report_sizes()
    }
    fn write_report(&mut self, report: &[u8]) -> Result<(), erglink_transport::TransportError> {
        self.inner.write_report(report)
    }
    fn read_report(
        &mut self,
        buf: &mut Vec<u8>,
        timeout_ns: u64,
    ) -> Result<bool, erglink_transport::TransportError> {
        self.inner.read_report(buf, timeout_ns)
    }
    fn now_ns(&self) -> u64 {
        self.inner.now_ns().saturating_sub(self.origin)
    }
    fn sleep_ns(&mut self, ns: u64) {
        self.inner.sleep_ns(ns);
    }
    fn note(&mut self, text: &str) {
        self.inner.note(text);
    }
}

/// Runs the fuzzer. `on_case` hears of each case (its number) and of each
/// anomaly found, as they happen.
pub fn fuzz(
    monitor: &mut Monitor<Box<dyn Transport>>,
    reopen: &mut Reopen<'_>,
    opts: &FuzzOptions,
    on_case: &mut dyn FnMut(usize, Option<&Found>),
) -> FuzzReport {
    let mut report = FuzzReport::default();
    let reports: Vec<(u8, usize)> = monitor.transport().report_sizes().entries().to_vec();
    let mut rng = Rng::new(opts.seed);
    let mut state = match current_state(monitor, reopen) {
        Ok(s) => s,
        Err(why) => {
            report.stopped = Some(why);
            return report;
        }
    };
    for n in 0..opts.count {
        let m = mutation(&mut rng, n, &reports);
        let stats = report.stats.entry(m.kind).or_default();
        if !opts.allow_set && unsafe_reason(&m.frame).is_some() {
            stats.held += 1;
            on_case(n, None);
            continue;
        }
        let outcome = probe(monitor, reopen, &m.frame, m.report, judged(&m.frame, state));
        let stats = report.stats.entry(m.kind).or_default();
        let mut new_finding = None;
        match outcome {
            Outcome::Refused(_) => stats.refused += 1,
            Outcome::Fine { answered, state: s } => {
                stats.sent += 1;
                stats.answered += usize::from(answered);
                state = s;
            }
            Outcome::Dead(why) => {
                stats.sent += 1;
                report.stopped = Some(why);
                on_case(n, None);
                break;
            }
            Outcome::Anomaly { kind, state: s, .. } => {
                stats.sent += 1;
                stats.anomalies += 1;
                if let Some(s) = s {
                    state = s;
                }
                let seen = report
                    .found
                    .iter()
                    .any(|f| f.kind == kind && f.original == m.frame);
                if seen {
                    report.duplicates += 1;
                } else {
                    match confirm_and_minimise(monitor, reopen, &m, kind, n) {
                        // Minimised to one already saved: the same finding.
                        Some(found)
                            if report
                                .found
                                .iter()
                                .any(|f| f.kind == found.kind && f.frame == found.frame) =>
                        {
                            report.duplicates += 1;
                        }
                        Some(found) => new_finding = Some(found),
                        None => report.unconfirmed += 1,
                    }
                    // The minimiser left the monitor where its trials did.
                    match current_state(monitor, reopen) {
                        Ok(s) => state = s,
                        Err(why) => report.stopped = Some(why),
                    }
                }
            }
        }
        on_case(n, new_finding.as_ref());
        report.found.extend(new_finding);
        if report.stopped.is_some() {
            break;
        }
    }
    report
}

/// The state a frame must leave alone: none for one that may change it.
fn judged(frame_bytes: &[u8], before: erglink_csafe::State) -> Option<erglink_csafe::State> {
    unsafe_reason(frame_bytes).is_none().then_some(before)
}

/// One trial on a freshly opened monitor: does `frame` still do `kind`?
fn trial(
    monitor: &mut Monitor<Box<dyn Transport>>,
    reopen: &mut Reopen<'_>,
    frame_bytes: &[u8],
    report: Option<u8>,
    kind: AnomalyKind,
) -> bool {
    let Ok(t) = reopen() else { return false };
    monitor.replace_transport(t);
    let Ok(before) = current_state(monitor, reopen) else {
        return false;
    };
    matches!(probe(monitor, reopen, frame_bytes, report, judged(frame_bytes, before)), Outcome::Anomaly { kind: k, .. } if k == kind)
}

/// Smaller frames to try: for a valid frame, its commands alone (what did not
/// parse left out) and one command fewer, each re-encoded; else one byte fewer.
fn shrinks(frame_bytes: &[u8]) -> Vec<Vec<u8>> {
    let encode = |cmds: &[erglink_csafe::AnyCommand]| {
        let mut wire = Vec::new();
        encode_request(cmds, &EncodeOptions::default(), &mut wire)
            .ok()
            .map(|_| wire)
    };
    let mut out = Vec::new();
    if let Ok(f) = frame::decode_frame(frame_bytes) {
        let cmds = decode_request(&f.contents).commands;
        if !cmds.is_empty() {
            out.extend(encode(&cmds));
        }
        if cmds.len() > 1 {
            for i in 0..cmds.len() {
                let mut fewer = cmds.clone();
                fewer.remove(i);
                out.extend(encode(&fewer));
            }
        }
    }
    if frame_bytes.len() > 2 {
        for i in (0..frame_bytes.len()).rev() {
            let mut fewer = frame_bytes.to_vec();
            fewer.remove(i);
            out.push(fewer);
        }
    }
    // Only strictly smaller frames, so that shrinking ends.
    out.retain(|c| c.len() < frame_bytes.len());
    out
}

fn confirm_and_minimise(
    monitor: &mut Monitor<Box<dyn Transport>>,
    reopen: &mut Reopen<'_>,
    m: &Mutation,
    kind: AnomalyKind,
    case: usize,
) -> Option<Found> {
    if !trial(monitor, reopen, &m.frame, m.report, kind) {
        return None;
    }
    let mut best = m.frame.clone();
    let mut trials = 1;
    'shrinking: loop {
        for candidate in shrinks(&best) {
            if trials >= MAX_TRIALS {
                break 'shrinking;
            }
            trials += 1;
            if trial(monitor, reopen, &candidate, m.report, kind) {
                best = candidate;
                continue 'shrinking;
            }
        }
        break;
    }
    let (transcript, detail) = record(monitor, reopen, &best, m.report, kind)?;
    let summary = format!(
        "{}: {}: {detail} ({} of {}, case {case})",
        kind.name(),
        format_hex(&best),
        m.kind.name(),
        m.seed
    );
    Some(Found {
        kind,
        mutation: m.kind,
        case,
        original: m.frame.clone(),
        frame: best,
        report: m.report,
        transcript: format!(
            "# summary: {summary}\n# anomaly: {}\n# erglink fuzz: the first request is the liveness baseline, the second the mutated frame, the rest liveness checks\n{transcript}",
            kind.name()
        ),
        summary,
    })
}

/// Runs the minimal sequence once more on a fresh handle, recording every report.
fn record(
    monitor: &mut Monitor<Box<dyn Transport>>,
    reopen: &mut Reopen<'_>,
    frame_bytes: &[u8],
    report: Option<u8>,
    kind: AnomalyKind,
) -> Option<(String, String)> {
    let inner: Box<dyn Transport> = Box::new(Rebased::new(reopen().ok()?));
    let buf = Shared::default();
    let writer =
        TranscriptWriter::new(Box::new(buf.clone()), inner.info(), inner.report_sizes()).ok()?;
    monitor.replace_transport(Box::new(Transcribing::new(inner, writer)));
    let before = monitor
        .send_frame(&super::probe::GETSTATUS, None)
        .ok()?
        .status()
        .state();
    let outcome = probe(
        monitor,
        reopen,
        frame_bytes,
        report,
        judged(frame_bytes, before),
    );
    // Whatever the probe reopened replaced the recording handle; make sure it is gone.
    if let Ok(t) = reopen() {
        monitor.replace_transport(t);
    }
    let Outcome::Anomaly {
        kind: k, detail, ..
    } = outcome
    else {
        return None;
    };
    if k != kind {
        return None;
    }
    let mut text =
        String::from_utf8_lossy(&buf.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
    if kind == AnomalyKind::NeedsReopen {
        text.push_str("# then the monitor was reopened (a new handle) and answered GETSTATUS\n");
    }
    Some((text, detail))
}

/// What `--reproduce` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reproduction {
    /// The kind the file recorded.
    pub expected: AnomalyKind,
    /// What happened this time.
    pub outcome: Outcome,
}

impl Reproduction {
    /// Whether the anomaly came back.
    pub fn recurs(&self) -> bool {
        matches!(self.outcome, Outcome::Anomaly { kind, .. } if kind == self.expected)
    }
}

/// Sends a saved anomaly's requests again: its baseline, its mutated frame,
/// then the same liveness checks.
pub fn reproduce(
    text: &str,
    monitor: &mut Monitor<Box<dyn Transport>>,
    reopen: &mut Reopen<'_>,
) -> Result<Reproduction, String> {
    let expected = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("# anomaly:"))
        .and_then(|k| AnomalyKind::parse(k.trim()))
        .ok_or("no `# anomaly: KIND` line: is it a file `erglink fuzz` saved?")?;
    let transcript = Transcript::parse(text).map_err(|e| e.message)?;
    let requests: Vec<_> = transcript
        .lines
        .iter()
        .filter(|l| l.direction == erglink_transport::transcript::Direction::Tx)
        .collect();
    let [baseline, mutated, ..] = requests.as_slice() else {
        return Err("it has fewer than two requests (a baseline and the mutated frame)".into());
    };
    let before = monitor
        .send_frame(&baseline.bytes, Some(baseline.report_id))
        .map_err(|e| format!("the baseline GETSTATUS failed: {e}"))?
        .status()
        .state();
    let outcome = probe(
        monitor,
        reopen,
        &mutated.bytes,
        Some(mutated.report_id),
        judged(&mutated.bytes, before),
    );
    Ok(Reproduction { expected, outcome })
}
