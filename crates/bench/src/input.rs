//! `raw`'s rule for what to send: input that reads as hex is a frame, sent
//! exactly (malformed or not); anything else is commands by name, encoded
//! into one frame. `erglink raw`, `console` and `script`'s `send` share it.

use erglink_csafe::{AnyCommand, EncodeOptions, encode_request, parse_hex};

use crate::error::BenchError;

/// What a piece of input turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameInput {
    /// Hex: the bytes as given.
    Bytes(Vec<u8>),
    /// Commands by name, with the frame they encode to.
    Commands {
        /// The commands, in frame order.
        commands: Vec<AnyCommand>,
        /// Their frame.
        frame: Vec<u8>,
    },
}

impl FrameInput {
    /// The frame to send.
    pub fn frame(&self) -> &[u8] {
        match self {
            FrameInput::Bytes(b) => b,
            FrameInput::Commands { frame, .. } => frame,
        }
    }
}

/// Reads `words` by `raw`'s rule.
pub fn frame_input(words: &[String]) -> Result<FrameInput, BenchError> {
    if let Ok(bytes) = parse_hex(&words.join(" "))
        && !bytes.is_empty()
    {
        return Ok(FrameInput::Bytes(bytes));
    }
    let commands = words
        .iter()
        .map(|t| {
            AnyCommand::parse(t).map_err(|e| BenchError::BadCommand {
                text: t.clone(),
                why: e.to_string(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut frame = Vec::new();
    encode_request(&commands, &EncodeOptions::default(), &mut frame)
        .map_err(|e| BenchError::Encode(e.to_string()))?;
    Ok(FrameInput::Commands { commands, frame })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn hex_is_sent_as_is_and_names_are_encoded() {
        assert_eq!(
            frame_input(&words("F1 80 81 F2")).unwrap(),
            FrameInput::Bytes(vec![0xF1, 0x80, 0x81, 0xF2])
        );
        let cmds = frame_input(&words("GETSTATUS")).unwrap();
        assert_eq!(cmds.frame(), [0xF1, 0x80, 0x80, 0xF2]);
        assert!(matches!(cmds, FrameInput::Commands { .. }));
        assert!(matches!(
            frame_input(&words("NOSUCHCOMMAND")),
            Err(BenchError::BadCommand { .. })
        ));
    }
}
