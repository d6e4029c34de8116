//! A test plan: the steps of the plan language, and how each is written
//! (printing a plan and parsing the text gives the same plan back).

use std::fmt;

use erglink_csafe::{PrevFrameStatus, State, format_hex};

/// A parsed plan: its steps in order, `include`s left as they are written
/// until [`crate::resolve`] reads them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// The file the plan came from, for messages.
    pub file: String,
    /// Its steps.
    pub steps: Vec<Located>,
}

/// A step and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    /// The file it was written in (an include's, for its steps).
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// The step.
    pub step: Step,
}

/// One step of a plan.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// `case NAME`: the steps that follow, up to the next `case`, are one test case.
    Case(String),
    /// `send FRAME-or-COMMANDS`: one exchange with the monitor.
    Send(Send),
    /// `expect …`: a check on the last exchange.
    Expect(Expect),
    /// `repeat N {` … `}`.
    Repeat {
        /// How many times.
        count: u32,
        /// The steps repeated.
        body: Vec<Located>,
    },
    /// `wait MS`.
    Wait {
        /// Milliseconds.
        ms: u64,
    },
    /// `include FILE`, relative to the including file.
    Include(String),
}

/// What a `send` sends: its words as written and the frame they make by
/// `raw`'s rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Send {
    /// The input's words.
    pub words: Vec<String>,
    /// The frame.
    pub frame: Vec<u8>,
    /// Whether the words were hex (sent exactly) rather than commands.
    pub raw: bool,
}

/// A comparison of `expect FIELD OP VALUE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    /// Every operator, longest spelling first (so `<=` is not read as `<`).
    pub const ALL: [Op; 6] = [Op::Eq, Op::Ne, Op::Le, Op::Ge, Op::Lt, Op::Gt];

    /// How it is written.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }

    /// Whether `ordering` (actual against expected) satisfies it.
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Op::Eq => ordering == Equal,
            Op::Ne => ordering != Equal,
            Op::Lt => ordering == Less,
            Op::Le => ordering != Greater,
            Op::Gt => ordering == Greater,
            Op::Ge => ordering != Less,
        }
    }
}

/// The value an `expect FIELD OP VALUE` compares with.
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    /// A number: a field's value, or an enum's code.
    Number(f64),
    /// Text: a text field, or an enum's name (ignoring case).
    Text(String),
}

/// A check on the last exchange.
#[derive(Clone, Debug, PartialEq)]
pub enum Expect {
    /// `expect status STATE [prev OK|BAD|REJECT|NOTREADY] [toggle flips]`.
    Status {
        /// The state machine's state.
        state: State,
        /// The previous-frame status, if checked.
        prev: Option<PrevFrameStatus>,
        /// Whether the toggle must have flipped since the reply before.
        toggle_flips: bool,
    },
    /// `expect reply HEX-PATTERN`: the reply frame, `??` for any byte.
    Reply(Vec<Option<u8>>),
    /// `expect NAME.FIELD OP VALUE` on a decoded reply field.
    Field {
        /// The reply's name (`GETPOWER`, `PM_GET_WORKDISTANCE`).
        reply: String,
        /// The field's key as `csafe decode --json` gives it (`power_w`).
        key: String,
        /// The comparison.
        op: Op,
        /// What it is compared with.
        value: Expected,
    },
    /// `expect no-reply within MS`.
    NoReply {
        /// How long the send waits for nothing to come.
        within_ms: u64,
    },
    /// `expect latency < MS`.
    Latency {
        /// The bound, exclusive.
        below_ms: u64,
    },
}

/// A byte pattern as written: `F1 ?? 81 F2`.
pub fn pattern_text(pattern: &[Option<u8>]) -> String {
    pattern
        .iter()
        .map(|b| b.map_or_else(|| "??".to_string(), |b| format!("{b:02X}")))
        .collect::<Vec<_>>()
        .join(" ")
}

fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Number(v) => f.write_str(&number_text(*v)),
            Expected::Text(t) => write!(f, "\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\"")),
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Status {
                state,
                prev,
                toggle_flips,
            } => {
                match state.name() {
                    Some(n) => write!(f, "expect status {n}")?,
                    None => write!(f, "expect status {}", state.to_u8())?,
                }
                if let Some(p) = prev {
                    match p.name() {
                        Some(n) => write!(f, " prev {}", n.to_ascii_uppercase())?,
                        None => write!(f, " prev {}", p.to_u8())?,
                    }
                }
                if *toggle_flips {
                    f.write_str(" toggle flips")?;
                }
                Ok(())
            }
            Expect::Reply(p) => write!(f, "expect reply {}", pattern_text(p)),
            Expect::Field {
                reply,
                key,
                op,
                value,
            } => write!(f, "expect {reply}.{key} {} {value}", op.symbol()),
            Expect::NoReply { within_ms } => write!(f, "expect no-reply within {within_ms}"),
            Expect::Latency { below_ms } => write!(f, "expect latency < {below_ms}"),
        }
    }
}

impl Step {
    /// The step's first line as written (a `repeat`'s opening line).
    pub fn head(&self) -> String {
        match self {
            Step::Case(name) => format!("case {name}"),
            Step::Send(s) if s.raw => format!("send {}", format_hex(&s.frame)),
            Step::Send(s) => format!("send {}", s.words.join(" ")),
            Step::Expect(e) => e.to_string(),
            Step::Repeat { count, .. } => format!("repeat {count} {{"),
            Step::Wait { ms } => format!("wait {ms}"),
            Step::Include(path) => format!("include {path}"),
        }
    }
}

fn write_steps(f: &mut fmt::Formatter<'_>, steps: &[Located], depth: usize) -> fmt::Result {
    for s in steps {
        let indent = "  ".repeat(depth);
        writeln!(f, "{indent}{}", s.step.head())?;
        if let Step::Repeat { body, .. } = &s.step {
            write_steps(f, body, depth + 1)?;
            writeln!(f, "{indent}}}")?;
        }
    }
    Ok(())
}

impl fmt::Display for Plan {
    /// The plan as text that parses back to it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_steps(f, &self.steps, 0)
    }
}
