//! Decoded frames for people and for JSON: shared by `csafe decode` and the
//! tools that talk to monitors.

use erglink_csafe::{
    AnyCommand, FrameKind, FrameRef, Issue, Outcome, Response, Status, format_hex,
};
use serde_json::{Value as Json, json};

use crate::output::{enum_json, fields_json, fields_text, hex_id};

pub fn kind_json(kind: FrameKind) -> Json {
    match kind {
        FrameKind::Standard => json!({ "type": "standard" }),
        FrameKind::Extended { dest, src } => {
            json!({ "type": "extended", "dest": hex_id(dest), "src": hex_id(src) })
        }
    }
}

pub fn kind_text(kind: FrameKind) -> String {
    match kind {
        FrameKind::Standard => "standard".into(),
        FrameKind::Extended { dest, src } => {
            format!("extended, dest 0x{dest:02X}, src 0x{src:02X}")
        }
    }
}

pub fn status_json(s: Status) -> Json {
    json!({
        "byte": hex_id(s.0),
        "toggle": u8::from(s.toggle()),
        "previous_frame": enum_json(u32::from(s.prev_frame().to_u8()), s.prev_frame().name()),
        "state": enum_json(u32::from(s.state().to_u8()), s.state().name()),
    })
}

pub fn status_text(s: Status) -> String {
    format!(
        "status 0x{:02X}: toggle {}, previous frame {}, state {}",
        s.0,
        u8::from(s.toggle()),
        s.prev_frame(),
        s.state()
    )
}

fn wrapper_json(w: erglink_csafe::Wrapper) -> Json {
    match w.id() {
        Some(id) => json!(hex_id(id)),
        None => Json::Null,
    }
}

fn outcome_name(o: &Outcome) -> &'static str {
    match o {
        Outcome::Data(_) => "data",
        Outcome::Ack => "acknowledged",
        Outcome::StatusOnly => "status_only",
        Outcome::NotEchoed => "not_echoed",
        Outcome::Missing => "missing",
        Outcome::Malformed(_) => "malformed",
    }
}

fn issue_text(i: &Issue, r: &Response) -> String {
    match i {
        Issue::UnknownBytes { range } => format!(
            "unparsed bytes at {}..{}: {}",
            range.start,
            range.end,
            format_hex(&r.contents[range.clone()])
        ),
        Issue::ExtraData { reply, extra } => format!(
            "{} carried {extra} byte(s) beyond its layout",
            r.replies[*reply].name()
        ),
        Issue::WrapperOverrun {
            wrapper,
            declared,
            available,
        } => format!("wrapper {wrapper} declares {declared} bytes but only {available} follow"),
    }
}

pub fn response_json(frame: FrameRef<'_>, r: &Response) -> Json {
    let replies: Vec<Json> = r
        .replies
        .iter()
        .map(|rep| {
            let mut o = json!({
                "name": rep.name(),
                "wrapper": wrapper_json(rep.wrapper),
                "id": hex_id(rep.id),
                "request_index": rep.request_index,
                "outcome": outcome_name(&rep.outcome),
                "raw": format_hex(r.raw(rep)),
            });
            match &rep.outcome {
                Outcome::Data(d) => o["fields"] = fields_json(d),
                Outcome::Malformed(e) => o["error"] = json!(e.to_string()),
                _ => {}
            }
            o
        })
        .collect();
    json!({
        "frame": kind_json(frame.kind),
        "wire": format_hex(frame.wire),
        "contents": format_hex(frame.contents),
        "status": status_json(r.status),
        "replies": replies,
        "issues": r.issues.iter().map(|i| issue_text(i, r)).collect::<Vec<_>>(),
    })
}

pub fn response_text(frame: FrameRef<'_>, r: &Response) -> String {
    let mut out = format!(
        "{} ({})\n  {}\n",
        format_hex(frame.wire),
        kind_text(frame.kind),
        status_text(r.status)
    );
    for rep in &r.replies {
        let wrapper = rep
            .wrapper
            .id()
            .map(|w| format!("{w:02X}/"))
            .unwrap_or_default();
        let head = format!("  {} ({wrapper}{:02X})", rep.name(), rep.id);
        let body = match &rep.outcome {
            Outcome::Data(d) => fields_text(d),
            Outcome::Ack => "acknowledged (id echoed)".into(),
            Outcome::StatusOnly => "no reply data (status only)".into(),
            Outcome::NotEchoed => "NOT echoed: probably not accepted".into(),
            Outcome::Missing => "MISSING: no reply".into(),
            Outcome::Malformed(e) => format!("MALFORMED: {e}"),
        };
        let raw = r.raw(rep);
        let raw = if raw.is_empty() {
            String::new()
        } else {
            format!("  [{}]", format_hex(raw))
        };
        out.push_str(&format!("{head}: {body}{raw}\n"));
    }
    for i in &r.issues {
        out.push_str(&format!("  note: {}\n", issue_text(i, r)));
    }
    out
}

pub fn command_json(c: &AnyCommand) -> Json {
    let mut args = serde_json::Map::new();
    c.describe_args(&mut |name, v| {
        let (k, v) = crate::output::field_json(name, v);
        args.insert(k, v);
    });
    json!({
        "name": c.name(),
        "wrapper": wrapper_json(c.wrapper()),
        "id": hex_id(c.id()),
        "args": args,
    })
}

pub fn command_text(c: &AnyCommand) -> String {
    let mut parts = Vec::new();
    c.describe_args(&mut |name, v| parts.push(crate::output::field_text(name, v)));
    let wrapper = c
        .wrapper()
        .id()
        .map(|w| format!("{w:02X}/"))
        .unwrap_or_default();
    if parts.is_empty() {
        format!("{} ({wrapper}{:02X})", c.name(), c.id())
    } else {
        format!(
            "{} ({wrapper}{:02X}): {}",
            c.name(),
            c.id(),
            parts.join(", ")
        )
    }
}
