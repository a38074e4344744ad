//! The built-in templates (`templates/`) and site assets (`site/`), embedded in the
//! binary, and a user folder that overrides any of them by file name.
//!
//! In the override folder, `*.tera` files are templates; every other file is an asset
//! (`style.css`, `search.js`, or a file of the user's own, such as a logo, which the site
//! copies along).

use std::collections::BTreeMap;
use std::path::Path;

use super::RenderError;

macro_rules! embedded {
    ($dir:literal: $($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../", $dir, "/", $name))),)*]
    };
}

/// The built-in templates: (file name, text).
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = embedded![
    "templates":
    "report.md.tera",
    "report-introduction.md.tera",
    "report-overview.md.tera",
    "report-components.md.tera",
    "report-flows.md.tera",
    "report-mitigations.md.tera",
    "report-coverage.md.tera",
    "report-conclusion.md.tera",
    "threat.md.tera",
    "mitigation.md.tera",
    "report.html.tera",
    "report-introduction.html.tera",
    "report-overview.html.tera",
    "report-components.html.tera",
    "report-flows.html.tera",
    "report-mitigations.html.tera",
    "report-coverage.html.tera",
    "report-conclusion.html.tera",
    "threat.html.tera",
    "mitigation.html.tera",
    "site-layout.html.tera",
    "site-index.html.tera",
    "site-model.html.tera",
    "site-component.html.tera",
    "site-threat.html.tera",
    "site-mitigation.html.tera",
    "site-pattern.html.tera",
    "site-recommendation.html.tera",
    "site-flows.html.tera",
    "site-coverage.html.tera",
    "site-search.html.tera",
];

/// The built-in site assets: (file name, text).
pub const BUILTIN_ASSETS: &[(&str, &str)] = embedded!["site": "style.css", "search.js"];

/// Templates and assets, built-in or overridden.
#[derive(Debug, Clone)]
pub struct Theme {
    pub templates: BTreeMap<String, String>,
    pub assets: BTreeMap<String, Vec<u8>>,
}

impl Theme {
    /// The built-in theme with the files of `overrides` (if any) replacing or adding to it.
    pub fn load(overrides: Option<&Path>) -> Result<Theme, RenderError> {
        let mut theme = Theme {
            templates: BUILTIN_TEMPLATES
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
            assets: BUILTIN_ASSETS
                .iter()
                .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
                .collect(),
        };
        let Some(dir) = overrides else {
            return Ok(theme);
        };
        let err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| RenderError::TemplateDir { path, source }
        };
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(err(dir))? {
            entries.push(entry.map_err(err(dir))?.path());
        }
        entries.sort();
        for path in entries {
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string)
            else {
                continue;
            };
            if name.starts_with('.') || !path.is_file() {
                continue;
            }
            if name.ends_with(".tera") {
                let text = std::fs::read_to_string(&path).map_err(err(&path))?;
                theme.templates.insert(name, text);
            } else {
                let bytes = std::fs::read(&path).map_err(err(&path))?;
                theme.assets.insert(name, bytes);
            }
        }
        Ok(theme)
    }

    /// The templates of the override folder that replace no built-in template, each with
    /// the built-in name closest to it: most often a misspelt override, which would
    /// otherwise be silently ignored. (A template of the user's own is legitimate when
    /// another one includes it, so this is a warning, not an error.) Also assets whose
    /// name is close to a built-in asset's without being it (`styles.css`); other
    /// assets, such as a logo, are the user's own.
    pub fn unmatched(&self) -> Vec<(&str, Option<&'static str>)> {
        let closest = |name: &str, builtin: &[(&'static str, &str)]| {
            crate::diag::suggest(name, builtin.iter().map(|(n, _)| *n))
                .first()
                .copied()
        };
        let templates = self
            .templates
            .keys()
            .filter(|n| !BUILTIN_TEMPLATES.iter().any(|(b, _)| b == n))
            .map(|n| (n.as_str(), closest(n, BUILTIN_TEMPLATES)));
        let assets = self
            .assets
            .keys()
            .filter(|n| !BUILTIN_ASSETS.iter().any(|(b, _)| b == n))
            .filter_map(|n| closest(n, BUILTIN_ASSETS).map(|c| (n.as_str(), Some(c))));
        templates.chain(assets).collect()
    }

    /// Whether template `name` is the built-in one (not overridden).
    pub fn is_builtin(&self, name: &str) -> bool {
        let builtin = BUILTIN_TEMPLATES.iter().find(|(n, _)| *n == name);
        matches!((builtin, self.templates.get(name)), (Some((_, b)), Some(t)) if b == t)
    }

    /// An asset as text (empty if it is missing or not UTF-8).
    pub fn asset_text(&self, name: &str) -> &str {
        self.assets
            .get(name)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_that_replace_nothing_are_named_with_the_closest_builtin() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("reprot.md.tera"), "x").unwrap();
        std::fs::write(dir.path().join("threat.md.tera"), "x").unwrap();
        std::fs::write(dir.path().join("styles.css"), "x").unwrap();
        std::fs::write(dir.path().join("logo.png"), "x").unwrap();
        let theme = Theme::load(Some(dir.path())).unwrap();
        assert_eq!(
            theme.unmatched(),
            [
                ("reprot.md.tera", Some("report.md.tera")),
                ("styles.css", Some("style.css"))
            ]
        );
        assert!(Theme::load(None).unwrap().unmatched().is_empty());
    }

    #[test]
    fn a_folder_overrides_templates_and_assets_and_adds_its_own() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("report.md.tera"), "mine").unwrap();
        std::fs::write(dir.path().join("style.css"), "body{}").unwrap();
        std::fs::write(dir.path().join("logo.svg"), "<svg/>").unwrap();
        let theme = Theme::load(Some(dir.path())).unwrap();
        assert_eq!(theme.templates["report.md.tera"], "mine");
        assert_eq!(theme.asset_text("style.css"), "body{}");
        assert!(theme.assets.contains_key("logo.svg"));
        assert!(
            theme.templates.contains_key("report.html.tera"),
            "the rest stays"
        );
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        let err = Theme::load(Some(Path::new("/no/such/theme"))).unwrap_err();
        assert!(err.to_string().contains("/no/such/theme"), "{err}");
    }
}
