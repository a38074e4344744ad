//! The filters our templates use beyond tera's own: `cell` and `oneline` for Markdown,
//! `markdown` and `autolink` for HTML. Filters that produce HTML return safe strings only
//! after sanitising; everything else is escaped by tera as usual.

use tera::{Kwargs, State, Value};

use super::markdown;

/// Registers every filter of this module.
pub fn register(tera: &mut tera::Tera) {
    tera.register_filter("cell", cell);
    tera.register_filter("oneline", oneline);
    tera.register_filter("markdown", markdown_filter);
    tera.register_filter("autolink", autolink);
}

/// Text made safe for one Markdown table cell: no line breaks, pipes escaped.
fn cell(value: Value, _: Kwargs, _: &State) -> Value {
    if unchanged_text(&value).is_some_and(|text| !text.contains('|')) {
        return value;
    }
    let one = collapse_whitespace(&value_text(&value));
    Value::from(if one.contains('|') {
        one.replace('|', "\\|")
    } else {
        one
    })
}

/// Text on one line, for list items and headings.
fn oneline(value: Value, _: Kwargs, _: &State) -> Value {
    if unchanged_text(&value).is_some() {
        return value;
    }
    Value::from(collapse_whitespace(&value_text(&value)))
}

/// The text of `value` when the filters above would return it unchanged: a plain (not
/// safe-marked) string already on one line with single spaces. Most titles and names are;
/// handing them back as they are spares two copies of each.
fn unchanged_text(value: &Value) -> Option<&str> {
    let text = value.as_str().filter(|_| !value.is_safe())?;
    is_collapsed(text).then_some(text)
}

/// The text of a value; none and undefined are empty.
fn value_text(value: &Value) -> String {
    if value.is_none() || value.is_undefined() {
        String::new()
    } else if let Some(s) = value.as_str() {
        s.to_string()
    } else {
        value.to_string()
    }
}

/// Whether `text` has no whitespace but single spaces between words.
fn is_collapsed(text: &str) -> bool {
    if !text.is_ascii() {
        return text.trim() == text
            && !text.contains("  ")
            && !text.chars().any(|c| c.is_whitespace() && c != ' ');
    }
    let bytes = text.as_bytes();
    if bytes.first() == Some(&b' ') || bytes.last() == Some(&b' ') {
        return false;
    }
    let mut after_space = false;
    for &b in bytes {
        match b {
            b' ' if after_space => return false,
            b' ' => after_space = true,
            b'\t' | b'\n' | 0x0b | 0x0c | b'\r' => return false,
            _ => after_space = false,
        }
    }
    true
}

/// Runs of whitespace (line breaks included) as one space, without leading or trailing
/// space.
fn collapse_whitespace(text: &str) -> String {
    if is_collapsed(text) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Markdown as sanitised HTML (see [`markdown::to_html`]).
fn markdown_filter(value: Value, _: Kwargs, _: &State) -> Value {
    Value::safe_string(&markdown::to_html(&value_text(&value)))
}

/// A reference as a link when it is an http(s) URL, as text otherwise.
fn autolink(value: Value, _: Kwargs, _: &State) -> Value {
    let text = value_text(&value);
    let escaped = escape_html(&text);
    let is_url = (text.starts_with("https://") || text.starts_with("http://"))
        && !text.contains(char::is_whitespace);
    if is_url {
        Value::safe_string(&format!(
            r#"<a href="{escaped}" rel="noopener noreferrer">{escaped}</a>"#
        ))
    } else {
        Value::safe_string(&escaped)
    }
}

/// `text` with the characters HTML gives meaning to escaped.
fn escape_html(text: &str) -> String {
    super::escape::html_string(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_str(template: &str, context: &serde_json::Value) -> String {
        let mut tera = tera::Tera::new();
        tera.autoescape_on([".html"]);
        register(&mut tera);
        tera.add_raw_template("t.html", template).unwrap();
        tera.render("t.html", &tera::Context::from_serialize(context).unwrap())
            .unwrap()
    }

    #[test]
    fn cells_stay_on_one_line_and_escape_pipes() {
        let out = render_str(
            "{{ x | cell | safe }}|{{ n | cell }}",
            &serde_json::json!({"x": "a | b\n\nc", "n": null}),
        );
        assert_eq!(out, "a \\| b c|");
    }

    #[test]
    fn whitespace_collapses_only_when_needed() {
        assert_eq!(collapse_whitespace("plain title"), "plain title");
        assert_eq!(collapse_whitespace(" two\n lines\t "), "two lines");
        assert_eq!(collapse_whitespace("a  b"), "a b");
        assert_eq!(collapse_whitespace("a\u{a0}b\u{2028}c é"), "a b c é");
    }

    #[test]
    fn the_quick_check_agrees_with_the_definition() {
        let slow = |t: &str| {
            t.trim() == t && !t.contains("  ") && !t.chars().any(|c| c.is_whitespace() && c != ' ')
        };
        for t in [
            "",
            " ",
            "a",
            "a b",
            "a  b",
            " a",
            "a ",
            "a\tb",
            "a\rb",
            "a\x0bb",
            "a\x0cb",
            "a\x1fb",
            "é b",
            "é  b",
            "a\u{a0}",
            "\u{3000}a",
            "a\u{85}b",
            "ab|cd",
        ] {
            assert_eq!(is_collapsed(t), slow(t), "{t:?}");
        }
    }

    #[test]
    fn filters_return_plain_text_even_for_safe_input() {
        let out = render_str(
            "{{ x | safe | cell }}|{{ x | safe | oneline }}|{{ y | oneline }}|{{ n | cell }}",
            &serde_json::json!({"x": "<b>", "y": "a\n b", "n": 3}),
        );
        assert_eq!(out, "&lt;b&gt;|&lt;b&gt;|a b|3");
    }

    #[test]
    fn markdown_is_sanitised_and_names_are_escaped() {
        let out = render_str(
            "{{ name }}|{{ d | markdown }}",
            &serde_json::json!({"name": "<script>x</script>", "d": "*hi* <script>alert(1)</script>"}),
        );
        assert!(out.starts_with("&lt;script&gt;x&lt;"), "{out}");
        assert!(out.contains("<em>hi</em>"), "{out}");
        assert!(!out.contains("<script>"), "{out}");
    }

    #[test]
    fn only_http_references_become_links() {
        let out = render_str(
            "{{ a | autolink }} {{ b | autolink }} {{ c | autolink }}",
            &serde_json::json!({"a": "https://example.com/?a=1&b=2", "b": "javascript:alert(1)", "c": "JIRA-12 <b>"}),
        );
        assert!(
            out.contains(r#"<a href="https://example.com/?a=1&amp;b=2""#),
            "{out}"
        );
        assert!(!out.contains(r#"href="javascript"#), "{out}");
        assert!(out.contains("JIRA-12 &lt;b&gt;"), "{out}");
    }
}
