//! Escaping model text for HTML: the characters HTML gives meaning to become entities,
//! and the characters an HTML parser rejects (NUL, other C0 and C1 controls,
//! noncharacters) become U+FFFD, so that a stray byte in a model can neither break a page
//! nor be read differently by different parsers.
//!
//! Used as tera's escape function for every HTML template and by the filters that build
//! HTML themselves. It does not sanitise Markdown: that is [`super::markdown`]'s job.

use std::borrow::Cow;
use std::io::Write;

/// Whether HTML's tokenizer reports `c` as a parse error when it appears as text (XML
/// forbids or discourages the same characters): NUL and other C0 controls but tab, line
/// feed, form feed and carriage return; DEL and C1 controls; noncharacters. The SVG
/// writer uses it too, since its drawings are inlined in HTML pages.
pub fn rejected(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0b' | '\x0e'..='\x1f' | '\x7f'..='\u{9f}' | '\u{fdd0}'..='\u{fdef}')
        || (c as u32 & 0xfffe) == 0xfffe
}

/// `text` with every [`rejected`] character replaced by U+FFFD; borrowed when there is
/// none (most text: every rejected character starts with one of the bytes checked first).
pub fn without_rejected(text: &str) -> Cow<'_, str> {
    let suspicious = text
        .bytes()
        .any(|b| b < 0x20 || b == 0x7f || b == 0xc2 || b == 0xef || b >= 0xf0);
    if suspicious && text.chars().any(rejected) {
        Cow::Owned(
            text.chars()
                .map(|c| if rejected(c) { '\u{fffd}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// Writes `input` escaped for HTML text and attribute values.
pub fn html(input: &str, buf: &mut dyn Write) -> std::io::Result<()> {
    tera::escape_html(&without_rejected(input), buf)
}

/// `text` escaped by [`html`], as a string.
pub fn html_string(text: &str) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(text.len());
    match html(text, &mut out) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_rejected_characters_are_replaced() {
        assert_eq!(
            html_string("a<b>&\"c\" 'd'"),
            "a&lt;b&gt;&amp;&quot;c&quot; &#39;d&#39;"
        );
        assert_eq!(
            html_string("nul\0 bell\x07 del\x7f c1\u{85} nc\u{fdd0}\u{ffff}\u{1fffe}"),
            "nul\u{fffd} bell\u{fffd} del\u{fffd} c1\u{fffd} nc\u{fffd}\u{fffd}\u{fffd}"
        );
        // Whitespace HTML allows stays as it is, and so does other text.
        assert_eq!(
            html_string("tab\tlf\ncr\rff\x0c é ✓ 😀"),
            "tab\tlf\ncr\rff\x0c é ✓ 😀"
        );
    }
}
