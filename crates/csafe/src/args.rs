//! Text input: numbers, hex byte strings and `NAME@WRAPPER:ARG,ARG` commands,
//! as interface.md writes them.

use crate::command::Wrapper;
use crate::error::ArgError;

/// Parses a decimal number, or hex with a `0x` prefix. Underscores are allowed
/// as digit separators.
pub fn parse_uint(text: &str) -> Option<u64> {
    let t = text.trim();
    let (digits, radix) = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (t, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix) || c == '_') {
        return None;
    }
    u64::from_str_radix(&digits.replace('_', ""), radix).ok()
}

/// Parses bytes written as hex. Bytes may be separated by spaces, dashes,
/// colons or commas, carry `0x` prefixes, or run together; `#` starts a comment
/// that runs to the end of the line.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, ArgError> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default();
        for token in line.split(|c: char| c.is_whitespace() || matches!(c, '-' | ':' | ',')) {
            if token.is_empty() {
                continue;
            }
            let digits = token
                .strip_prefix("0x")
                .or_else(|| token.strip_prefix("0X"))
                .unwrap_or(token);
            if let Some(bad) = digits.chars().find(|c| !c.is_ascii_hexdigit()) {
                return Err(ArgError::Hex(format!(
                    "`{bad}` in `{token}` is not a hex digit"
                )));
            }
            match digits.len() {
                0 => return Err(ArgError::Hex(format!("`{token}` has no digits"))),
                1 => out.push(u8::from_str_radix(digits, 16).expect("checked")),
                n if n % 2 == 1 => {
                    return Err(ArgError::Hex(format!(
                        "`{token}` has an odd number of digits; separate bytes or pad with 0"
                    )));
                }
                _ => {
                    for pair in digits.as_bytes().chunks(2) {
                        let s = core::str::from_utf8(pair).expect("ascii");
                        out.push(u8::from_str_radix(s, 16).expect("checked"));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Formats bytes as uppercase hex with spaces: `F1 80 80 F2`.
pub fn format_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{b:02X}"));
    }
    s
}

/// Splits `NAME@WRAPPER:ARG,ARG` into its parts. `hex=…` is one argument even
/// if it contains commas.
pub(crate) fn split_command_text(
    text: &str,
) -> Result<(&str, Option<Wrapper>, Vec<&str>), ArgError> {
    let text = text.trim();
    let (head, args) = match text.split_once(':') {
        Some((h, a)) => (h, Some(a)),
        None => (text, None),
    };
    let (name, wrapper) = match head.split_once('@') {
        Some((n, w)) => {
            let wrapper = Wrapper::parse(w).ok_or_else(|| ArgError::Value {
                name: n.to_string(),
                field: "wrapper",
                why: format!("`{w}` is not a wrapper; use 1A, 76, 77, 7E or 7F"),
            })?;
            (n, Some(wrapper))
        }
        None => (head, None),
    };
    let args = match args {
        None => Vec::new(),
        Some(a) if a.trim_start().starts_with("hex=") => vec![a.trim()],
        Some("") => Vec::new(),
        Some(a) => a.split(',').map(str::trim).collect(),
    };
    Ok((name, wrapper, args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_separators() {
        let want = vec![0xF1, 0x80, 0x80, 0xF2];
        for text in [
            "F1 80 80 F2",
            "f1-80-80-f2",
            "F1:80:80:F2",
            "0xF1, 0x80, 0x80, 0xF2",
            "F18080F2",
            "f1 8080 f2 # GETSTATUS",
        ] {
            assert_eq!(parse_hex(text).unwrap(), want, "{text}");
        }
        assert!(parse_hex("F1 8").is_ok());
        assert!(parse_hex("F18").is_err());
        assert!(parse_hex("G1").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_uint("2000"), Some(2000));
        assert_eq!(parse_uint("0x7D0"), Some(2000));
        assert_eq!(parse_uint("2_000"), Some(2000));
        assert_eq!(parse_uint("metre"), None);
        assert_eq!(parse_uint(""), None);
    }

    #[test]
    fn command_text() {
        let (n, w, a) = split_command_text("PM_GET_WORKTIME@7F").unwrap();
        assert_eq!(
            (n, w, a.len()),
            ("PM_GET_WORKTIME", Some(Wrapper::GetPmData), 0)
        );
        let (_, _, a) = split_command_text("SETHORIZONTAL:2000, metre").unwrap();
        assert_eq!(a, ["2000", "metre"]);
        let (_, _, a) = split_command_text("PM_SET_X:hex=01,02").unwrap();
        assert_eq!(a, ["hex=01,02"]);
        assert_eq!(format_hex(&[0xF1, 0x0A]), "F1 0A");
    }
}
