//! Answering one request frame: take it apart with the codec, let each
//! command act and say what it answers, then build the reply as a PM does
//! (status byte, replies in request order, consecutive replies of one wrapper
//! under one wrapper header, accepted `76`/`77`/`1A` set commands echoed).

mod getters;
mod order;
mod public;
mod setters;

use erglink_csafe::command::{Access, AnyCommand, AnyReply, Wrapper};
use erglink_csafe::{PrevFrameStatus, ReplyBuilder, decode_request};

use crate::config::Model;
use crate::pm::Pm;
use crate::quirks::{Echo, Gate};
use crate::truth::Sample;

/// What one command contributes to the reply.
pub(crate) enum Answer {
    /// `id n data`.
    Reply(AnyReply),
    /// The bare id inside its wrapper (an accepted wrapped set command).
    Echo,
    /// Nothing but the status byte (public set and state commands, GETSTATUS).
    StatusOnly,
    /// Not accepted: the frame's status says Reject.
    Reject,
    /// The PM ignores the whole frame and sends nothing.
    Silent,
}

/// What the frame needs from the model while it is answered.
pub(crate) struct Ctx<'a> {
    pub pm: &'a mut Pm,
    pub t: u64,
    /// The display at `t`, taken once per frame.
    pub shown: Sample,
}

impl Ctx<'_> {
    /// A heart-rate figure as the PM reports it: `bpm` with a belt, the
    /// `hr_none=` reading (0 or 255) without one.
    pub fn hr_figure(&self, bpm: u8) -> u8 {
        if self.pm.heart.enabled() {
            bpm
        } else {
            self.pm.quirks.hr_none
        }
    }

    /// A rest-time figure of `seconds` in the `resttime=` unit: 0.01 s, or
    /// whole seconds (truncated, as the centiseconds are).
    pub fn rest_time(&self, seconds: f64) -> u32 {
        let s = seconds.max(0.0);
        if self.pm.quirks.resttime_cs {
            (s * 100.0) as u32
        } else {
            s as u32
        }
    }
}

/// Answers a request frame's contents at `t` with the reply's contents
/// (status first), or `None` when the PM stays silent.
pub(crate) fn answer_frame(pm: &mut Pm, t: u64, contents: &[u8]) -> Option<ReplyBuilder> {
    let request = decode_request(contents);
    let shown = pm.display(t);
    let mut cx = Ctx { pm, t, shown };
    let mut items: Vec<(Wrapper, u8, Option<AnyReply>)> =
        Vec::with_capacity(request.commands.len());
    let mut rejected = request.truncated.is_some();
    let mut silent = false;
    let little_endian_7f = !cx.pm.quirks.byteorder_7f_be;
    let echo = cx.pm.quirks.echo == Echo::Ids;
    for cmd in &request.commands {
        let changes = cmd.spec().is_some_and(|s| s.access == Access::Set);
        match answer_one(&mut cx, cmd) {
            Answer::Reply(r) if little_endian_7f => {
                items.push((cmd.wrapper(), cmd.id(), Some(order::little_endian_7f(r))));
            }
            Answer::Reply(r) => items.push((cmd.wrapper(), cmd.id(), Some(r))),
            // `echo=bare`: the set is taken, and the status byte says so alone.
            Answer::Echo if !echo => {}
            Answer::Echo => items.push((cmd.wrapper(), cmd.id(), None)),
            Answer::StatusOnly => {}
            Answer::Reject => rejected = true,
            Answer::Silent => silent = true,
        }
        if changes {
            // Later getters of the same frame see what earlier commands did.
            cx.pm.record(t);
            cx.shown = cx.pm.display(t);
        }
    }
    if silent {
        return None;
    }
    let prev = if rejected {
        PrevFrameStatus::Reject
    } else {
        PrevFrameStatus::Ok
    };
    let status = cx.pm.csafe.status(prev, !rejected);
    let mut b = ReplyBuilder::new(status);
    for (wrapper, id, reply) in &items {
        match reply {
            Some(r) => b.reply(r),
            None => b.echo(*wrapper, *id),
        };
    }
    Some(b)
}

fn answer_one(cx: &mut Ctx<'_>, cmd: &AnyCommand) -> Answer {
    if let AnyCommand::Raw(_) = cmd {
        // Unknown ids and malformed arguments: the PM refuses the frame.
        return Answer::Reject;
    }
    if cx.pm.model != Model::Pm5 && pm5_only(cmd) {
        return Answer::Reject;
    }
    if gated(cmd) && !cx.pm.authenticated {
        match cx.pm.quirks.proprietary.gate(cmd.id()) {
            Gate::Answer => {}
            Gate::Refuse => return Answer::Reject,
            Gate::Silent => return Answer::Silent,
        }
    }
    if let Some(a) = public::answer(cx, cmd) {
        return a;
    }
    if let Some(a) = setters::answer(cx, cmd) {
        return a;
    }
    if let Some(a) = getters::answer(cx, cmd) {
        return a;
    }
    default_answer(cmd)
}

/// Commands of the PM5 generation (csafe.md §5 "Gen 5"), refused by a PM3/PM4.
fn pm5_only(cmd: &AnyCommand) -> bool {
    match cmd.wrapper() {
        Wrapper::GetPmCfg => matches!(cmd.id(), 0x85 | 0x56..=0x58 | 0xE8..=0xEF),
        Wrapper::GetPmData => matches!(cmd.id(), 0x6E | 0x70..=0x72 | 0x78),
        Wrapper::UserCfg1 => cmd.id() == 0x6E,
        _ => false,
    }
}

/// Getters inside `7E`/`7F`, the ones `proprietary=` may keep from a host
/// that has not authenticated. `1A` and the `76`/`77` setters stay open.
fn gated(cmd: &AnyCommand) -> bool {
    matches!(cmd.wrapper(), Wrapper::GetPmCfg | Wrapper::GetPmData)
        && cmd.spec().is_some_and(|s| s.access != Access::Set)
}

/// Commands the simulator does not model: a wrapped set is accepted and
/// echoed, a public one answered by the status byte, and a getter gets its
/// reply layout filled with zeros (text fields empty).
fn default_answer(cmd: &AnyCommand) -> Answer {
    let Some(spec) = cmd.spec() else {
        return Answer::Reject;
    };
    match spec.access {
        Access::Set if !spec.reply_has_data => {
            if spec.wrapper == Wrapper::Top {
                Answer::StatusOnly
            } else {
                Answer::Echo
            }
        }
        _ => {
            if !spec.reply_has_data {
                return Answer::StatusOnly;
            }
            let zeros = [0u8; 256];
            match AnyReply::decode(spec.wrapper, spec.id, &zeros[..spec.reply_min_len]) {
                Ok((reply, _)) => Answer::Reply(reply),
                Err(_) => Answer::Reject,
            }
        }
    }
}
