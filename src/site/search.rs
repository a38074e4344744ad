//! The search index: every component and flow of every model, its own threats and
//! mitigations, and the knowledge-base patterns and mitigations it has instances of, with
//! the text a search matches (id, title, description; for a threat also the names of the
//! elements it is on), as a script that assigns it to
//! `window.THREATBOOK_SEARCH`. A script file, not JSON fetched at run time, because pages
//! opened from `file://` may not fetch.

use std::collections::HashMap;

use serde::Serialize;

use super::Listing;
use crate::render::ReportView;

/// The whole index. Text that many entries share is written once: model names in
/// `models`, descriptions in `texts` (knowledge-base threats and mitigations share their
/// pattern's and recommendation's description), and entries refer to them by position.
#[derive(Default, Serialize)]
pub struct Index {
    /// Model names; an entry's `m` is a position here.
    pub models: Vec<String>,
    /// Lower-cased descriptions, each once; an entry's `x` is a position here.
    pub texts: Vec<String>,
    pub entries: Vec<Entry>,
    #[serde(skip)]
    text_at: HashMap<String, usize>,
}

#[derive(Serialize)]
pub struct Entry {
    /// Title shown in the results.
    pub t: String,
    /// Kind of entity.
    pub k: &'static str,
    /// The model, as a position in `models`.
    pub m: usize,
    /// For a threat, the elements it is on with their kinds ("API (component), Login
    /// (flow)"), so that hits with the same title can be told apart; for a pattern or a
    /// knowledge base's mitigation, how many elements it is on; else absent.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub e: String,
    /// URL relative to the site's root.
    pub u: String,
    /// Lower-cased text that a query is matched against, with the description in `x`.
    pub s: String,
    /// Its description, as a position in `texts`; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<usize>,
}

fn searchable(parts: &[&str]) -> String {
    parts.join(" ").to_lowercase()
}

impl Index {
    /// The position of a description in `texts`, adding it the first time.
    fn text(&mut self, description: Option<&str>) -> Option<usize> {
        let d = description.filter(|d| !d.trim().is_empty())?.to_lowercase();
        if let Some(at) = self.text_at.get(&d) {
            return Some(*at);
        }
        let at = self.texts.len();
        self.texts.push(d.clone());
        self.text_at.insert(d, at);
        Some(at)
    }
}

/// Adds the entities of one model.
pub(super) fn add_model(index: &mut Index, slug: &str, view: &ReportView<'_>, listing: &Listing) {
    let model = index.models.len();
    index.models.push(view.project.name.to_string());
    let mut add = |k: &'static str,
                   title: &str,
                   url: String,
                   parts: &[&str],
                   description: Option<&str>,
                   on: String| {
        let x = index.text(description);
        index.entries.push(Entry {
            t: title.to_string(),
            k,
            m: model,
            e: on,
            u: format!("{slug}/{url}"),
            s: searchable(parts),
            x,
        });
    };
    for c in &view.components {
        let parts = [c.id, c.name, c.technology.unwrap_or("")];
        add(
            "component",
            c.name,
            format!("components/{}.html", c.id),
            &parts,
            c.description,
            String::new(),
        );
    }
    for f in &view.flows {
        let parts = [f.id, f.name, f.protocol.unwrap_or("")];
        add(
            "flow",
            f.name,
            format!("flows.html#flow-{}", f.id),
            &parts,
            f.description,
            String::new(),
        );
    }
    // A threat or mitigation written in the model is found by its own entry; a
    // knowledge base's instances by their pattern's or recommendation's entry and by
    // their element's: one hit per pattern, not one per element it applies to.
    for &i in &listing.own_threats {
        let t = &view.threats[i];
        let on: Vec<String> = t
            .target_links
            .iter()
            .map(|l| format!("{} ({})", l.name, l.kind))
            .collect();
        let on = on.join(", ");
        let names: Vec<&str> = t.target_links.iter().map(|l| l.name).collect();
        let names = names.join(" ");
        let parts = [t.id, t.title, t.category, &names];
        add(
            "threat",
            t.title,
            listing.threat_href[i].clone(),
            &parts,
            t.description,
            on,
        );
    }
    for pages in &listing.patterns {
        let p = &view.knowledge.patterns[pages.index];
        let parts = [p.id, p.kb, p.title, p.category];
        add(
            "threat pattern",
            p.title,
            pages.hrefs[0].clone(),
            &parts,
            p.description,
            crate::diag::count(p.instances, "element"),
        );
    }
    for &i in &listing.own_mitigations {
        let x = &view.mitigations[i];
        let parts = [x.id, x.title];
        add(
            "mitigation",
            x.title,
            listing.mitigation_href[i].clone(),
            &parts,
            x.description,
            String::new(),
        );
    }
    for pages in &listing.recommendations {
        let r = &view.knowledge.recommendations[pages.index];
        let parts = [r.id, r.kb, r.title];
        add(
            "mitigation",
            r.title,
            pages.hrefs[0].clone(),
            &parts,
            r.description,
            crate::diag::count(pages.rows.len(), "element"),
        );
    }
}

/// The index as a script.
pub fn to_script(index: &Index) -> String {
    let json = serde_json::to_string(index).unwrap_or_else(|_| "{}".into());
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
            m: 0,
            e: String::new(),
            u: "m/threats/x.html".into(),
            s: "x".into(),
            x: None,
        };
        let index = Index {
            models: vec!["m".into()],
            entries: vec![entry],
            ..Index::default()
        };
        let script = to_script(&index);
        assert!(script.starts_with("window.THREATBOOK_SEARCH = {"));
        // The index is a separate file, loaded with <script src>: its text never meets the
        // HTML parser, and JSON string syntax keeps it data.
        let json = script
            .trim_start_matches("window.THREATBOOK_SEARCH = ")
            .trim_end()
            .trim_end_matches(';');
        let back: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(
            back["entries"][0]["t"],
            "</script><script>alert(1)</script>"
        );
    }
}
