//! Which top-level context values a template can read.
//!
//! The template engine copies every value it is given into its own tree, about a
//! kilobyte per threat or flow. A report's sections each read a few of the view's
//! lists (the flows section reads `flows` and `threats`, not `mitigations` or
//! `findings`), so each section gets a context of only what its template names, and
//! the lists no remaining section needs are dropped.
//!
//! The scan over-approximates, which is always safe: a name counts when it appears as a
//! word in any tag (`{{ … }}` or `{% … %}`) not after a `.`, whatever it stands for
//! there; and a template reads whatever the templates it names in a string (in
//! `include`, `import` or `extends`, or anywhere else in a tag) read. A template that
//! mentions `__tera_context` reads everything.

use std::collections::BTreeSet;

/// Top-level names a template's own tags mention, and the strings in them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Mentions<'t> {
    pub names: BTreeSet<&'t str>,
    pub strings: BTreeSet<&'t str>,
}

/// The names and strings of `text`'s tags (comments are skipped).
pub fn mentions(text: &str) -> Mentions<'_> {
    let mut found = Mentions::default();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(open) = text[i..].find('{').map(|k| i + k) {
        let close = match bytes.get(open + 1) {
            Some(b'{') => "}}",
            Some(b'%') => "%}",
            Some(b'#') => {
                i = text[open + 2..]
                    .find("#}")
                    .map_or(text.len(), |k| open + 2 + k + 2);
                continue;
            }
            _ => {
                i = open + 1;
                continue;
            }
        };
        i = scan_tag(text, open + 2, close, &mut found);
    }
    found
}

/// Scans one tag from `start` to its `close` delimiter (outside strings) and returns
/// where the text after it begins.
fn scan_tag<'t>(text: &'t str, start: usize, close: &str, found: &mut Mentions<'t>) -> usize {
    let bytes = text.as_bytes();
    let mut i = start;
    // The last character that was not a blank: a name right after a `.` is a field.
    let mut after_dot = false;
    while i < bytes.len() {
        if text[i..].starts_with(close) {
            return i + close.len();
        }
        let b = bytes[i];
        match b {
            b'"' | b'\'' | b'`' => {
                let end = text[i + 1..]
                    .find(b as char)
                    .map_or(text.len(), |k| i + 1 + k);
                found.strings.insert(&text[i + 1..end]);
                i = (end + 1).min(text.len());
                after_dot = false;
            }
            b'A'..=b'Z' | b'a'..=b'z' | b'_' => {
                let end = text[i..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map_or(text.len(), |k| i + k);
                if !after_dot {
                    found.names.insert(&text[i..end]);
                }
                i = end;
                after_dot = false;
            }
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            _ => {
                after_dot = b == b'.';
                // Keep to character boundaries: skip the whole character.
                i += text[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    text.len()
}

/// The top-level names template `name` can read, with every template it names in a
/// string (found in `templates`, by name) followed; `None` when it can read the whole
/// context.
pub fn reads<'t>(
    templates: &'t std::collections::BTreeMap<String, String>,
    name: &str,
) -> Option<BTreeSet<&'t str>> {
    let mut names = BTreeSet::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut todo: Vec<&str> = Vec::new();
    if let Some((key, _)) = templates.get_key_value(name) {
        todo.push(key.as_str());
    }
    while let Some(next) = todo.pop() {
        if !seen.insert(next) {
            continue;
        }
        let Some(text) = templates.get(next) else {
            continue;
        };
        let found = mentions(text);
        if found.names.contains("__tera_context") {
            return None;
        }
        names.extend(found.names);
        for s in found.strings {
            if let Some((key, _)) = templates.get_key_value(s) {
                todo.push(key.as_str());
            }
        }
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_outside_fields_strings_and_comments_count() {
        let m = mentions(
            "text threats {# flows #}{{ t.mitigations | length }} {% for i in uncovered %}\
             {{ threats[i].id ~ \"findings\" }}{% include 'x.tera' %}{%- endfor -%} { not }",
        );
        let names: Vec<&str> = m.names.into_iter().collect();
        assert_eq!(
            names,
            [
                "endfor",
                "for",
                "i",
                "in",
                "include",
                "length",
                "t",
                "threats",
                "uncovered"
            ]
        );
        let strings: Vec<&str> = m.strings.into_iter().collect();
        assert_eq!(strings, ["findings", "x.tera"]);
    }

    #[test]
    fn included_templates_are_followed_and_the_whole_context_is_everything() {
        let templates: std::collections::BTreeMap<String, String> = [
            ("a", "{% include \"b\" %}{{ flows }}"),
            ("b", "{{ threats }}{% include \"a\" %}"),
            ("c", "{{ __tera_context }}"),
            ("d", "{% include \"c\" %}"),
        ]
        .into_iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
        let a = reads(&templates, "a").unwrap();
        assert!(a.contains("flows") && a.contains("threats"));
        assert!(reads(&templates, "d").is_none());
        assert_eq!(reads(&templates, "missing"), Some(BTreeSet::new()));
    }
}
