//! Terra's JSON Schemas, strict, for tests (feature `schema-check`).
//!
//! The vendored YAML (`schemas/terra/`, as published) is loaded into a
//! registry, and every object schema that declares properties is closed
//! with `unevaluatedProperties: false`, as `check_terra_json.py --strict`
//! does: Terra's own schemas accept unknown keys, and a document with one
//! would pass them yet still carry something Terra never defined. The
//! bases that others mix in through `allOf` stay open, as there.
//! Timestamps are checked on top: the schemas give them no format.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

const BASE: &str = "https://terra-schemas.invalid/core/";

/// The vendored schemas' folder.
pub fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/terra")
}

/// A strict validator for one Terra model (`Activity`, `ActivityEvent`…).
pub struct TerraSchema {
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for TerraSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TerraSchema").finish_non_exhaustive()
    }
}

fn close(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("object")
                && map.contains_key("properties")
                && !map.contains_key("unevaluatedProperties")
            {
                map.insert("unevaluatedProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(close);
        }
        Value::Array(items) => items.iter_mut().for_each(close),
        _ => {}
    }
}

impl TerraSchema {
    /// Loads `model` from the vendored schemas, closed against undeclared keys.
    pub fn strict(model: &str) -> Result<Self, String> {
        let mut docs = Vec::new();
        let dir = schema_dir();
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
            let doc: Value =
                serde_norway::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            docs.push((name, doc));
        }
        let mixed_in: BTreeSet<String> = docs
            .iter()
            .filter_map(|(_, d)| d.get("allOf")?.as_array().cloned())
            .flatten()
            .filter_map(|part| part.get("$ref")?.as_str().map(str::to_string))
            .collect();
        let mut registry = jsonschema::Registry::new();
        for (name, mut doc) in docs {
            if !mixed_in.contains(&name) {
                close(&mut doc);
            }
            registry = registry
                .add(format!("{BASE}{name}"), doc)
                .map_err(|e| e.to_string())?;
        }
        let registry = registry.prepare().map_err(|e| e.to_string())?;
        let root = serde_json::json!({ "$ref": format!("{BASE}{model}.yaml") });
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .with_registry(&registry)
            .build(&root)
            .map_err(|e| e.to_string())?;
        Ok(Self { validator })
    }

    /// Every problem with `doc`: schema errors (undeclared keys included)
    /// and timestamps that are not erglink's ISO 8601 form. Empty when valid.
    pub fn problems(&self, doc: &Value) -> Vec<String> {
        let mut out: Vec<String> = self
            .validator
            .iter_errors(doc)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        bad_times(doc, &mut String::new(), &mut out);
        out
    }
}

const TIME_KEYS: [&str; 3] = ["timestamp", "start_time", "end_time"];

fn bad_times(node: &Value, path: &mut String, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            for (k, v) in map {
                let len = path.len();
                path.push('/');
                path.push_str(k);
                if TIME_KEYS.contains(&k.as_str()) && !v.is_null() {
                    match v.as_str() {
                        Some(t) if is_terra_time(t) => {}
                        _ => out.push(format!(
                            "{path}: not ISO 8601 with microseconds and an offset: {v}"
                        )),
                    }
                }
                bad_times(v, path, out);
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("/{i}"));
                bad_times(v, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// `YYYY-MM-DDThh:mm:ss.ffffff±hh:mm` with every field in range: stricter
/// than `check_terra_json.py --check-times`, which also lets a space, fewer
/// fractional digits and `Z` through.
pub fn is_terra_time(t: &str) -> bool {
    let b = t.as_bytes();
    if b.len() != 32 {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let punct = [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (29, b':'),
    ];
    if punct.iter().any(|&(i, c)| b[i] != c) || !(b[26] == b'+' || b[26] == b'-') {
        return false;
    }
    let (Some(_y), Some(mo), Some(d), Some(h), Some(mi), Some(s), Some(_us), Some(oh), Some(om)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
        num(20..26),
        num(27..29),
        num(30..32),
    ) else {
        return false;
    };
    (1..=12).contains(&mo)
        && (1..=31).contains(&d)
        && h < 24
        && mi < 60
        && s < 60
        && oh <= 14
        && om < 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert!(is_terra_time("2026-07-01T07:04:11.000000+01:00"));
        assert!(is_terra_time("2026-07-01T07:04:11.123456-05:30"));
        for bad in [
            "2026-07-01T07:04:11.000+01:00",
            "2026-07-01 07:04:11.000000+01:00",
            "2026-07-01T07:04:11.000000Z",
            "2026-13-01T07:04:11.000000+01:00",
            "yesterday",
        ] {
            assert!(!is_terra_time(bad), "{bad}");
        }
    }
}
