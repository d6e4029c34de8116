//! A scripted host for the tests: encodes requests with the codec, writes
//! them as HID reports, reads the replies on the virtual clock and decodes
//! them against the request.

#![allow(dead_code)]

use erglink_csafe::command::AnyCommand;
use erglink_csafe::{
    DecodeEvent, EncodeOptions, FrameDecoder, RequestShape, Response, encode_request,
};
use erglink_sim::{SimConfig, Simulator};

/// How long the host waits for a reply.
pub const TIMEOUT_NS: u64 = 1_000_000_000;
/// How long the host waits before writing again to a device that is gone.
pub const RETRY_NS: u64 = 100_000_000;

pub struct Host {
    pub sim: Simulator,
    pub now: u64,
    pub report_id: u8,
    /// Every report written and read: (time, direction, bytes).
    pub transcript: Vec<(u64, bool, Vec<u8>)>,
    pub keep_transcript: bool,
}

impl Host {
    pub fn new(model: &str, query: &str) -> Host {
        Host::with(Simulator::new(SimConfig::parse(model, query).unwrap()))
    }

    pub fn with(sim: Simulator) -> Host {
        Host {
            sim,
            now: 0,
            report_id: 2,
            transcript: Vec::new(),
            keep_transcript: false,
        }
    }

    pub fn report_len(&self) -> usize {
        self.sim.identity().report_size(self.report_id).unwrap()
    }

    /// Writes `frame` in the current report and waits for the reply report.
    pub fn exchange_frame(&mut self, frame: &[u8]) -> Option<Vec<u8>> {
        let mut report = vec![0u8; self.report_len() + 1];
        report[0] = self.report_id;
        report[1..=frame.len()].copy_from_slice(frame);
        if self.keep_transcript {
            self.transcript.push((self.now, true, report.clone()));
        }
        if self.sim.write_report(self.now, &report).is_err() {
            // Unplugged: a host would wait and try again.
            self.now += RETRY_NS;
            return None;
        }
        match self.sim.read_report(self.now + TIMEOUT_NS) {
            Some((at, reply)) => {
                self.now = at;
                if self.keep_transcript {
                    self.transcript.push((at, false, reply.clone()));
                }
                Some(reply)
            }
            None => {
                self.now += TIMEOUT_NS;
                None
            }
        }
    }

    /// Sends `cmds` in one frame and decodes the reply against them.
    pub fn exchange(&mut self, cmds: &[AnyCommand]) -> Option<Response> {
        let mut frame = Vec::new();
        encode_request(cmds, &EncodeOptions::default(), &mut frame).unwrap();
        let reply = self.exchange_frame(&frame)?;
        decode_reply(&reply, &RequestShape::from_commands(cmds))
    }

    /// Waits (no exchange) until `t`.
    pub fn idle_until(&mut self, t: u64) {
        self.now = self.now.max(t);
        self.sim.advance(self.now);
    }
}

/// The first frame of a reply report, decoded against its request.
pub fn decode_reply(report: &[u8], shape: &RequestShape) -> Option<Response> {
    let mut dec = FrameDecoder::default();
    let mut out = None;
    dec.feed_report(report, |ev| {
        if let DecodeEvent::Frame(f) = ev
            && out.is_none()
        {
            out = Response::decode(f, shape).ok();
        }
    });
    out
}

/// The unstuffed contents (status first) of a reply report's first frame.
pub fn contents(report: &[u8]) -> Option<Vec<u8>> {
    let mut dec = FrameDecoder::default();
    let mut out = None;
    dec.feed_report(report, |ev| {
        if let DecodeEvent::Frame(f) = ev
            && out.is_none()
        {
            out = Some(f.contents.to_vec());
        }
    });
    out
}

impl Host {
    /// Sends `cmds` in one frame: the reply's unstuffed contents, or `None`
    /// when nothing came back.
    pub fn exchange_contents(&mut self, cmds: &[AnyCommand]) -> Option<Vec<u8>> {
        let mut frame = Vec::new();
        encode_request(cmds, &EncodeOptions::default(), &mut frame).unwrap();
        let reply = self.exchange_frame(&frame)?;
        contents(&reply)
    }
}
