//! The HTML report and the static site, checked without a browser: every internal link
//! resolves, nothing we generate can run script, output is deterministic, and the
//! report's main region reads as its snapshot shows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::{TODAY, run};

/// Renders the HTML report of `model` into a temp folder; returns its text.
pub fn html_report(model: &str) -> String {
    let r = run(&["render", model, "--format", "html", "--today", TODAY]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

/// Builds the site of `models` into `out`.
pub fn build_site(models: &[&str], out: &Path) {
    let mut args = vec!["site"];
    args.extend_from_slice(models);
    let out_arg = out.to_str().unwrap().to_string();
    args.extend(["-o", &out_arg, "--today", TODAY]);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// Every file under `dir`, by relative path.
pub fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The values of every `name="…"` attribute in `html`.
fn attribute_values<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

fn unescape(value: &str) -> String {
    value
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
}

/// Checks every relative link and anchor of the HTML files in `files`.
fn assert_links_resolve(files: &BTreeMap<String, Vec<u8>>) {
    let mut checked = 0;
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = String::from_utf8_lossy(bytes);
        let mut links = attribute_values(&html, "href");
        links.extend(attribute_values(&html, "src"));
        links.extend(attribute_values(&html, "action"));
        for raw in links {
            let link = unescape(raw);
            if link.starts_with("https://")
                || link.starts_with("http://")
                || link.starts_with("mailto:")
            {
                continue;
            }
            let (file, anchor) = match link.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (link.as_str(), None),
            };
            let file = file.split('?').next().unwrap();
            let target = if file.is_empty() {
                path.clone()
            } else {
                let base = Path::new(path).parent().unwrap_or(Path::new(""));
                normalise(&base.join(file))
            };
            let target_bytes = files
                .get(&target)
                .unwrap_or_else(|| panic!("{path}: link {link:?} points at missing {target}"));
            if let Some(anchor) = anchor {
                let text = String::from_utf8_lossy(target_bytes);
                assert!(
                    text.contains(&format!(" id=\"{anchor}\"")),
                    "{path}: anchor #{anchor} missing in {target}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no links were checked");
}

fn normalise(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                assert!(
                    parts.pop().is_some(),
                    "link leaves the site: {}",
                    path.display()
                );
            }
            std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

/// Nothing in `html` can run script: no inline event handler, no javascript: URL, no
/// inline script, and scripts only from our own files.
pub fn assert_no_script_can_run(name: &str, html: &str) {
    let lower = html.to_lowercase();
    let mut in_tag = false;
    let mut tag = String::new();
    for c in lower.chars() {
        match c {
            '<' => {
                in_tag = true;
                tag.clear();
            }
            '>' if in_tag => {
                in_tag = false;
                // An event-handler attribute: ` on…=` inside a tag.
                let attrs = tag.split_whitespace().skip(1);
                for attr in attrs {
                    let key = attr.split('=').next().unwrap_or("");
                    assert!(
                        !(key.starts_with("on") && attr.contains('=')),
                        "{name}: event handler in <{tag}>"
                    );
                }
            }
            _ if in_tag => tag.push(c),
            _ => {}
        }
    }
    for value in attribute_values(&lower, "href")
        .into_iter()
        .chain(attribute_values(&lower, "src"))
    {
        let v = unescape(value);
        assert!(
            !v.trim_start().starts_with("javascript:"),
            "{name}: javascript: URL {v}"
        );
        assert!(
            !v.trim_start().starts_with("data:text"),
            "{name}: data URL {v}"
        );
    }
    for (i, _) in lower.match_indices("<script") {
        let open = &lower[i..i + lower[i..].find('>').unwrap_or(0) + 1];
        assert!(open.contains(" src=\""), "{name}: inline script {open}");
    }
    assert!(!lower.contains("<iframe"), "{name}: iframe");
    assert!(!lower.contains("<object"), "{name}: object");
}

#[test]
fn every_link_of_the_html_report_resolves() {
    let mut files = BTreeMap::new();
    files.insert(
        "report.html".to_string(),
        html_report("catalog/fastapi").into_bytes(),
    );
    assert_links_resolve(&files);
}

#[test]
fn every_link_of_the_site_resolves_and_the_site_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let models = [
        "catalog/fastapi",
        "tests/fixtures/valid/nested-zones",
        "tests/fixtures/valid/hostile",
    ];
    build_site(&models, &a);
    build_site(&models, &b);
    let (fa, fb) = (files_under(&a), files_under(&b));
    assert_eq!(fa, fb, "two builds of one input differ");
    assert_links_resolve(&fa);
    let m = crate::catalog_model();
    // A threat or mitigation written in the model has its own page; a knowledge base's
    // instance is a row, anchored by its id, of its pattern's or recommendation's page.
    let shown = |own: bool, folder: &str, stem: String, id: &str| {
        if own {
            assert!(
                fa.contains_key(&format!("fastapi/{folder}/{id}.html")),
                "no page for {id}"
            );
        } else {
            let page = &fa[&format!("fastapi/{folder}/{stem}.html")];
            assert!(
                String::from_utf8_lossy(page).contains(&format!("<tr id=\"{id}\">")),
                "no row for {id} on {stem}"
            );
        }
    };
    let mut instances = 0;
    for t in &m.threats {
        let stem = t.pattern.map_or(String::new(), |p| {
            let p = m.pattern(p);
            format!("{}.{}", m.knowledge_base(p.kb).id, p.id)
        });
        let folder = if t.pattern.is_some() {
            "patterns"
        } else {
            "threats"
        };
        shown(t.pattern.is_none(), folder, stem, &t.id);
        instances += usize::from(t.pattern.is_some());
    }
    assert!(
        instances > 40,
        "the FastAPI model's threats come from its knowledge base"
    );
    for c in m.component_ids() {
        let id = &m.component(c).id;
        assert!(
            fa.contains_key(&format!("fastapi/components/{id}.html")),
            "no page for component {id}"
        );
    }
    for x in &m.mitigations {
        let stem = x.recommendation.map_or(String::new(), |r| {
            let r = &m.recommendations[r.index()];
            format!("{}.{}", m.knowledge_base(r.kb).id, r.id)
        });
        let folder = if x.recommendation.is_some() {
            "recommendations"
        } else {
            "mitigations"
        };
        shown(x.recommendation.is_none(), folder, stem, &x.id);
    }
    for page in [
        "index.html",
        "search.html",
        "search-index.js",
        "assets/style.css",
        "assets/search.js",
        "fastapi/coverage.html",
    ] {
        assert!(fa.contains_key(page), "{page} missing");
    }
}

#[test]
fn site_links_are_relative_so_it_works_from_any_path() {
    let tmp = tempfile::tempdir().unwrap();
    build_site(
        &["tests/fixtures/valid/minimal"],
        tmp.path().join("s").as_path(),
    );
    for (path, bytes) in files_under(&tmp.path().join("s"))
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
    {
        let html = String::from_utf8_lossy(bytes);
        for link in attribute_values(&html, "href")
            .into_iter()
            .chain(attribute_values(&html, "src"))
        {
            assert!(!link.starts_with('/'), "{path}: absolute link {link}");
            assert!(!link.starts_with("file:"), "{path}: file link {link}");
        }
    }
}

#[test]
fn hostile_names_and_descriptions_cannot_run_script_anywhere() {
    let report = html_report("tests/fixtures/valid/hostile");
    assert_no_script_can_run("report.html", &report);
    assert!(
        report.contains("&lt;script&gt;"),
        "the payloads are shown as text"
    );
    assert!(
        report.contains("<em>still markdown</em>"),
        "Markdown still renders"
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_site(&["tests/fixtures/valid/hostile"], &out);
    for (path, bytes) in files_under(&out)
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
    {
        assert_no_script_can_run(path, &String::from_utf8_lossy(bytes));
    }
}

#[test]
fn the_report_needs_no_network_and_declares_a_strict_policy() {
    let report = html_report("catalog/fastapi");
    assert!(
        !report.contains("<script"),
        "the single-file report has no script"
    );
    assert!(!report.contains("<link "), "no external stylesheet");
    let csp = attribute_values(&report, "content")
        .into_iter()
        .find(|c| c.starts_with("default-src"))
        .expect("a Content-Security-Policy meta element");
    assert!(
        csp.starts_with("default-src 'none'; style-src 'sha256-"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe"), "{csp}");
    for value in attribute_values(&report, "href") {
        assert!(
            value.starts_with('#') || value.starts_with("https://") || value.starts_with("http://"),
            "{value}"
        );
    }
}

#[test]
fn the_html_report_main_region_matches_its_snapshot() {
    let report = html_report("catalog/fastapi");
    let start = report.find("<main id=\"content\">").expect("main region");
    let end = report.find("</main>").expect("end of main region");
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("fastapi-report-html-main", &report[start..end]);
    });
}

#[test]
fn the_site_refuses_to_overwrite_a_folder_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let r = run(&[
        "site",
        "tests/fixtures/valid/minimal",
        "-o",
        tmp.path().to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not written by threatbook"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn a_site_of_a_model_that_does_not_load_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out: PathBuf = tmp.path().join("site");
    let r = run(&[
        "site",
        "catalog/fastapi",
        "tests/fixtures/invalid/zone-cycle",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("zone-cycle"), "{}", r.stderr);
    assert!(!out.exists());
}

#[test]
fn the_site_index_counts_each_state_and_never_a_mixed_covered_figure() {
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    build_site(&["catalog/fastapi", "catalog/stride-example"], &site);
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    for label in [
        "Mitigated",
        "Accepted",
        "Not applicable",
        "Planned",
        "Proposed only",
        "Acceptance expired",
        "Uncovered",
    ] {
        assert!(
            index.contains(&format!(">{label}</th>")),
            "no {label} column"
        );
    }
    assert!(!index.contains("Covered"), "a figure named covered is back");
    // FastAPI: 47 of 53 mitigated; the stride example: 22 of 105, 72 only proposed.
    assert!(index.contains(">47 (88 %)<"), "{index}");
    assert!(index.contains(">22 (20 %)<"), "{index}");
    assert!(index.contains(">72<"), "{index}");
    let matrix = std::fs::read_to_string(site.join("stride-example/coverage.html")).unwrap();
    assert!(matrix.contains("a not-applicable mark on its pattern and element"));
}

/// The site's `search-index.js` under `site`, as the JSON it assigns.
fn search_index(site: &Path) -> serde_json::Value {
    let script = std::fs::read_to_string(site.join("search-index.js")).unwrap();
    let json = script
        .trim_start_matches("window.THREATBOOK_SEARCH = ")
        .trim_end()
        .trim_end_matches(';');
    serde_json::from_str(json).unwrap()
}

#[test]
fn search_results_name_what_a_hit_is_on() {
    let tmp = tempfile::tempdir().unwrap();
    build_site(
        &["catalog/fastapi", "tests/fixtures/export/hostile"],
        tmp.path(),
    );
    let whole = search_index(tmp.path());
    let index: Vec<serde_json::Value> = whole["entries"].as_array().unwrap().clone();
    // A threat written in the model names the elements it is on, with their kinds.
    let threats: Vec<&serde_json::Value> = index.iter().filter(|e| e["k"] == "threat").collect();
    assert!(threats.len() >= 6, "{threats:?}");
    for t in &threats {
        let on = t["e"].as_str().unwrap_or("");
        assert!(on.ends_with("(component)") || on.ends_with("(flow)"), "{t}");
        // Element names are searchable; kinds are not (they would match every threat).
        let name = on.split(" (").next().unwrap().to_lowercase();
        assert!(t["s"].as_str().unwrap().contains(&name), "{t}");
    }
    // A knowledge base's threats are found through their pattern, once, which says how
    // many elements it is on; the FastAPI model's threats all come from patterns.
    let model = crate::catalog_model();
    let patterns: Vec<&serde_json::Value> = index
        .iter()
        .filter(|e| e["k"] == "threat pattern")
        .collect();
    let with_instances: Vec<_> = model
        .patterns
        .iter()
        .filter(|p| !p.instances.is_empty())
        .collect();
    assert_eq!(patterns.len(), with_instances.len());
    for p in &with_instances {
        let entry = patterns
            .iter()
            .find(|e| e["t"] == p.title.as_ref())
            .unwrap_or_else(|| panic!("no entry for {}", p.id));
        let n = p.instances.len();
        let words = if n == 1 {
            "1 element".to_string()
        } else {
            format!("{n} elements")
        };
        assert_eq!(entry["e"], words.as_str());
    }
    assert!(
        index
            .iter()
            .filter(|e| e["k"] == "component" || e["k"] == "flow")
            .all(|e| e.get("e").is_none())
    );
    let search_js = std::fs::read_to_string(tmp.path().join("assets/search.js")).unwrap();
    assert!(search_js.contains("entry.e"));
}

#[test]
fn the_search_index_writes_each_description_once() {
    let tmp = tempfile::tempdir().unwrap();
    // One model published twice: its patterns' descriptions are shared by two entries.
    build_site(
        &["catalog/stride-example", "catalog/stride-example"],
        tmp.path(),
    );
    let whole = search_index(tmp.path());
    let texts = whole["texts"].as_array().unwrap();
    let entries = whole["entries"].as_array().unwrap();
    assert_eq!(whole["models"][0], "Clinic appointments");
    assert_eq!(whole["models"][1], "Clinic appointments");
    let mut distinct: Vec<&str> = texts.iter().map(|t| t.as_str().unwrap()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), texts.len());
    let described = entries.iter().filter(|e| e.get("x").is_some()).count();
    assert!(
        described >= 2 * texts.len(),
        "{described} entries, {} texts",
        texts.len()
    );
    // A pattern's description is reachable, lower-cased, from its entry.
    let pattern = entries
        .iter()
        .find(|e| e["k"] == "threat pattern" && e.get("x").is_some())
        .unwrap();
    let text = texts[pattern["x"].as_u64().unwrap() as usize]
        .as_str()
        .unwrap();
    assert_eq!(text, text.to_lowercase());
    assert!(!text.is_empty());
    // One entry per pattern, not one per element it applies to.
    let model = threatbook::open(&crate::support::root().join("catalog/stride-example"))
        .model
        .expect("the example loads");
    let per_model = entries
        .iter()
        .filter(|e| e["k"] == "threat pattern" && e["m"] == 0)
        .count();
    assert_eq!(
        per_model,
        model
            .patterns
            .iter()
            .filter(|p| !p.instances.is_empty())
            .count()
    );
    assert!(per_model < model.threats.len() / 2);
}
