//! Reply fields as JSON, under the names `erglink csafe decode --json` gives
//! them: SI units with the unit in the key (`power_w`, `distance_m`), enums
//! as `{"code", "name"}`. The CLI prints with these; plans test against them.

use erglink_csafe::{Describe, Unit, Value, format_hex};
use serde_json::{Map, Value as Json, json};

/// `{"code": 5, "name": "InUse"}`.
pub fn enum_json(code: u32, name: Option<&str>) -> Json {
    json!({ "code": code, "name": name })
}

fn scaled(raw: u64, unit: Unit) -> Json {
    if unit.is_identity() {
        json!(raw)
    } else {
        // Rounded to the raw value's resolution so 0.1 m stays 0.1, not 0.1000000001.
        let v = raw as f64 * unit.scale();
        json!((v * 1e6).round() / 1e6)
    }
}

/// A field as a JSON key and value: SI units with the unit in the key.
pub fn field_json(name: &str, value: Value<'_>) -> (String, Json) {
    match value {
        Value::Uint { raw, unit } => (format!("{name}{}", unit.key_suffix()), scaled(raw, unit)),
        Value::Float(f) => (name.to_string(), json!(f)),
        Value::Enum { code, name: n } => (name.to_string(), enum_json(code, n)),
        Value::Text(t) => (name.to_string(), json!(String::from_utf8_lossy(t))),
        Value::Bytes(b) => (name.to_string(), json!(format_hex(b))),
        Value::Samples { raw, unit } => (
            format!("{name}{}", unit.key_suffix()),
            Json::Array(raw.iter().map(|&s| scaled(u64::from(s), unit)).collect()),
        ),
    }
}

/// All fields of a reply as a JSON object.
pub fn fields_json(d: &dyn Describe) -> Json {
    let mut m = Map::new();
    d.describe(&mut |name, v| {
        let (k, v) = field_json(name, v);
        m.insert(k, v);
    });
    Json::Object(m)
}
