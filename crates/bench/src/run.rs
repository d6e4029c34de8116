//! Running a plan against a monitor: each step's outcome, the exchange kept
//! for the steps that fail, one result per case.

use erglink_csafe::format_hex;
use erglink_pm::{DriverError, Exchange, Monitor};
use erglink_transport::Transport;
use serde_json::Value as Json;

use crate::fields::fields_json;
use crate::plan::{Expect, Expected, Located, Plan, Step, pattern_text};

/// How long a `send` waits for its reply unless an `expect no-reply` follows.
pub const DEFAULT_TIMEOUT_MS: u64 = 1000;

/// What became of a step.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// It passed.
    Passed,
    /// It failed, and why.
    Failed(String),
    /// An earlier step of its case failed.
    Skipped,
}

/// The exchange a step looked at: what was sent and what came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    /// The request frame.
    pub request: Vec<u8>,
    /// The reply frame, if one came.
    pub reply: Option<Vec<u8>>,
    /// Why no reply came, when none did.
    pub error: Option<String>,
    /// Round trip, when a reply came.
    pub latency_ns: Option<u64>,
}

impl Shown {
    /// `sent F1 80 80 F2; reply F1 81 81 F2 (26.0 ms)`.
    pub fn text(&self) -> String {
        let reply = match (&self.reply, &self.error) {
            (Some(r), _) => format!(
                "reply {} ({:.1} ms)",
                format_hex(r),
                self.latency_ns.unwrap_or(0) as f64 / 1e6
            ),
            (None, Some(e)) => format!("no reply: {e}"),
            (None, None) => "no reply".into(),
        };
        format!("sent {}; {reply}", format_hex(&self.request))
    }
}

/// One step as it ran.
#[derive(Clone, Debug, PartialEq)]
pub struct StepResult {
    /// Where it is written.
    pub file: String,
    /// Its line.
    pub line: usize,
    /// The step as written, with `[i/n]` for an iteration of a `repeat`.
    pub text: String,
    /// What became of it.
    pub verdict: Verdict,
    /// The exchange, for a send and for an expectation that failed.
    pub exchange: Option<Shown>,
}

/// One `case` as it ran.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseResult {
    /// Its name.
    pub name: String,
    /// Its steps.
    pub steps: Vec<StepResult>,
    /// Transport time it took.
    pub duration_ns: u64,
}

impl CaseResult {
    /// The first failed step.
    pub fn failure(&self) -> Option<&StepResult> {
        self.steps
            .iter()
            .find(|s| matches!(s.verdict, Verdict::Failed(_)))
    }
}

/// A whole run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunReport {
    /// The plan file.
    pub plan: String,
    /// Its cases in order.
    pub cases: Vec<CaseResult>,
}

impl RunReport {
    /// Whether every step passed.
    pub fn passed(&self) -> bool {
        self.cases.iter().all(|c| c.failure().is_none())
    }

    /// Cases that failed.
    pub fn failed_cases(&self) -> usize {
        self.cases.iter().filter(|c| c.failure().is_some()).count()
    }
}

/// The last exchange, as the expectations see it.
enum Last {
    None,
    Reply(Box<Exchange>),
    /// No reply: `timed_out` for silence, else a failure of the link.
    NoReply {
        request: Vec<u8>,
        why: String,
        timed_out: bool,
    },
}

impl Last {
    fn shown(&self) -> Option<Shown> {
        match self {
            Last::None => None,
            Last::Reply(ex) => Some(Shown {
                request: ex.request.clone(),
                reply: Some(ex.reply.clone()),
                error: None,
                latency_ns: Some(ex.latency_ns()),
            }),
            Last::NoReply { request, why, .. } => Some(Shown {
                request: request.clone(),
                reply: None,
                error: Some(why.clone()),
                latency_ns: None,
            }),
        }
    }
}

/// Runs plans on one monitor.
pub struct Runner<'a, T: Transport> {
    monitor: &'a mut Monitor<T>,
    last: Last,
    failed: bool,
    on_step: &'a mut dyn FnMut(&str, &StepResult),
    case: CaseResult,
    case_start_ns: u64,
    cases: Vec<CaseResult>,
}

/// Runs `plan` (its includes resolved) on `monitor`, calling `on_step` with
/// the case's name and each step's result as it happens.
pub fn run<T: Transport>(
    plan: &Plan,
    monitor: &mut Monitor<T>,
    on_step: &mut dyn FnMut(&str, &StepResult),
) -> RunReport {
    let first_case = std::path::Path::new(&plan.file)
        .file_stem()
        .map_or_else(|| "plan".to_string(), |s| s.to_string_lossy().into_owned());
    let start = monitor.now_ns();
    let mut r = Runner {
        monitor,
        last: Last::None,
        failed: false,
        on_step,
        case: CaseResult {
            name: first_case,
            steps: Vec::new(),
            duration_ns: 0,
        },
        case_start_ns: start,
        cases: Vec::new(),
    };
    r.steps(&plan.steps, "");
    r.close_case();
    let cases = r
        .cases
        .into_iter()
        // A plan that starts with `case` has nothing in the implicit first case.
        .enumerate()
        .filter(|(i, c)| *i > 0 || !c.steps.is_empty())
        .map(|(_, c)| c)
        .collect();
    RunReport {
        plan: plan.file.clone(),
        cases,
    }
}

impl<T: Transport> Runner<'_, T> {
    fn close_case(&mut self) {
        let now = self.monitor.now_ns();
        let mut case = std::mem::replace(
            &mut self.case,
            CaseResult {
                name: String::new(),
                steps: Vec::new(),
                duration_ns: 0,
            },
        );
        case.duration_ns = now.saturating_sub(self.case_start_ns);
        self.cases.push(case);
        self.case_start_ns = now;
        self.failed = false;
    }

    fn record(&mut self, s: &Located, prefix: &str, verdict: Verdict, exchange: Option<Shown>) {
        if matches!(verdict, Verdict::Failed(_)) {
            self.failed = true;
        }
        let result = StepResult {
            file: s.file.clone(),
            line: s.line,
            text: format!("{prefix}{}", s.step.head()),
            verdict,
            exchange,
        };
        (self.on_step)(&self.case.name, &result);
        self.case.steps.push(result);
    }

    fn steps(&mut self, steps: &[Located], prefix: &str) {
        for (i, s) in steps.iter().enumerate() {
            if let Step::Case(name) = &s.step {
                self.close_case();
                self.case.name.clone_from(name);
                continue;
            }
            if self.failed {
                self.record(s, prefix, Verdict::Skipped, None);
                continue;
            }
            match &s.step {
                Step::Case(_) | Step::Include(_) => {}
                Step::Send(send) => {
                    let no_reply_within = match steps.get(i + 1).map(|n| &n.step) {
                        Some(Step::Expect(Expect::NoReply { within_ms })) => Some(*within_ms),
                        _ => None,
                    };
                    let (verdict, shown) = self.send(&send.frame, no_reply_within);
                    self.record(s, prefix, verdict, shown);
                }
                Step::Expect(e) => {
                    let verdict = self.check(e);
                    let shown = match verdict {
                        Verdict::Failed(_) => self.last.shown(),
                        _ => None,
                    };
                    self.record(s, prefix, verdict, shown);
                }
                Step::Wait { ms } => {
                    self.monitor
                        .transport_mut()
                        .sleep_ns(ms.saturating_mul(1_000_000));
                    self.record(s, prefix, Verdict::Passed, None);
                }
                Step::Repeat { count, body } => {
                    for n in 1..=*count {
                        if self.failed {
                            break;
                        }
                        self.steps(body, &format!("{prefix}[{n}/{count}] "));
                    }
                }
            }
        }
    }

    fn send(&mut self, frame: &[u8], no_reply_within: Option<u64>) -> (Verdict, Option<Shown>) {
        let timeout_ms = no_reply_within.unwrap_or(DEFAULT_TIMEOUT_MS);
        let saved = self.monitor.settings().timeout_ns;
        self.monitor.settings_mut().timeout_ns = timeout_ms.saturating_mul(1_000_000);
        let result = self.monitor.send_frame(frame, None);
        self.monitor.settings_mut().timeout_ns = saved;
        self.last = match result {
            Ok(ex) => Last::Reply(Box::new(ex)),
            Err(e) => Last::NoReply {
                request: frame.to_vec(),
                why: e.to_string(),
                timed_out: matches!(e, DriverError::Timeout { .. }),
            },
        };
        let verdict = match &self.last {
            Last::NoReply {
                timed_out: true, ..
            } if no_reply_within.is_some() => Verdict::Passed,
            Last::NoReply { why, .. } => Verdict::Failed(format!("no reply: {why}")),
            Last::Reply(_) | Last::None => Verdict::Passed,
        };
        (verdict, self.last.shown())
    }

    fn check(&self, e: &Expect) -> Verdict {
        match check(e, &self.last) {
            Ok(()) => Verdict::Passed,
            Err(why) => Verdict::Failed(why),
        }
    }
}

fn reply(last: &Last) -> Result<&Exchange, String> {
    match last {
        Last::Reply(ex) => Ok(ex),
        Last::NoReply { why, .. } => Err(format!("the last send got no reply ({why})")),
        Last::None => Err("nothing was sent before it".into()),
    }
}

fn check(e: &Expect, last: &Last) -> Result<(), String> {
    match e {
        Expect::NoReply { within_ms } => match last {
            Last::NoReply {
                timed_out: true, ..
            } => Ok(()),
            Last::NoReply { why, .. } => Err(format!("expected silence, got a failure: {why}")),
            Last::Reply(ex) => Err(format!(
                "a reply came within {within_ms} ms: {}",
                format_hex(&ex.reply)
            )),
            Last::None => Err("nothing was sent before it".into()),
        },
        Expect::Status {
            state,
            prev,
            toggle_flips,
        } => {
            let ex = reply(last)?;
            let s = ex.status();
            let mut wrong = Vec::new();
            if s.state() != *state {
                wrong.push(format!("state {} (expected {state})", s.state()));
            }
            if let Some(p) = prev
                && s.prev_frame() != *p
            {
                wrong.push(format!("previous frame {} (expected {p})", s.prev_frame()));
            }
            if *toggle_flips {
                match ex.toggle_flipped {
                    Some(true) => {}
                    Some(false) => wrong.push("the toggle did not flip".into()),
                    None => {
                        wrong.push("no reply before this one to compare the toggle with".into());
                    }
                }
            }
            if wrong.is_empty() {
                Ok(())
            } else {
                Err(format!("status 0x{:02X}: {}", s.0, wrong.join(", ")))
            }
        }
        Expect::Reply(pattern) => {
            let ex = reply(last)?;
            let matches = ex.reply.len() == pattern.len()
                && ex
                    .reply
                    .iter()
                    .zip(pattern)
                    .all(|(b, p)| p.is_none_or(|p| p == *b));
            if matches {
                Ok(())
            } else {
                Err(format!(
                    "reply {} does not match {}",
                    format_hex(&ex.reply),
                    pattern_text(pattern)
                ))
            }
        }
        Expect::Latency { below_ms } => {
            let ex = reply(last)?;
            let ns = ex.latency_ns();
            if ns < below_ms.saturating_mul(1_000_000) {
                Ok(())
            } else {
                Err(format!(
                    "latency {:.1} ms, not below {below_ms} ms",
                    ns as f64 / 1e6
                ))
            }
        }
        Expect::Field {
            reply: name,
            key,
            op,
            value,
        } => {
            let ex = reply(last)?;
            let rep = ex
                .response
                .replies
                .iter()
                .find(|r| r.name().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    let names: Vec<String> = ex.response.replies.iter().map(|r| r.name()).collect();
                    format!(
                        "no {name} reply in the last exchange (it has: {})",
                        if names.is_empty() {
                            "none".into()
                        } else {
                            names.join(", ")
                        }
                    )
                })?;
            let erglink_csafe::Outcome::Data(d) = &rep.outcome else {
                return Err(format!("{name} carried no data ({:?})", rep.outcome));
            };
            let fields = fields_json(d);
            let actual = fields.get(key.as_str()).ok_or_else(|| {
                let keys: Vec<&String> = fields
                    .as_object()
                    .map(|m| m.keys().collect())
                    .unwrap_or_default();
                format!(
                    "{name} has no field `{key}` (it has: {})",
                    keys.iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            compare(actual, *op, value).map_err(|why| format!("{name}.{key}: {why}"))
        }
    }
}

fn compare(actual: &Json, op: crate::plan::Op, expected: &Expected) -> Result<(), String> {
    let ordering = match (actual, expected) {
        (Json::Number(n), Expected::Number(want)) => {
            let got = n.as_f64().unwrap_or(f64::NAN);
            got.partial_cmp(want).ok_or("not comparable")?
        }
        (Json::String(s), Expected::Text(want)) => s.as_str().cmp(want.as_str()),
        (Json::String(s), Expected::Number(want)) => match s.trim().parse::<f64>() {
            Ok(got) => got.partial_cmp(want).ok_or("not comparable")?,
            Err(_) => return Err(format!("\"{s}\" is text, not a number")),
        },
        (Json::Object(m), _) if m.contains_key("code") => {
            let code = m.get("code").and_then(Json::as_f64).unwrap_or(f64::NAN);
            let name = m.get("name").and_then(Json::as_str);
            match expected {
                Expected::Number(want) => code.partial_cmp(want).ok_or("not comparable")?,
                Expected::Text(want) => {
                    let got = name.unwrap_or("");
                    if got.eq_ignore_ascii_case(want) {
                        std::cmp::Ordering::Equal
                    } else {
                        got.to_ascii_lowercase().cmp(&want.to_ascii_lowercase())
                    }
                }
            }
        }
        (Json::Number(_), Expected::Text(t)) => {
            return Err(format!(
                "the field is a number; compare it with a number, not \"{t}\""
            ));
        }
        (other, _) => return Err(format!("{other} cannot be compared")),
    };
    if op.holds(ordering) {
        Ok(())
    } else {
        Err(format!(
            "{} is not {} {expected}",
            show(actual),
            op.symbol()
        ))
    }
}

fn show(v: &Json) -> String {
    match v {
        Json::Object(m) if m.contains_key("code") => format!(
            "{} ({})",
            m.get("name").and_then(Json::as_str).unwrap_or("unknown"),
            m.get("code").map(ToString::to_string).unwrap_or_default()
        ),
        other => other.to_string(),
    }
}
