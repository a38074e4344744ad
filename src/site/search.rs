//! The search index: every component, flow, threat and mitigation of every model, with the
//! text a search matches (id, title, description; for a threat also the names of the
//! elements it is on), as a script that assigns it to
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
    /// For a threat, the elements it is on with their kinds ("API (component), Login
    /// (flow)"), so that hits with the same title can be told apart; else absent.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub e: String,
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
    let model = view.project.name;
    let mut add = |k: &'static str, title: &str, url: String, parts: &[&str], on: String| {
        index.push(Entry {
            t: title.to_string(),
            k,
            m: model.to_string(),
            e: on,
            u: format!("{slug}/{url}"),
            s: searchable(parts),
        });
    };
    for c in &view.components {
        let parts = [
            c.id,
            c.name,
            c.technology.unwrap_or(""),
            c.description.unwrap_or(""),
        ];
        add(
            "component",
            c.name,
            format!("components/{}.html", c.id),
            &parts,
            String::new(),
        );
    }
    for f in &view.flows {
        let parts = [
            f.id,
            f.name,
            f.protocol.unwrap_or(""),
            f.description.unwrap_or(""),
        ];
        add(
            "flow",
            f.name,
            format!("flows.html#flow-{}", f.id),
            &parts,
            String::new(),
        );
    }
    for t in &view.threats {
        let on: Vec<String> = t
            .target_links
            .iter()
            .map(|l| format!("{} ({})", l.name, l.kind))
            .collect();
        let on = on.join(", ");
        // Names, not kinds: "component" would otherwise match every threat.
        let names: Vec<&str> = t.target_links.iter().map(|l| l.name).collect();
        let names = names.join(" ");
        let parts = [
            t.id,
            t.title,
            t.category,
            t.description.unwrap_or(""),
            &names,
        ];
        add(
            "threat",
            t.title,
            format!("threats/{}.html", t.id),
            &parts,
            on.clone(),
        );
    }
    for x in &view.mitigations {
        let parts = [x.id, x.title, x.description.unwrap_or("")];
        add(
            "mitigation",
            x.title,
            format!("mitigations/{}.html", x.id),
            &parts,
            String::new(),
        );
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
            e: String::new(),
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
