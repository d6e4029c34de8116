//! JUnit XML, the form CI systems read: one `<testcase>` per plan case, a
//! `<failure>` with the step and the bytes of the exchange, and the run's
//! step-by-step transcript in `<system-out>`.

use std::fmt::Write;

use crate::run::{RunReport, Verdict};

/// Text made safe for XML content and attributes: markup escaped, and the
/// characters XML 1.0 cannot carry at all left out.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn seconds(ns: u64) -> String {
    format!("{:.3}", ns as f64 / 1e9)
}

/// The report as JUnit XML; `transcript` is the run as people read it.
pub fn junit_xml(report: &RunReport, suite: &str, transcript: &str) -> String {
    let tests = report.cases.len();
    let failures = report.failed_cases();
    let total: u64 = report.cases.iter().map(|c| c.duration_ns).sum();
    let mut x = String::new();
    let _ = writeln!(x, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        x,
        r#"<testsuites name="erglink script" tests="{tests}" failures="{failures}" errors="0" time="{}">"#,
        seconds(total)
    );
    let _ = writeln!(
        x,
        r#"  <testsuite name="{}" tests="{tests}" failures="{failures}" errors="0" skipped="0" time="{}">"#,
        escape(suite),
        seconds(total)
    );
    for case in &report.cases {
        let _ = write!(
            x,
            r#"    <testcase name="{}" classname="{}" time="{}""#,
            escape(&case.name),
            escape(suite),
            seconds(case.duration_ns)
        );
        match case.failure() {
            None => {
                let _ = writeln!(x, "/>");
            }
            Some(step) => {
                let why = match &step.verdict {
                    Verdict::Failed(w) => w.as_str(),
                    _ => "",
                };
                let message = format!("{}:{}: {}: {why}", step.file, step.line, step.text);
                let mut body = format!(
                    "step: {}\nat: {}:{}\nwhy: {why}\n",
                    step.text, step.file, step.line
                );
                if let Some(ex) = &step.exchange {
                    let _ = writeln!(body, "exchange: {}", ex.text());
                }
                let _ = writeln!(x, ">");
                let _ = writeln!(
                    x,
                    r#"      <failure message="{}" type="expectation">{}</failure>"#,
                    escape(&message),
                    escape(&body)
                );
                let _ = writeln!(x, "    </testcase>");
            }
        }
    }
    let _ = writeln!(x, "    <system-out>{}</system-out>", escape(transcript));
    let _ = writeln!(x, "  </testsuite>");
    let _ = writeln!(x, "</testsuites>");
    x
}
