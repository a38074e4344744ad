//! Writing a [`Draft`] as the TOML files of a model folder, by hand so the result reads
//! like a model a person wrote: a header naming the source, entities grouped by kind,
//! a comment naming where each came from, and `# note:` lines for what was lost.
//!
//! It only formats text; [`super::write_model`] writes and verifies it.

use std::fmt::Write;

use crate::model::Choice;

use super::{Draft, Origin};

/// A TOML string literal: a basic string with quotes, backslashes and control
/// characters escaped, or a multi-line basic string for text with line breaks.
pub fn toml_string(text: &str) -> String {
    let multiline = text.contains('\n');
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(if multiline { "\"\"\"\n" } else { "\"" });
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if multiline => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push_str(if multiline { "\"\"\"" } else { "\"" });
    out
}

fn string_array(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| toml_string(s)).collect();
    format!("[{}]", parts.join(", "))
}

fn number_array(items: &[u32]) -> String {
    let parts: Vec<String> = items.iter().map(u32::to_string).collect();
    format!("[{}]", parts.join(", "))
}

/// A `#` comment, one line per line of `text`. Lines break at LF, CRLF and a lone CR;
/// other control characters, which TOML does not allow in a comment, are written as
/// visible `\u{..}` escapes, so that any text an imported file carries stays a comment.
fn comment(out: &mut String, prefix: &str, text: &str) {
    for (i, line) in text.split(['\n', '\r']).enumerate() {
        let lead = if i == 0 { prefix } else { "  " };
        if i > 0 && line.is_empty() {
            continue;
        }
        out.push_str("# ");
        out.push_str(lead);
        for c in line.trim_end().chars() {
            match c {
                '\t' => out.push(c),
                c if c.is_control() => {
                    let _ = write!(out, "\\u{{{:04X}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('\n');
    }
}

fn origin(out: &mut String, o: &Origin) {
    match &o.source_id {
        Some(id) => comment(
            out,
            "",
            &format!("from {} (source id {})", o.path, toml_string(id)),
        ),
        None => comment(out, "", &format!("from {}", o.path)),
    }
    for n in &o.notes {
        comment(out, "note: ", n);
    }
}

struct Table<'a> {
    out: &'a mut String,
}

impl Table<'_> {
    fn str(&mut self, key: &str, value: &str) {
        let _ = writeln!(self.out, "{key} = {}", toml_string(value));
    }
    fn opt(&mut self, key: &str, value: &Option<String>) {
        if let Some(v) = value {
            self.str(key, v);
        }
    }
    fn list(&mut self, key: &str, items: &[String]) {
        if !items.is_empty() {
            let _ = writeln!(self.out, "{key} = {}", string_array(items));
        }
    }
}

fn header(out: &mut String, draft: &Draft, what: &str) {
    let _ = writeln!(
        out,
        "# {what}, imported by `threatbook import` from {} file",
        draft.format.tool()
    );
    comment(out, "  ", &source_name(draft));
    out.push_str(
        "# Ids were made kebab-case and unique; comments name the source of each entity.\n",
    );
}

/// The source file's name, without the folders it was in, so the output does not
/// depend on where the import ran.
fn source_name(draft: &Draft) -> String {
    draft
        .source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| draft.source.display().to_string())
}

/// The files of the model folder, as (file name, text), in a fixed order.
pub fn render_files(draft: &Draft) -> Vec<(String, String)> {
    let mut files = vec![
        ("threatbook.toml".to_string(), manifest(draft)),
        ("architecture.toml".to_string(), architecture(draft)),
        ("threats.toml".to_string(), threats(draft)),
    ];
    if draft.note_count() > 0 {
        files.push(("NOTES.md".to_string(), notes(draft)));
    }
    files
}

fn manifest(draft: &Draft) -> String {
    let mut out = String::new();
    header(&mut out, draft, "Manifest");
    if draft.note_count() > 0 {
        let _ = writeln!(
            out,
            "# note: {} thing(s) could not be carried over or were inferred; see NOTES.md.",
            draft.note_count()
        );
    }
    out.push_str("\n[project]\n");
    let p = &draft.project;
    let mut t = Table { out: &mut out };
    t.str("name", &p.name);
    t.opt("version", &p.version);
    t.list("owners", &p.owners);
    t.opt("description", &p.description);
    t.opt("objective", &p.objective);
    t.opt("scope", &p.scope);
    t.opt("methodology", &p.methodology);
    t.opt("conclusion", &p.conclusion);
    if let Some(k) = &draft.knowledge {
        out.push_str("\n[knowledge]\n");
        let _ = writeln!(out, "bases = {}", string_array(&k.bases));
        if !k.trust_levels.is_empty() {
            out.push_str("\n[knowledge.trust-levels]\n");
            for (level, min, max) in &k.trust_levels {
                let _ = writeln!(out, "{level} = {{ min = {min}, max = {max} }}");
            }
        }
    }
    out
}

fn section(out: &mut String, title: &str, count: usize) {
    if count > 0 {
        let _ = writeln!(out, "\n# ---- {title} ({count}) ----");
    }
}

fn architecture(draft: &Draft) -> String {
    let mut out = String::new();
    header(&mut out, draft, "Zones, components, assets and flows");
    section(&mut out, "trust zones", draft.zones.len());
    for z in &draft.zones {
        out.push('\n');
        origin(&mut out, &z.origin);
        out.push_str("[[zone]]\n");
        let mut t = Table { out: &mut out };
        t.str("id", &z.id);
        t.str("name", &z.name);
        let _ = writeln!(t.out, "trust = {}", z.trust);
        t.opt("inside", &z.inside);
        t.opt("description", &z.description);
    }
    section(&mut out, "components", draft.components.len());
    for c in &draft.components {
        out.push('\n');
        origin(&mut out, &c.origin);
        out.push_str("[[component]]\n");
        let mut t = Table { out: &mut out };
        t.str("id", &c.id);
        t.str("name", &c.name);
        t.str("kind", c.kind.as_str());
        t.str("zone", &c.zone);
        t.opt("technology", &c.technology);
        t.list("tags", &c.tags);
        if let Some(a) = c.actor {
            t.str("actor", a.as_str());
        }
        t.opt("description", &c.description);
    }
    section(&mut out, "assets", draft.assets.len());
    for a in &draft.assets {
        out.push('\n');
        origin(&mut out, &a.origin);
        out.push_str("[[asset]]\n");
        let mut t = Table { out: &mut out };
        t.str("id", &a.id);
        t.str("name", &a.name);
        t.str("classification", a.classification.as_str());
        t.opt("description", &a.description);
    }
    section(&mut out, "data flows", draft.flows.len());
    for f in &draft.flows {
        out.push('\n');
        origin(&mut out, &f.origin);
        out.push_str("[[flow]]\n");
        let mut t = Table { out: &mut out };
        t.str("id", &f.id);
        t.str("name", &f.name);
        t.str("from", &f.from);
        t.str("to", &f.to);
        t.opt("protocol", &f.protocol);
        t.list("data", &f.data);
        if f.encrypted {
            t.out.push_str("encrypted = true\n");
        }
        if f.authenticated {
            t.out.push_str("authenticated = true\n");
        }
        t.opt("description", &f.description);
    }
    out
}

fn threats(draft: &Draft) -> String {
    let mut out = String::new();
    header(&mut out, draft, "Threats, mitigations and acceptances");
    section(&mut out, "threats", draft.threats.len());
    for th in &draft.threats {
        out.push('\n');
        origin(&mut out, &th.origin);
        out.push_str("[[threat]]\n");
        let mut t = Table { out: &mut out };
        t.str("id", &th.id);
        t.str("title", &th.title);
        t.str("category", th.category.as_str());
        t.list("targets", &th.targets);
        t.str("severity", th.severity.as_str());
        if let Some(l) = th.likelihood {
            t.str("likelihood", l.as_str());
        }
        if let Some(i) = th.impact {
            t.str("impact", i.as_str());
        }
        if !th.cwe.is_empty() {
            let _ = writeln!(t.out, "cwe = {}", number_array(&th.cwe));
        }
        if !th.capec.is_empty() {
            let _ = writeln!(t.out, "capec = {}", number_array(&th.capec));
        }
        t.opt("description", &th.description);
    }
    section(&mut out, "mitigations", draft.mitigations.len());
    for m in &draft.mitigations {
        out.push('\n');
        origin(&mut out, &m.origin);
        out.push_str("[[mitigation]]\n");
        let mut t = Table { out: &mut out };
        t.str("id", &m.id);
        t.str("title", &m.title);
        let _ = writeln!(t.out, "mitigates = {}", string_array(&m.mitigates));
        t.str("status", m.status.as_str());
        if let Some(r) = m.reduces {
            let _ = writeln!(t.out, "reduces = {r}");
        }
        if !m.requires.is_empty() {
            let _ = writeln!(t.out, "requires = {}", m.requires.to_toml());
        }
        t.opt("owner", &m.owner);
        t.list("references", &m.references);
        t.opt("description", &m.description);
    }
    section(&mut out, "acceptances", draft.acceptances.len());
    for a in &draft.acceptances {
        out.push('\n');
        origin(&mut out, &a.origin);
        out.push_str("[[acceptance]]\n");
        let mut t = Table { out: &mut out };
        t.str("threat", &a.threat);
        t.str("justification", &a.justification);
        t.str("approved_by", &a.approved_by);
        let _ = writeln!(t.out, "expires = {}", a.expires);
    }
    section(&mut out, "reviews", draft.reviews.len());
    for r in &draft.reviews {
        out.push('\n');
        origin(&mut out, &r.origin);
        out.push_str("[[review]]\n");
        let mut t = Table { out: &mut out };
        t.str("reviewer", &r.reviewer);
        let _ = writeln!(t.out, "date = {}", r.date);
        t.opt("scope", &r.scope);
        t.str("decision", r.decision.as_str());
        t.opt("notes", &r.notes);
        if let Some(s) = &r.state {
            t.str("state", &s.to_string());
        }
    }
    section(&mut out, "not applicable", draft.not_applicable.len());
    for n in &draft.not_applicable {
        out.push('\n');
        origin(&mut out, &n.origin);
        out.push_str("[[not-applicable]]\n");
        let mut t = Table { out: &mut out };
        t.str("element", &n.element);
        if let Some(c) = n.category {
            t.str("category", c.as_str());
        }
        t.opt("pattern", &n.pattern);
        t.str("justification", &n.justification);
    }
    section(
        &mut out,
        "knowledge-base mitigation statuses",
        draft.mitigation_status.len(),
    );
    for st in &draft.mitigation_status {
        out.push('\n');
        origin(&mut out, &st.origin);
        out.push_str("[[mitigation-status]]\n");
        let mut t = Table { out: &mut out };
        t.str("mitigation", &st.mitigation);
        t.list("elements", &st.elements);
        t.str("status", st.status.as_str());
        t.opt("owner", &st.owner);
        t.list("evidence", &st.evidence);
    }
    out
}

fn notes(draft: &Draft) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Import notes\n");
    let _ = writeln!(
        out,
        "This model was imported by `threatbook import` from the {} file `{}`.",
        draft.format.tool(),
        source_name(draft)
    );
    out.push_str(
        "These are the things that could not be carried over exactly, or that were inferred.\n\
         Notes about a single entity are also written as `# note:` comments above it.\n",
    );
    if !draft.notes.is_empty() {
        out.push_str("\n## The whole model\n\n");
        for n in &draft.notes {
            let _ = writeln!(out, "- {}", one_line(n));
        }
    }
    let entities = draft.entity_notes();
    if !entities.is_empty() {
        out.push_str("\n## Entities\n\n");
        for (kind, id, origin) in entities {
            let _ = writeln!(out, "- {kind} `{id}` (from {}):", origin.path);
            for n in &origin.notes {
                let _ = writeln!(out, "  - {}", one_line(n));
            }
        }
    }
    out
}

/// Text on one line of a Markdown list, control characters escaped.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:04X}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_with_control_characters_and_lone_returns_stay_comments() {
        for text in [
            "a\u{1}b",
            "nul \0 here",
            "lone\rreturn",
            "crlf\r\nline",
            "del\u{7f}",
            "\u{85}next line",
        ] {
            let mut doc = String::new();
            comment(&mut doc, "note: ", text);
            doc.push_str("v = 1\n");
            let parsed: toml::Table = toml::from_str(&doc).expect(&doc);
            assert_eq!(parsed["v"].as_integer(), Some(1), "{doc:?}");
            assert!(
                doc.lines().all(|l| l.starts_with('#') || l == "v = 1"),
                "{doc:?}"
            );
        }
    }

    #[test]
    fn strings_round_trip_through_the_toml_parser() {
        for text in [
            "plain",
            "quote \" and \\ backslash",
            "two\nlines with \"\"\" triple quotes",
            "tab\tand \u{1} control and \r return",
            "ends with quote\"",
            "Ünïcode ✓",
        ] {
            let doc = format!("v = {}\n", toml_string(text));
            let parsed: toml::Table = toml::from_str(&doc).expect(&doc);
            assert_eq!(parsed["v"].as_str(), Some(text), "{doc}");
        }
    }
}
