//! One streaming socket at `/connect`, in Terra's protocol
//! (`rt.asyncapi.yaml`): HELLO, IDENTIFY within the identify timeout,
//! READY, HEARTBEAT and its ACK, DISPATCH and REPLAY, and the published
//! close codes.
//!
//! Reading and writing are two tasks: a consumer that stops reading stalls
//! only its own writer (its queue fills and the hub drops for it), while
//! its heartbeat deadline is still kept by the reader. A close frame is
//! written and flushed before the socket is dropped.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use super::LiveState;
use super::hub::{Dispatch, Subscription};
use crate::auth::constant_time_eq;

/// Terra's close codes.
pub mod close {
    /// Normal closure (the server is stopping).
    pub const NORMAL: u16 = 1000;
    /// Unparseable JSON, or an invalid REPLAY payload.
    pub const MALFORMED: u16 = 1003;
    /// No IDENTIFY within the identify timeout.
    pub const NO_IDENTIFY: u16 = 4000;
    /// Token invalid, expired or already redeemed (or a producer).
    pub const BAD_TOKEN: u16 = 4001;
    /// Too many consumers.
    pub const TOO_MANY: u16 = 4002;
    /// A second IDENTIFY.
    pub const IDENTIFIED_TWICE: u16 = 4003;
    /// Unknown opcode, or one not valid for a consumer.
    pub const BAD_OPCODE: u16 = 4004;
    /// No heartbeat within 1.5 heartbeat intervals.
    pub const HEARTBEAT: u16 = 4005;
}

/// How long the close frame may take to leave before the socket is dropped.
const CLOSE_FLUSH: Duration = Duration::from_secs(5);
/// How long the client's answering close is waited for afterwards.
const CLOSE_LINGER: Duration = Duration::from_secs(2);

enum Ctl {
    Text(String),
    Subscribe(Subscription),
    Replay(Vec<Arc<Dispatch>>),
    Close(u16, &'static str),
}

async fn next_live(sub: &mut Option<Subscription>) -> Option<Arc<Dispatch>> {
    match sub {
        Some(s) => s.rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Writes what the reader and the hub give it, until a close is written
/// or the socket fails.
async fn write(
    mut sink: SplitSink<WebSocket, Message>,
    mut ctl: mpsc::Receiver<Ctl>,
    state: Arc<LiveState>,
) {
    let mut sub: Option<Subscription> = None;
    loop {
        let step = tokio::select! {
            biased;
            c = ctl.recv() => c,
            d = next_live(&mut sub) => match d {
                Some(d) => {
                    if sink.send(Message::Text(d.text.to_string().into())).await.is_err() {
                        return;
                    }
                    state.hub.sent(&d);
                    continue;
                }
                None => return,
            },
        };
        let Some(c) = step else { return };
        let sent = match c {
            Ctl::Text(t) => sink.send(Message::Text(t.into())).await,
            Ctl::Subscribe(s) => {
                sub = Some(s);
                Ok(())
            }
            Ctl::Replay(ds) => {
                let mut r = Ok(());
                for d in ds {
                    r = sink.feed(Message::Text(d.text.to_string().into())).await;
                    if r.is_err() {
                        break;
                    }
                }
                match r {
                    Ok(()) => sink.flush().await,
                    e => e,
                }
            }
            Ctl::Close(code, reason) => {
                // What was numbered for this consumer before the close goes
                // out first: a server stopping loses no consumer its tail.
                if let Some(s) = sub.as_mut() {
                    while let Ok(d) = s.rx.try_recv() {
                        if sink
                            .feed(Message::Text(d.text.to_string().into()))
                            .await
                            .is_err()
                        {
                            return;
                        }
                        state.hub.sent(&d);
                    }
                }
                let frame = CloseFrame {
                    code,
                    reason: reason.into(),
                };
                let _ = sink.send(Message::Close(Some(frame))).await;
                let _ = sink.flush().await;
                return;
            }
        };
        if sent.is_err() {
            return;
        }
    }
}

fn int(v: &Value) -> Option<Result<u64, ()>> {
    match v {
        Value::Null => None,
        v => Some(v.as_u64().ok_or(())),
    }
}

/// What a client frame asks for.
#[derive(Debug, PartialEq)]
pub(crate) enum Asked {
    Heartbeat,
    Identify {
        consumer: bool,
        token: Option<String>,
    },
    Replay {
        after: u64,
        before: u64,
    },
    /// Close with this code.
    Refused(u16),
}

/// Reads one client frame.
pub(crate) fn parse(text: &str) -> Asked {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return Asked::Refused(close::MALFORMED);
    };
    let Some(op) = v.get("op").and_then(Value::as_u64) else {
        return Asked::Refused(close::MALFORMED);
    };
    let d = v.get("d").unwrap_or(&Value::Null);
    match op {
        0 => Asked::Heartbeat,
        3 => Asked::Identify {
            consumer: d.get("type").and_then(Value::as_u64) == Some(1),
            token: d.get("token").and_then(Value::as_str).map(str::to_string),
        },
        7 => {
            if !d.is_object() {
                return Asked::Refused(close::MALFORMED);
            }
            let after = int(d.get("after").unwrap_or(&Value::Null));
            let before = int(d.get("before").unwrap_or(&Value::Null));
            match (after.transpose(), before.transpose()) {
                // No `before` is an upper bound of 0: nothing.
                (Ok(after), Ok(before)) => Asked::Replay {
                    after: after.unwrap_or(0),
                    before: before.unwrap_or(0),
                },
                _ => Asked::Refused(close::MALFORMED),
            }
        }
        _ => Asked::Refused(close::BAD_OPCODE),
    }
}

fn token_ok(state: &LiveState, token: Option<&str>) -> bool {
    let Some(key) = &state.credentials.api_key else {
        return true;
    };
    let Some(token) = token else { return false };
    // The key itself works as Terra's dashboard key would; else a token.
    let is_key = constant_time_eq(token.as_bytes(), key.as_bytes());
    is_key || state.tokens.redeem(token)
}

/// Runs one socket to its end.
pub(crate) async fn run(socket: WebSocket, state: Arc<LiveState>) {
    let (sink, mut stream) = socket.split();
    let (ctl, ctl_rx) = mpsc::channel::<Ctl>(64);
    let writer = tokio::spawn(write(sink, ctl_rx, state.clone()));
    let code = read(&mut stream, &ctl, &state).await;
    if let Some(code) = code {
        let reason = match code {
            close::NORMAL => "server stopping",
            close::MALFORMED => "malformed frame",
            close::NO_IDENTIFY => "no IDENTIFY in time",
            close::BAD_TOKEN => "token invalid, expired or already redeemed",
            close::TOO_MANY => "consumer session limit reached",
            close::IDENTIFIED_TWICE => "already identified",
            close::BAD_OPCODE => "opcode not valid for this session",
            _ => "heartbeat deadline exceeded",
        };
        let _ = ctl.send(Ctl::Close(code, reason)).await;
    }
    drop(ctl);
    let mut writer = writer;
    if tokio::time::timeout(CLOSE_FLUSH, &mut writer)
        .await
        .is_err()
    {
        writer.abort();
    }
    if code.is_some() {
        // The client answers the close; reading it lets the socket end
        // cleanly instead of being reset under unread data.
        let linger = tokio::time::timeout(CLOSE_LINGER, async {
            while let Some(Ok(m)) = stream.next().await {
                if matches!(m, Message::Close(_)) {
                    break;
                }
            }
        });
        let _ = linger.await;
    }
}

/// Reads client frames; returns the close code to send, or none when the
/// client went away.
async fn read(
    stream: &mut SplitStream<WebSocket>,
    ctl: &mpsc::Sender<Ctl>,
    state: &Arc<LiveState>,
) -> Option<u16> {
    let interval = Duration::from_millis(state.config.heartbeat_interval_ms);
    let hello = json!({"op": 2, "d": {"heartbeat_interval": state.config.heartbeat_interval_ms}});
    ctl.send(Ctl::Text(hello.to_string())).await.ok()?;
    let identify_by = Instant::now() + state.config.identify_timeout;
    let mut heartbeat_by = Instant::now() + interval.mul_f64(1.5);
    let mut identified = false;
    let mut closing = state.hub.closing();
    loop {
        let msg = tokio::select! {
            m = stream.next() => m,
            () = sleep_until(identify_by), if !identified => return Some(close::NO_IDENTIFY),
            // Heartbeats are due from READY on (the lifecycle's step 6);
            // before it, the identify timeout applies.
            () = sleep_until(heartbeat_by), if identified => return Some(close::HEARTBEAT),
            _ = closing.wait_for(|c| *c) => return Some(close::NORMAL),
        };
        let text = match msg {
            None | Some(Err(_)) => return None,
            Some(Ok(Message::Text(t))) => t.to_string(),
            Some(Ok(Message::Binary(b))) => match String::from_utf8(b.to_vec()) {
                Ok(t) => t,
                Err(_) => return Some(close::MALFORMED),
            },
            Some(Ok(Message::Close(_))) => return None,
            Some(Ok(_)) => continue,
        };
        match parse(&text) {
            Asked::Refused(code) => return Some(code),
            Asked::Heartbeat => {
                heartbeat_by = Instant::now() + interval.mul_f64(1.5);
                // A client that sends but never reads fills its writer's
                // queue: its ACKs are dropped, and its reader keeps going.
                let _ = ctl.try_send(Ctl::Text(json!({"op": 1}).to_string()));
            }
            Asked::Identify { .. } if identified => return Some(close::IDENTIFIED_TWICE),
            // erglink is itself the producer: a producer has nothing to submit.
            Asked::Identify {
                consumer: false, ..
            } => return Some(close::BAD_TOKEN),
            Asked::Identify { token, .. } => {
                if !token_ok(state, token.as_deref()) {
                    return Some(close::BAD_TOKEN);
                }
                let Some(sub) = state.hub.subscribe() else {
                    return Some(close::TOO_MANY);
                };
                identified = true;
                heartbeat_by = Instant::now() + interval.mul_f64(1.5);
                ctl.send(Ctl::Text(json!({"op": 4}).to_string()))
                    .await
                    .ok()?;
                ctl.send(Ctl::Subscribe(sub)).await.ok()?;
            }
            Asked::Replay { .. } if !identified => return Some(close::BAD_OPCODE),
            Asked::Replay { after, before } => {
                let ds = state.hub.replay(after, before);
                ctl.send(Ctl::Replay(ds)).await.ok()?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn frames_are_read_as_published() {
        assert_eq!(parse(r#"{"op":0}"#), Asked::Heartbeat);
        assert_eq!(
            parse(r#"{"op":3,"d":{"type":1,"token":"abc"}}"#),
            Asked::Identify {
                consumer: true,
                token: Some("abc".into())
            }
        );
        assert_eq!(
            parse(r#"{"op":3,"d":{"type":0,"token":"abc"}}"#),
            Asked::Identify {
                consumer: false,
                token: Some("abc".into())
            }
        );
        assert_eq!(
            parse(r#"{"op":7,"d":{"after":4,"before":9}}"#),
            Asked::Replay {
                after: 4,
                before: 9
            }
        );
        assert_eq!(
            parse(r#"{"op":7,"d":{"before":9}}"#),
            Asked::Replay {
                after: 0,
                before: 9
            }
        );
        assert_eq!(
            parse(r#"{"op":7,"d":{"after":3}}"#),
            Asked::Replay {
                after: 3,
                before: 0
            }
        );
        assert_eq!(
            parse(r#"{"op":7,"d":{"before":"x"}}"#),
            Asked::Refused(close::MALFORMED)
        );
        assert_eq!(parse(r#"{"op":7}"#), Asked::Refused(close::MALFORMED));
        assert_eq!(parse("not json"), Asked::Refused(close::MALFORMED));
        assert_eq!(parse(r#"{"d":1}"#), Asked::Refused(close::MALFORMED));
        for op in [1, 2, 4, 5, 6, 8, 9, 99] {
            assert_eq!(
                parse(&format!(r#"{{"op":{op},"t":"x","d":{{}}}}"#)),
                Asked::Refused(close::BAD_OPCODE),
                "op {op}"
            );
        }
    }

    proptest! {
        #[test]
        fn any_text_is_read_without_panicking(text in ".{0,200}") {
            let _ = parse(&text);
        }

        #[test]
        fn replay_bounds_round_trip(after in any::<u64>(), before in any::<u64>()) {
            let text = json!({"op": 7, "d": {"after": after, "before": before}}).to_string();
            prop_assert_eq!(parse(&text), Asked::Replay { after, before });
        }
    }
}
