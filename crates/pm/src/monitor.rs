//! `Monitor`: one exchange in flight, replies matched to requests, and what
//! to do when a reply does not come.

use erglink_csafe::{
    Access, AnyCommand, Command, DecodeEvent, EncodeOptions, FrameDecoder, FrameKind, Outcome,
    PrevFrameStatus, RequestShape, Response, Status, decode_request, encode_request, frame,
};
use erglink_transport::Transport;

use crate::error::{DriverError, RefusalReason, Refused};
use crate::policy::{choose_report, larger_report, resends_allowed};
use crate::stats::Stats;

/// How a monitor is driven.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// How long to wait for a reply (default 1 s, as the Concept2 SDK does).
    pub timeout_ns: u64,
    /// The spec's minimum inter-frame gap, waited after a failed attempt
    /// before anything else is sent (50 ms).
    pub retry_gap_ns: u64,
    /// Resends allowed for an exchange of idempotent getters.
    pub max_resends: u32,
    /// Standard or extended frames.
    pub frame_kind: FrameKind,
    /// Group consecutive wrapped commands under one wrapper.
    pub group_wrappers: bool,
    /// Largest request frame.
    pub max_frame: usize,
    /// A report the caller insists on.
    pub forced_report: Option<u8>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            timeout_ns: 1_000_000_000,
            retry_gap_ns: 50_000_000,
            max_resends: 3,
            frame_kind: FrameKind::Standard,
            group_wrappers: true,
            max_frame: erglink_csafe::DEFAULT_MAX_FRAME,
            forced_report: None,
        }
    }
}

/// One completed exchange.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// The request frame as sent.
    pub request: Vec<u8>,
    /// The report it went in.
    pub report_id: u8,
    /// When the (last) request was written, on the transport's clock.
    pub sent_ns: u64,
    /// When the reply arrived.
    pub received_ns: u64,
    /// Resends before it succeeded.
    pub resends: u32,
    /// The reply frame as it arrived.
    pub reply: Vec<u8>,
    /// The decoded reply.
    pub response: Response,
    /// Whether the toggle bit flipped since the previous reply (`None` for the first).
    pub toggle_flipped: Option<bool>,
}

impl Exchange {
    /// Round-trip time.
    pub fn latency_ns(&self) -> u64 {
        self.received_ns.saturating_sub(self.sent_ns)
    }

    /// The reply's status byte.
    pub fn status(&self) -> Status {
        self.response.status
    }
}

enum Attempt {
    Reply(Box<Exchange>),
    /// A frame started but the report ended before its stop flag.
    Truncated,
    /// Only broken frames arrived: the reply came but cannot be read.
    Corrupt,
    Timeout,
}

/// A Concept2 monitor behind any transport.
pub struct Monitor<T> {
    transport: T,
    settings: Settings,
    decoder: FrameDecoder,
    report: Vec<u8>,
    floor: u8,
    last_toggle: Option<bool>,
    stats: Stats,
}

impl<T: Transport> Monitor<T> {
    /// A monitor with default settings.
    pub fn new(transport: T) -> Self {
        Self::with_settings(transport, Settings::default())
    }

    /// A monitor with `settings`.
    pub fn with_settings(transport: T, settings: Settings) -> Self {
        Self {
            transport,
            settings,
            // Replies are read whatever their length: the PM, not the host,
            // decides their size, and a firmware tester wants to see them.
            decoder: FrameDecoder::new(4096),
            report: Vec::with_capacity(1024),
            floor: 1,
            last_toggle: None,
            stats: Stats::default(),
        }
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The settings, to change between exchanges.
    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    /// Puts a reopened transport in place of one whose handle died (an
    /// unplug): whatever was on its way through the old one is forgotten.
    pub fn replace_transport(&mut self, transport: T) {
        self.transport = transport;
        self.decoder.reset();
        self.last_toggle = None;
    }

    /// The counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The transport's clock.
    pub fn now_ns(&self) -> u64 {
        self.transport.now_ns()
    }

    /// The smallest report this session may use (raised after a truncation).
    pub fn report_floor(&self) -> u8 {
        self.floor
    }

    /// Sends `cmds` in one frame and returns the decoded reply. Only exchanges
    /// made of idempotent getters are resent after a timeout; the outer error
    /// is a failed exchange, the inner one a PM that answered but refused.
    pub fn exchange(
        &mut self,
        cmds: &[AnyCommand],
    ) -> Result<Result<Exchange, Refused>, DriverError> {
        let shape = RequestShape::from_commands(cmds);
        self.exchange_with_shape(cmds, &shape)
    }

    /// [`Monitor::exchange`] with the request's shape built once by the caller.
    pub fn exchange_with_shape(
        &mut self,
        cmds: &[AnyCommand],
        shape: &RequestShape,
    ) -> Result<Result<Exchange, Refused>, DriverError> {
        let opts = EncodeOptions {
            kind: self.settings.frame_kind,
            group_wrappers: self.settings.group_wrappers,
            max_frame: self.settings.max_frame,
        };
        let mut request = Vec::with_capacity(64);
        let enc = encode_request(cmds, &opts, &mut request)?;
        let access = |a: Access| cmds.iter().any(|c| c.spec().is_none_or(|s| s.access == a));
        // Getters may go again after a damaged request or a truncated reply:
        // the PM answered, so a lost reply is not the question.
        let resendable = !access(Access::Set) && !access(Access::Drain);
        let max_resends = resends_allowed(cmds, self.settings.max_resends);
        let forced = self.settings.forced_report;
        let mut report = choose_report(
            request.len(),
            enc.worst_case_reply,
            self.transport.report_sizes(),
            self.floor,
            forced,
        )?;
        let mut resends = 0;
        loop {
            let failure = match self.attempt(&request, report, Some(shape), true)? {
                Attempt::Reply(mut ex) => {
                    // "Previous frame Bad": our request reached the PM
                    // damaged and was not acted on, so a getter can go again.
                    let damaged = ex.status().prev_frame() == PrevFrameStatus::Bad;
                    if damaged && resendable && resends < self.settings.max_resends {
                        self.stats.bad_requests += 1;
                        resends += 1;
                        self.stats.resends += 1;
                        self.transport.note("resend: the PM saw a bad frame");
                        continue;
                    }
                    ex.resends = resends;
                    return Ok(self.classify(*ex));
                }
                Attempt::Truncated => {
                    self.stats.truncated += 1;
                    let next = larger_report(report, self.transport.report_sizes());
                    match next.filter(|_| forced.is_none() && resendable) {
                        Some(next) => {
                            tracing::info!(
                                "reply truncated in report {report}; using report {next} from now on"
                            );
                            self.floor = next;
                            report = next;
                            continue;
                        }
                        None => Attempt::Truncated,
                    }
                }
                other => other,
            };
            if matches!(failure, Attempt::Timeout) {
                self.stats.timeouts += 1;
            }
            self.recover();
            if resends < max_resends && !matches!(failure, Attempt::Truncated) {
                resends += 1;
                self.stats.resends += 1;
                self.transport.note("resend");
                continue;
            }
            let name = |a: Access| {
                cmds.iter()
                    .find(|c| c.spec().is_none_or(|s| s.access == a))
                    .map(AnyCommand::name)
                    .unwrap_or_default()
            };
            return Err(if access(Access::Drain) {
                DriverError::LostDrain {
                    command: name(Access::Drain),
                }
            } else if access(Access::Set) {
                DriverError::UnconfirmedSet {
                    command: name(Access::Set),
                }
            } else if matches!(failure, Attempt::Truncated) {
                DriverError::Truncated { report }
            } else {
                DriverError::Timeout {
                    timeout_ms: self.settings.timeout_ns / 1_000_000,
                    resends,
                    cause: "the monitor did not answer: wake it (press a button), check the cable, and close any other program using it".into(),
                }
            });
        }
    }

    /// Sends one command and returns its typed reply.
    pub fn call<C: Command>(&mut self, cmd: C) -> Result<Result<C::Reply, Refused>, DriverError> {
        let ex = match self.exchange(&[cmd.into_any()])? {
            Ok(ex) => ex,
            Err(refused) => return Ok(Err(refused)),
        };
        let reply = ex.response.replies.first().map(|r| r.outcome.clone());
        match reply {
            Some(Outcome::Data(data)) => match C::unwrap_reply(data) {
                Some(typed) => Ok(Ok(typed)),
                None => Ok(Err(Refused::new(RefusalReason::NoData, ex))),
            },
            Some(Outcome::Ack | Outcome::StatusOnly) if !C::SPEC.reply_has_data => {
                let mut r = erglink_csafe::wire::Reader::new(&[], C::SPEC.order);
                let ack = <C::Reply as erglink_csafe::ReplyData>::read(&mut r)
                    .expect("replies without data read from nothing");
                Ok(Ok(ack))
            }
            _ => Ok(Err(Refused::new(RefusalReason::NoData, ex))),
        }
    }

    /// Sends exactly `frame` (malformed or not) in one report and returns
    /// whatever comes back; nothing is resent. A frame that decodes as a
    /// request guides the reply's decoding.
    pub fn send_frame(
        &mut self,
        frame_bytes: &[u8],
        forced_report: Option<u8>,
    ) -> Result<Exchange, DriverError> {
        let shape = frame::decode_frame(frame_bytes)
            .ok()
            .map(|f| decode_request(&f.contents).shape());
        let report = choose_report(
            frame_bytes.len(),
            usize::MAX,
            self.transport.report_sizes(),
            self.floor,
            forced_report.or(self.settings.forced_report),
        )?;
        // Testers see whatever comes back, stale or not.
        match self.attempt(frame_bytes, report, shape.as_ref(), false)? {
            Attempt::Reply(ex) => {
                if ex.status().prev_frame() != PrevFrameStatus::Ok {
                    self.stats.refusals += 1;
                }
                Ok(*ex)
            }
            Attempt::Truncated => {
                self.stats.truncated += 1;
                Err(DriverError::Truncated { report })
            }
            failure => {
                if matches!(failure, Attempt::Timeout) {
                    self.stats.timeouts += 1;
                }
                self.recover();
                Err(DriverError::Timeout {
                    timeout_ms: self.settings.timeout_ns / 1_000_000,
                    resends: 0,
                    cause: likely_cause(frame_bytes, matches!(failure, Attempt::Corrupt)),
                })
            }
        }
    }

    fn classify(&mut self, ex: Exchange) -> Result<Exchange, Refused> {
        match ex.status().prev_frame() {
            PrevFrameStatus::Ok => Ok(ex),
            other => {
                self.stats.refusals += 1;
                Err(Refused::new(RefusalReason::from(other), ex))
            }
        }
    }

    /// Writes one request and waits for its reply.
    fn attempt(
        &mut self,
        request: &[u8],
        report_id: u8,
        shape: Option<&RequestShape>,
        skip_stale: bool,
    ) -> Result<Attempt, DriverError> {
        let mut out = Vec::with_capacity(request.len() + 1);
        out.push(report_id);
        out.extend_from_slice(request);
        let sent_ns = self.transport.now_ns();
        self.transport.write_report(&out)?;
        let deadline = sent_ns.saturating_add(self.settings.timeout_ns);
        let mut saw_bad_frame = false;
        loop {
            let now = self.transport.now_ns();
            if now >= deadline {
                return Ok(if saw_bad_frame {
                    Attempt::Corrupt
                } else {
                    Attempt::Timeout
                });
            }
            if !self
                .transport
                .read_report(&mut self.report, deadline - now)?
            {
                continue;
            }
            let received_ns = self.transport.now_ns();
            let mut reply: Option<Vec<u8>> = None;
            let mut bad = 0;
            self.decoder.feed_report(&self.report, |ev| match ev {
                DecodeEvent::Frame(f) if reply.is_none() => reply = Some(f.wire.to_vec()),
                DecodeEvent::Frame(_) => {}
                DecodeEvent::Error(_) => bad += 1,
            });
            self.stats.bad_frames += bad;
            self.stats.dropped_bytes = self.decoder.stats().dropped_bytes;
            if let Some(wire) = reply {
                let f = frame::decode_frame(&wire).expect("the decoder validated it");
                let response = match shape {
                    Some(s) => Response::decode(f.as_ref(), s),
                    None => Response::decode_unguided(f.as_ref()),
                };
                let Ok(response) = response else {
                    // A frame with no status byte is as good as none.
                    saw_bad_frame = true;
                    continue;
                };
                if skip_stale && answers_something_else(&response) {
                    // A late reply to an earlier request that the drain missed:
                    // never take it for this request's answer.
                    self.stats.late_replies += 1;
                    continue;
                }
                let toggle = response.status.toggle();
                let flipped = self.last_toggle.map(|t| t != toggle);
                if flipped == Some(false) {
                    self.stats.toggle_repeats += 1;
                }
                self.last_toggle = Some(toggle);
                self.stats.exchanges += 1;
                self.stats
                    .latency
                    .record(received_ns.saturating_sub(sent_ns));
                return Ok(Attempt::Reply(Box::new(Exchange {
                    request: request.to_vec(),
                    report_id,
                    sent_ns,
                    received_ns,
                    resends: 0,
                    reply: wire,
                    response,
                    toggle_flipped: flipped,
                })));
            }
            if self.decoder.in_frame() {
                // The PM never continues a frame in the next report: a frame
                // still open when its report ends was cut short.
                self.decoder.reset();
                return Ok(Attempt::Truncated);
            }
            saw_bad_frame |= bad > 0;
        }
    }

    /// After a failed attempt: wait the spec's inter-frame gap, then read and
    /// discard anything still on its way, so that a late reply is never taken
    /// for the answer to the next request.
    fn recover(&mut self) {
        self.transport
            .note("recover: waiting and draining late replies");
        self.transport.sleep_ns(self.settings.retry_gap_ns);
        while let Ok(true) = self
            .transport
            .read_report(&mut self.report, self.settings.retry_gap_ns)
        {
            let mut frames = 0;
            self.decoder.feed_report(&self.report, |ev| {
                if matches!(ev, DecodeEvent::Frame(_)) {
                    frames += 1;
                }
            });
            self.stats.late_replies += frames;
        }
        self.decoder.reset();
    }
}

/// Whether a reply, decoded against our request, carries replies to commands
/// we did not send: then it answers another request.
fn answers_something_else(r: &Response) -> bool {
    r.replies.iter().any(|x| x.request_index.is_none())
}

/// Why a frame sent as raw bytes got no reply, as far as its bytes tell.
pub fn likely_cause(frame_bytes: &[u8], corrupt_reply: bool) -> String {
    if corrupt_reply {
        return "a reply came but could not be read (bad checksum or framing); the link may be noisy".into();
    }
    match frame::decode_frame(frame_bytes) {
        Err(erglink_csafe::FrameError::BadChecksum { expected, found }) => format!(
            "the frame's checksum is wrong (its contents give {expected:#04X}, it carries {found:#04X}), and a PM may ignore a bad frame; `erglink csafe encode` computes checksums"
        ),
        Err(e) => format!("the bytes are not a valid CSAFE frame ({e}), and a PM may ignore them"),
        Ok(_) => "the monitor did not answer: wake it (press a button), check the cable, and close any other program using it".into(),
    }
}
