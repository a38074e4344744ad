//! The value of a review's `state`: the SHA-256 of a model's files with their review
//! entries cut out, written `sha256:` and 64 lower-case hex digits.
//!
//! This is only the value, as the format reads and writes it. How it is computed from a
//! model's files is `review::state`'s business; nothing here knows about files.

use std::fmt;

use schemars::JsonSchema;
use serde::{Serialize, Serializer};

/// The one algorithm a state names, as its written prefix.
pub const STATE_PREFIX: &str = "sha256:";

/// A model state: 32 bytes of SHA-256.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModelState(pub [u8; 32]);

impl ModelState {
    /// Parses `sha256:` followed by exactly 64 lower-case hex digits.
    pub fn parse(text: &str) -> Option<ModelState> {
        let hex = text.strip_prefix(STATE_PREFIX)?.as_bytes();
        if hex.len() != 64 {
            return None;
        }
        let digit = |b: u8| match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            _ => None,
        };
        let mut bytes = [0u8; 32];
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            bytes[i] = digit(pair[0])? << 4 | digit(pair[1])?;
        }
        Some(ModelState(bytes))
    }
}

impl fmt::Display for ModelState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(STATE_PREFIX)?;
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl Serialize for ModelState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for ModelState {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ModelState".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^sha256:[0-9a-f]{64}$",
            "description": "The state of the model a review approves: `sha256:` and 64 lower-case hex digits, as `threatbook review` writes it."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_reads_back_as_written() {
        let text = format!("sha256:{}", "0123456789abcdef".repeat(4));
        let state = ModelState::parse(&text).expect("valid");
        assert_eq!(state.to_string(), text);
        assert_eq!(state.0[0], 0x01);
        assert_eq!(state.0[31], 0xef);
    }

    #[test]
    fn other_spellings_are_not_states() {
        let hex = "ab".repeat(32);
        for bad in [
            hex.clone(),
            format!("sha256:{}", hex.to_uppercase()),
            format!("sha256:{}", &hex[1..]),
            format!("sha256:{hex}0"),
            format!("sha1:{hex}"),
            format!("sha256:{}g", &hex[1..]),
            "sha256:".to_string(),
            format!("sha256:{}é", &hex[2..]),
        ] {
            assert_eq!(ModelState::parse(&bad), None, "{bad}");
        }
    }
}
