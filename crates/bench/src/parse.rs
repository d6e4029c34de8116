//! Reading a plan's text: one step per line, `#` comments, `repeat N {` …
//! `}` blocks. Pure: `include` lines stay as they are until [`resolve`]
//! reads the files they name through a loader.

use erglink_csafe::{PrevFrameStatus, State, parse_hex};

use crate::error::BenchError;
use crate::input::{FrameInput, frame_input};
use crate::plan::{Expect, Expected, Located, Op, Plan, Send, Step};

/// Reads an included file: (including file, path as written) to (the
/// included file's name for messages, its text).
pub type Loader<'a> = dyn FnMut(&str, &str) -> Result<(String, String), String> + 'a;

/// Includes nested deeper than this are taken for a cycle.
const MAX_INCLUDE_DEPTH: usize = 16;

/// Parses plan text; `file` names it in messages.
pub fn parse(text: &str, file: &str) -> Result<Plan, BenchError> {
    let mut stack: Vec<(usize, u32, Vec<Located>)> = Vec::new();
    let mut steps: Vec<Located> = Vec::new();
    for (n, raw_line) in text.lines().enumerate() {
        let line = n + 1;
        let bad = |why: String| BenchError::Plan {
            file: file.to_string(),
            line,
            why,
        };
        let text = strip_comment(raw_line).trim();
        if text.is_empty() {
            continue;
        }
        if text == "}" {
            let (open_line, count, outer) = stack
                .pop()
                .ok_or_else(|| bad("`}` without a `repeat N {`".into()))?;
            let body = std::mem::replace(&mut steps, outer);
            steps.push(Located {
                file: file.to_string(),
                line: open_line,
                step: Step::Repeat { count, body },
            });
            continue;
        }
        let (word, rest) = split_word(text);
        let step = match word {
            "case" => {
                if rest.is_empty() {
                    return Err(bad("`case` needs a name".into()));
                }
                Step::Case(rest.to_string())
            }
            "send" => Step::Send(parse_send(rest).map_err(bad)?),
            "expect" => Step::Expect(parse_expect(rest).map_err(bad)?),
            "wait" => Step::Wait {
                ms: parse_ms(rest).map_err(bad)?,
            },
            "include" => {
                if rest.is_empty() {
                    return Err(bad("`include` needs a file".into()));
                }
                Step::Include(rest.to_string())
            }
            "repeat" => {
                let count = rest
                    .strip_suffix('{')
                    .map(str::trim)
                    .and_then(|c| c.parse::<u32>().ok())
                    .ok_or_else(
                        || bad("write `repeat N {` with the `{` on the same line".into()),
                    )?;
                stack.push((line, count, std::mem::take(&mut steps)));
                continue;
            }
            other => {
                return Err(bad(format!(
                    "`{other}` is not a step: case, send, expect, repeat, wait, include, or `#` for a comment"
                )));
            }
        };
        steps.push(Located {
            file: file.to_string(),
            line,
            step,
        });
    }
    if let Some((line, _, _)) = stack.last() {
        return Err(BenchError::Plan {
            file: file.to_string(),
            line: *line,
            why: "this `repeat` has no closing `}`".into(),
        });
    }
    Ok(Plan {
        file: file.to_string(),
        steps,
    })
}

/// Replaces every `include` with the steps of the file it names, read by
/// `load(including_file, path)`, which returns the included file's name (for
/// messages) and text.
pub fn resolve(plan: Plan, load: &mut Loader<'_>) -> Result<Plan, BenchError> {
    let file = plan.file.clone();
    let steps = resolve_steps(plan.steps, load, 0)?;
    Ok(Plan { file, steps })
}

fn resolve_steps(
    steps: Vec<Located>,
    load: &mut Loader<'_>,
    depth: usize,
) -> Result<Vec<Located>, BenchError> {
    let mut out = Vec::with_capacity(steps.len());
    for s in steps {
        match s.step {
            Step::Include(path) => {
                let fail = |why: String| BenchError::Include {
                    file: s.file.clone(),
                    line: s.line,
                    path: path.clone(),
                    why,
                };
                if depth >= MAX_INCLUDE_DEPTH {
                    return Err(fail(
                        "includes nest too deep (does a file include itself?)".into(),
                    ));
                }
                let (name, text) = load(&s.file, &path).map_err(fail)?;
                let inner = parse(&text, &name)?;
                out.extend(resolve_steps(inner.steps, load, depth + 1)?);
            }
            Step::Repeat { count, body } => out.push(Located {
                step: Step::Repeat {
                    count,
                    body: resolve_steps(body, load, depth)?,
                },
                ..s
            }),
            step => out.push(Located { step, ..s }),
        }
    }
    Ok(out)
}

/// The line without its comment: `#` outside double quotes.
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '#' if !quoted => return &line[..i],
            _ => {}
        }
    }
    line
}

fn split_word(text: &str) -> (&str, &str) {
    match text.split_once(char::is_whitespace) {
        Some((w, rest)) => (w, rest.trim()),
        None => (text, ""),
    }
}

fn parse_ms(text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .map_err(|_| format!("`{text}` is not a number of milliseconds"))
}

fn parse_send(rest: &str) -> Result<Send, String> {
    let words: Vec<String> = rest.split_whitespace().map(str::to_string).collect();
    if words.is_empty() {
        return Err("`send` needs a frame as hex or commands by name".into());
    }
    let input = frame_input(&words).map_err(|e| e.to_string())?;
    let raw = matches!(input, FrameInput::Bytes(_));
    let frame = input.frame().to_vec();
    // Hex is kept as the bytes it reads as, however it was spaced.
    let words = if raw {
        frame.iter().map(|b| format!("{b:02X}")).collect()
    } else {
        words
    };
    Ok(Send { words, frame, raw })
}

fn parse_expect(rest: &str) -> Result<Expect, String> {
    let (what, args) = split_word(rest);
    match what {
        "status" => parse_status(args),
        "reply" => parse_pattern(args).map(Expect::Reply),
        "no-reply" => {
            let ms = args
                .strip_prefix("within")
                .ok_or("write `expect no-reply within MS`")?;
            Ok(Expect::NoReply {
                within_ms: parse_ms(ms.trim())?,
            })
        }
        "latency" => {
            let ms = args
                .strip_prefix('<')
                .filter(|r| !r.starts_with('='))
                .ok_or("write `expect latency < MS`")?;
            Ok(Expect::Latency {
                below_ms: parse_ms(ms.trim())?,
            })
        }
        "" => Err("`expect` needs status, reply, no-reply, latency, or NAME.FIELD OP VALUE".into()),
        _ if !what.contains('.') => Err(format!(
            "`{what}` is not an expectation: status, reply, no-reply within MS, latency < MS, or NAME.FIELD OP VALUE"
        )),
        _ => parse_field(rest),
    }
}

fn parse_status(args: &str) -> Result<Expect, String> {
    let mut words = args.split_whitespace();
    let state_text = words
        .next()
        .ok_or("`expect status` needs a state, e.g. Ready")?;
    let state = State::parse(state_text).ok_or_else(|| {
        format!(
            "`{state_text}` is not a state: {}",
            State::names().join(", ")
        )
    })?;
    let (mut prev, mut toggle_flips) = (None, false);
    while let Some(w) = words.next() {
        match w {
            "prev" => {
                let p = words
                    .next()
                    .ok_or("`prev` needs OK, BAD, REJECT or NOTREADY")?;
                prev = Some(
                    PrevFrameStatus::parse(p)
                        .ok_or_else(|| format!("`{p}` is not OK, BAD, REJECT or NOTREADY"))?,
                );
            }
            "toggle" => {
                if words.next() != Some("flips") {
                    return Err("write `toggle flips`".into());
                }
                toggle_flips = true;
            }
            other => {
                return Err(format!(
                    "`{other}` after the state: write `prev X` or `toggle flips`"
                ));
            }
        }
    }
    Ok(Expect::Status {
        state,
        prev,
        toggle_flips,
    })
}

fn parse_pattern(args: &str) -> Result<Vec<Option<u8>>, String> {
    let mut out = Vec::new();
    for word in args.split_whitespace() {
        if word == "??" {
            out.push(None);
            continue;
        }
        let bytes = parse_hex(word).map_err(|e| format!("bad reply pattern `{word}`: {e}"))?;
        out.extend(bytes.into_iter().map(Some));
    }
    if out.is_empty() {
        return Err("`expect reply` needs a pattern, e.g. F1 ?? 81 F2".into());
    }
    Ok(out)
}

fn parse_field(rest: &str) -> Result<Expect, String> {
    let (op_at, op) = Op::ALL
        .iter()
        .filter_map(|op| rest.find(op.symbol()).map(|i| (i, *op)))
        .min_by_key(|(i, op)| (*i, std::cmp::Reverse(op.symbol().len())))
        .ok_or("write `expect NAME.FIELD OP VALUE` with OP one of == != < <= > >=")?;
    let field = rest[..op_at].trim();
    let value = rest[op_at + op.symbol().len()..].trim();
    let (reply, key) = field
        .split_once('.')
        .filter(|(r, k)| {
            !r.is_empty()
                && !k.is_empty()
                && !r.contains(char::is_whitespace)
                && !k.contains(char::is_whitespace)
        })
        .ok_or_else(|| format!("`{field}` is not NAME.FIELD, e.g. GETPOWER.power_w"))?;
    Ok(Expect::Field {
        reply: reply.to_string(),
        key: key.to_string(),
        op,
        value: parse_value(value)?,
    })
}

fn parse_value(text: &str) -> Result<Expected, String> {
    if text.is_empty() {
        return Err("the comparison needs a value".into());
    }
    if let Some(inner) = text.strip_prefix('"') {
        let inner = inner
            .strip_suffix('"')
            .ok_or("a quoted value needs its closing `\"`")?;
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.push(chars.next().ok_or("a `\\` at the end of a quoted value")?),
                '"' => return Err("escape a `\"` inside a quoted value as `\\\"`".into()),
                c => out.push(c),
            }
        }
        return Ok(Expected::Text(out));
    }
    if let Ok(v) = text.parse::<f64>()
        && v.is_finite()
    {
        return Ok(Expected::Number(v));
    }
    if let Some(v) = erglink_csafe::args::parse_uint(text) {
        return Ok(Expected::Number(v as f64));
    }
    if text.contains(char::is_whitespace) || text.contains('"') {
        return Err(format!("quote text with spaces: \"{text}\""));
    }
    Ok(Expected::Text(text.to_string()))
}

#[cfg(test)]
mod tests;
