//! The search index: every component, flow, threat and mitigation of every model, with the
//! text a search matches (id, title, description), as a script that assigns it to
//! `window.THREATBOOK_SEARCH`. A script file, not JSON fetched at run time, because pages
//! opened from `file://` may not fetch.

use serde::Serialize;

use crate::render::ReportView;

#[derive(Serialize)]
pub struct Entry {
    /// Title shown in the results.
    pub t: String,
    /// Kind of entity.
    pub k: &'static str,
    /// Model name.
    pub m: String,
    /// URL relative to the site's root.
    pub u: String,
    /// Lower-cased text that a query is matched against.
    pub s: String,
}

fn searchable(parts: &[&str]) -> String {
    parts.join(" ").to_lowercase()
}

/// Adds the entities of one model.
pub fn add_model(index: &mut Vec<Entry>, slug: &str, view: &ReportView<'_>) {
    let model = view.project.name.to_string();
    for c in &view.components {
        index.push(Entry {
            t: c.name.to_string(),
            k: "component",
            m: model.clone(),
            u: format!("{slug}/components/{}.html", c.id),
            s: searchable(&[
                c.id,
                c.name,
                c.technology.unwrap_or(""),
                c.description.unwrap_or(""),
            ]),
        });
    }
    for f in &view.flows {
        index.push(Entry {
            t: f.name.to_string(),
            k: "flow",
            m: model.clone(),
            u: format!("{slug}/flows.html#flow-{}", f.id),
            s: searchable(&[
                f.id,
                f.name,
                f.protocol.unwrap_or(""),
                f.description.unwrap_or(""),
            ]),
        });
    }
    for t in &view.threats {
        index.push(Entry {
            t: t.title.to_string(),
            k: "threat",
            m: model.clone(),
            u: format!("{slug}/threats/{}.html", t.id),
            s: searchable(&[t.id, t.title, t.category, t.description.unwrap_or("")]),
        });
    }
    for x in &view.mitigations {
        index.push(Entry {
            t: x.title.to_string(),
            k: "mitigation",
            m: model.clone(),
            u: format!("{slug}/mitigations/{}.html", x.id),
            s: searchable(&[x.id, x.title, x.description.unwrap_or("")]),
        });
    }
}

/// The index as a script.
pub fn to_script(index: &[Entry]) -> String {
    let json = serde_json::to_string(index).unwrap_or_else(|_| "[]".into());
    format!("window.THREATBOOK_SEARCH = {json};\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_cannot_be_closed_early_by_index_text() {
        let entry = Entry {
            t: "</script><script>alert(1)</script>".into(),
            k: "threat",
            m: "m".into(),
            u: "m/threats/x.html".into(),
            s: "x".into(),
        };
        let script = to_script(&[entry]);
        assert!(script.starts_with("window.THREATBOOK_SEARCH = [{"));
        // The index is a separate file, loaded with <script src>: its text never meets the
        // HTML parser, and JSON string syntax keeps it data.
        let json = script
            .trim_start_matches("window.THREATBOOK_SEARCH = ")
            .trim_end()
            .trim_end_matches(';');
        let back: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(back[0]["t"], "</script><script>alert(1)</script>");
    }
}
