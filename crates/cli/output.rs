//! Printing: human-readable by default, one JSON document with `--json`, and
//! a closed pipe (`erglink … | head`) treated as success.

use std::io::Write;

use erglink_csafe::{Describe, Value, format_hex};
use serde_json::Value as Json;

/// Writes `text` to stdout; exits quietly if the reader went away.
pub fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let res = out.write_all(text.as_bytes()).and_then(|()| {
        if text.ends_with('\n') {
            Ok(())
        } else {
            out.write_all(b"\n")
        }
    });
    if let Err(e) = res.and_then(|()| out.flush())
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// Prints a JSON document, pretty.
pub fn emit_json(doc: &Json) {
    emit(&serde_json::to_string_pretty(doc).expect("JSON values always serialise"));
}

/// `"0x1A"`.
pub fn hex_id(id: u8) -> String {
    format!("0x{id:02X}")
}

pub use erglink_bench::fields::{enum_json, field_json, fields_json};

/// A field for people: `distance 242 m`, `state Ready (1)`.
pub fn field_text(name: &str, value: Value<'_>) -> String {
    match value {
        Value::Uint { raw, unit } if unit.is_identity() => {
            format!("{name} {raw}{}", spaced(unit.symbol()))
        }
        Value::Uint { raw, unit } => {
            let v = raw as f64 * unit.scale();
            format!(
                "{name} {}{} (raw {raw})",
                trim_float(v),
                spaced(unit.symbol())
            )
        }
        Value::Float(f) => format!("{name} {f}"),
        Value::Enum {
            code,
            name: Some(n),
        } => format!("{name} {n} ({code})"),
        Value::Enum { code, name: None } => format!("{name} unknown ({code})"),
        Value::Text(t) => format!("{name} {:?}", String::from_utf8_lossy(t)),
        Value::Bytes(b) => format!("{name} [{}]", format_hex(b)),
        Value::Samples { raw, unit } => format!(
            "{name} {:?}{} ({} samples)",
            raw,
            spaced(unit.symbol()),
            raw.len()
        ),
    }
}

fn spaced(symbol: &str) -> String {
    if symbol.is_empty() {
        String::new()
    } else {
        format!(" {symbol}")
    }
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// All fields of a reply for people, comma separated.
pub fn fields_text(d: &dyn Describe) -> String {
    let mut parts = Vec::new();
    d.describe(&mut |name, v| parts.push(field_text(name, v)));
    parts.join(", ")
}

/// Output written as it is produced (`show --samples` of a two-hour
/// session), buffered; a closed pipe ends the program quietly, like [`emit`].
pub struct Stream {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
}

impl Stream {
    pub fn new() -> Self {
        Self {
            out: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()),
        }
    }

    fn check(res: std::io::Result<()>) {
        if let Err(e) = res
            && e.kind() == std::io::ErrorKind::BrokenPipe
        {
            std::process::exit(0);
        }
    }

    /// Writes `text` as is.
    pub fn write(&mut self, text: &str) {
        Self::check(self.out.write_all(text.as_bytes()));
    }

    /// Writes `text` and a newline.
    pub fn line(&mut self, text: &str) {
        self.write(text);
        self.write("\n");
    }

    pub fn finish(mut self) {
        Self::check(self.out.flush());
    }
}
