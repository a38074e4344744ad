//! Synthetic models of any size, for benchmarks and scale tests.
//!
//! The generator is deterministic (a fixed linear congruential sequence, no clock, no
//! randomness from the system) so that a benchmark measures the same model every run.
//! Models look like real ones: nested zones of varied trust, components of all kinds,
//! flows that mostly stay near their source, threats on components and flows, most
//! of them mitigated, some accepted.

use std::fmt::Write;

/// How big a model to make.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    pub components: usize,
    pub flows: usize,
    pub threats: usize,
    pub zones: usize,
}

impl Size {
    /// About one zone per 50 components, five flows per component and two threats per
    /// component: the proportions of the benchmark target.
    pub fn scaled(components: usize) -> Size {
        Size {
            components,
            flows: components * 5,
            threats: components * 2,
            zones: (components / 50).clamp(1, 200),
        }
    }
}

/// The STRIDE categories, as generated threats and patterns cycle through them.
const CATEGORIES: [&str; 6] = [
    "spoofing",
    "tampering",
    "repudiation",
    "information-disclosure",
    "denial-of-service",
    "elevation-of-privilege",
];

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % bound.max(1)
    }
}

/// The files of a model of `size`: (relative path, TOML text), manifest first.
pub fn generate(size: Size) -> Vec<(String, String)> {
    let mut rng = Lcg(0x7468_7265_6174);
    let zones = size.zones.max(1);
    let components = size.components.max(1);
    let kinds = ["process", "process", "data-store", "external-entity"];
    let severities = ["low", "medium", "high", "critical"];
    let statuses = ["proposed", "planned", "implemented", "verified"];
    let classes = ["public", "internal", "confidential", "restricted"];

    let manifest = format!(
        "[project]\nname = \"Synthetic model ({} components)\"\nversion = \"1\"\n\
         description = \"\"\"\nA generated model for benchmarks.\n\"\"\"\n",
        size.components
    );

    let mut z = String::new();
    for i in 0..zones {
        let _ = write!(
            z,
            "[[zone]]\nid = \"zone-{i}\"\nname = \"Zone {i}\"\ntrust = {}\n",
            rng.next(11)
        );
        if i > 0 && i % 4 != 0 {
            let _ = writeln!(z, "inside = \"zone-{}\"", (i / 4) * 4);
        }
        z.push('\n');
    }

    let mut a = String::new();
    let assets = (components / 20).max(1);
    for i in 0..assets {
        let _ = writeln!(
            a,
            "[[asset]]\nid = \"asset-{i}\"\nname = \"Asset {i}\"\nclassification = \"{}\"\n",
            classes[rng.next(4)]
        );
    }

    let mut c = String::with_capacity(components * 160);
    for i in 0..components {
        let _ = writeln!(
            c,
            "[[component]]\nid = \"c-{i}\"\nname = \"Component {i}\"\nkind = \"{}\"\nzone = \"zone-{}\"\n\
             technology = \"Tech {}\"\ntags = [\"t{}\"]\n",
            kinds[rng.next(4)],
            i * zones / components,
            i % 7,
            i % 5
        );
    }

    let mut f = String::with_capacity(size.flows * 200);
    for i in 0..size.flows {
        let from = i % components;
        // Mostly local flows, some long-range ones, as in real systems.
        let to = if rng.next(10) < 8 {
            (from + 1 + rng.next(20)) % components
        } else {
            rng.next(components)
        };
        let _ = writeln!(
            f,
            "[[flow]]\nid = \"f-{i}\"\nname = \"Flow {i}\"\nfrom = \"c-{from}\"\nto = \"c-{to}\"\n\
             protocol = \"HTTPS\"\ndata = [\"asset-{}\"]\nencrypted = {}\nauthenticated = {}\n",
            rng.next(assets),
            rng.next(10) < 9,
            rng.next(10) < 8
        );
    }

    let mut t = String::with_capacity(size.threats * 260);
    let mut m = String::with_capacity(size.threats * 200);
    let mut acc = String::new();
    for i in 0..size.threats {
        let target = if i % 3 == 2 && size.flows > 0 {
            format!("f-{}", rng.next(size.flows))
        } else {
            format!("c-{}", rng.next(components))
        };
        let _ = writeln!(
            t,
            "[[threat]]\nid = \"t-{i}\"\ntitle = \"Threat {i}\"\ncategory = \"{}\"\ntargets = [\"{target}\"]\n\
             severity = \"{}\"\ncwe = [{}]\ndescription = \"\"\"\nWhat goes wrong in case {i}, with *Markdown*.\n\"\"\"\n",
            CATEGORIES[rng.next(6)],
            severities[rng.next(4)],
            20 + rng.next(900)
        );
        match rng.next(20) {
            0 => {} // uncovered
            1 => {
                let _ = writeln!(
                    acc,
                    "[[acceptance]]\nthreat = \"t-{i}\"\njustification = \"Low exposure.\"\napproved_by = \"ciso\"\nexpires = 2099-12-31\n"
                );
            }
            _ => {
                let _ = writeln!(
                    m,
                    "[[mitigation]]\nid = \"m-{i}\"\ntitle = \"Mitigation {i}\"\nmitigates = [\"t-{i}\"]\nstatus = \"{}\"\nowner = \"team-{}\"\n",
                    statuses[rng.next(4)],
                    i % 9
                );
            }
        }
    }

    vec![
        ("threatbook.toml".into(), manifest),
        ("zones.toml".into(), z),
        ("assets.toml".into(), a),
        ("components.toml".into(), c),
        ("flows.toml".into(), f),
        ("threats.toml".into(), t),
        ("mitigations.toml".into(), m),
        ("acceptances.toml".into(), acc),
    ]
}

/// A model of `depth` zones, each inside the one before, with one component in the
/// innermost: the shape that overflowed recursive zone walks and made indented text
/// grow with the square of the depth.
pub fn nested_zones(depth: usize) -> Vec<(String, String)> {
    let mut z = String::with_capacity(depth * 70);
    for i in 0..depth.max(1) {
        let _ = write!(
            z,
            "[[zone]]\nid = \"z{i}\"\nname = \"Zone {i}\"\ntrust = {}\n",
            i % 11
        );
        if i > 0 {
            let _ = writeln!(z, "inside = \"z{}\"", i - 1);
        }
        z.push('\n');
    }
    let _ = writeln!(
        z,
        "[[component]]\nid = \"inner\"\nname = \"Inner\"\nkind = \"process\"\nzone = \"z{}\"",
        depth.max(1) - 1
    );
    limit_case("Nested zones", z)
}

/// A ladder of `layers` layers of two components (`a-i`, `b-i`), each joined by flows
/// to both of the next layer, from an external entity `source` to a data store
/// `target` receiving restricted data: 2^layers shortest attack paths, the worst case
/// for `paths --to target -k N`.
pub fn ladder(layers: usize) -> Vec<(String, String)> {
    let layers = layers.max(1);
    let mut m = String::with_capacity(layers * 400);
    m.push_str(
        "[[zone]]\nid = \"outside\"\nname = \"Outside\"\ntrust = 0\n\n\
         [[zone]]\nid = \"inside\"\nname = \"Inside\"\ntrust = 8\n\n\
         [[asset]]\nid = \"secret\"\nname = \"Secret\"\nclassification = \"restricted\"\n\n\
         [[component]]\nid = \"source\"\nname = \"Source\"\nkind = \"external-entity\"\nzone = \"outside\"\n\n\
         [[component]]\nid = \"target\"\nname = \"Target\"\nkind = \"data-store\"\nzone = \"inside\"\n\n",
    );
    for i in 0..layers {
        for side in ["a", "b"] {
            let _ = writeln!(
                m,
                "[[component]]\nid = \"{side}-{i}\"\nname = \"{side} {i}\"\nkind = \"process\"\nzone = \"inside\"\n"
            );
        }
    }
    let mut flows: Vec<(String, String)> = vec![
        ("source".into(), "a-0".into()),
        ("source".into(), "b-0".into()),
    ];
    for i in 0..layers - 1 {
        for from in ["a", "b"] {
            for to in ["a", "b"] {
                flows.push((format!("{from}-{i}"), format!("{to}-{}", i + 1)));
            }
        }
    }
    for side in ["a", "b"] {
        flows.push((format!("{side}-{}", layers - 1), "target".into()));
    }
    for (n, (from, to)) in flows.iter().enumerate() {
        let _ = writeln!(
            m,
            "[[flow]]\nid = \"f{n}\"\nname = \"Flow {n}\"\nfrom = \"{from}\"\nto = \"{to}\"\ndata = [\"secret\"]\n"
        );
    }
    m.push_str(
        "[[threat]]\nid = \"theft\"\ntitle = \"Theft\"\ncategory = \"information-disclosure\"\n\
         targets = [\"target\"]\nseverity = \"high\"\n",
    );
    limit_case("Ladder", m)
}

/// A model whose one component `big` has a name of `chars` characters (words of
/// varied length), with `flows` flows to a second component: text wrapping, cutting and
/// tooltips must handle the name in time and space linear in it.
pub fn long_name(chars: usize, flows: usize) -> Vec<(String, String)> {
    let mut rng = Lcg(0x6e61_6d65);
    let mut name = String::with_capacity(chars + 16);
    while name.len() < chars {
        let word = 1 + rng.next(12);
        name.extend(std::iter::repeat_n('w', word));
        name.push(' ');
    }
    name.truncate(chars);
    let mut m = format!(
        "[[zone]]\nid = \"z\"\nname = \"Zone\"\ntrust = 3\n\n\
         [[component]]\nid = \"big\"\nname = \"{}\"\nkind = \"process\"\nzone = \"z\"\n\n\
         [[component]]\nid = \"small\"\nname = \"Small\"\nkind = \"data-store\"\nzone = \"z\"\n\n",
        name.trim_end()
    );
    for n in 0..flows {
        let _ = writeln!(
            m,
            "[[flow]]\nid = \"f{n}\"\nname = \"Flow {n}\"\nfrom = \"big\"\nto = \"small\"\n"
        );
    }
    limit_case("Long name", m)
}

fn limit_case(name: &str, model: String) -> Vec<(String, String)> {
    vec![
        (
            "threatbook.toml".into(),
            format!("[project]\nname = \"{name}\"\n"),
        ),
        ("model.toml".into(), model),
    ]
}

/// Writes a generated model into `dir`.
pub fn write(dir: &std::path::Path, size: Size) -> std::io::Result<()> {
    write_files(dir, &generate(size))
}

/// Writes files given as (relative path, text) into `dir`, creating folders.
pub fn write_files(dir: &std::path::Path, files: &[(String, String)]) -> std::io::Result<()> {
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}

/// Adds a knowledge base of `patterns` patterns (and one recommended mitigation per
/// two patterns) in `kb/`, and names it in the manifest of `files` (from [`generate`]).
///
/// The selectors use every form, over the generated model's vocabulary: kinds,
/// technologies (`Tech 0` … `Tech 6`), tags (`t0` … `t4`), zone trust, and for flows
/// crossing, direction, flags, data classification and endpoint conditions. About one
/// pattern in twenty is broad (every element of a kind, as STRIDE-per-element patterns
/// are); the others combine two or three conditions, as technology-specific knowledge
/// does.
pub fn add_knowledge_base(
    files: &mut [(String, String)],
    patterns: usize,
) -> Vec<(String, String)> {
    if let Some((_, manifest)) = files.iter_mut().find(|(n, _)| n == "threatbook.toml") {
        manifest.push_str("\n[knowledge]\nbases = [\"./kb\"]\n");
    }
    let kinds = ["process", "data-store", "external-entity"];
    let directions = ["inbound", "outbound", "lateral"];
    let classes = ["public", "internal", "confidential", "restricted"];
    let mut p = String::with_capacity(patterns * 400);
    for i in 0..patterns {
        let selector = match i % 20 {
            0 => format!(
                "element = \"component\", kind = \"{}\"",
                kinds[(i / 20) % 3]
            ),
            1 => "element = \"flow\", crosses-boundary = true".to_string(),
            2..=7 => format!(
                "element = \"component\", technology = \"tech {}\", tags = \"t{}\"",
                i % 7,
                i % 5
            ),
            8..=9 => format!(
                "element = \"component\", kind = \"{}\", zone-trust = {{ max = {} }}",
                kinds[i % 3],
                i % 4
            ),
            10..=12 => format!(
                "element = \"flow\", direction = \"{}\", encrypted = false",
                directions[i % 3]
            ),
            13..=14 => format!(
                "element = \"flow\", data-classification = \"{}\", authenticated = false",
                classes[i % 4]
            ),
            15 => format!(
                "element = \"flow\", from = {{ kind = \"external-entity\" }}, to = {{ tags = \"t{}\" }}",
                i % 5
            ),
            // Traffic followed through chains of processes, both ways.
            16 => format!(
                "element = \"flow\", in-process = false, origin = {{ kind = \"external-entity\" }}, destination = {{ tags = \"t{}\" }}",
                i % 5
            ),
            18 => format!(
                "element = \"flow\", either = {{ tags-all = [\"t{}\", \"t{}\"] }}, data-classification = {{ min = \"confidential\" }}",
                i % 5,
                (i + 1) % 5
            ),
            _ => format!(
                "element = \"flow\", protocol = \"https\", to = {{ technology = \"tech {}\", zone-trust = {{ min = {} }} }}",
                i % 7,
                5 + i % 5
            ),
        };
        let _ = writeln!(
            p,
            "[[pattern]]\nid = \"p-{i}\"\ntitle = \"Pattern {i}\"\ncategory = \"{}\"\nseverity = \"medium\"\n\
             cwe = [{}]\ncapec = [{}]\ndescription = \"What pattern {i} is about.\"\napplies-to = {{ {selector} }}\n",
            CATEGORIES[i % 6],
            20 + i,
            100 + i
        );
    }
    for i in 0..patterns.div_ceil(2) {
        let second = (2 * i + 1).min(patterns - 1);
        let _ = writeln!(
            p,
            "[[mitigation]]\nid = \"r-{i}\"\ntitle = \"Recommendation {i}\"\nmitigates = [\"p-{}\", \"p-{second}\"]\n",
            2 * i
        );
    }
    // A vocabulary for every selector word, with synonyms, and a technology that implies
    // roles: matching and the vocabulary checks run as they do on a real knowledge base.
    let mut vocabulary = String::new();
    for n in 0..7 {
        let implies = if n == 0 { "implies = [\"t0\"]\n" } else { "" };
        let _ = writeln!(
            vocabulary,
            "[[vocabulary]]\nword = \"tech {n}\"\nfield = \"technology\"\nsynonyms = [\"technology {n}\"]\n{implies}"
        );
    }
    for n in 0..5 {
        let _ = writeln!(
            vocabulary,
            "[[vocabulary]]\nword = \"t{n}\"\nfield = \"tags\"\nsynonyms = [\"tag {n}\", \"role {n}\"]\n"
        );
    }
    vec![
        (
            "kb/kb.toml".into(),
            format!(
                "[knowledge-base]\nid = \"synthetic\"\nname = \"Synthetic patterns\"\n\n{vocabulary}"
            ),
        ),
        ("kb/patterns.toml".into(), p),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_models_resolve_and_are_deterministic() {
        let files = generate(Size::scaled(200));
        assert_eq!(files, generate(Size::scaled(200)));
        let project = crate::open_texts(files.iter().map(|(n, t)| (n.as_str(), t.as_str())));
        let model = project.model.expect("generated model resolves");
        assert_eq!(model.graph.node_count(), 200);
        assert_eq!(model.graph.edge_count(), 1000);
        assert_eq!(model.threats.len(), 400);
        assert!(model.zones.iter().any(|z| z.depth > 0), "zones nest");
    }

    #[test]
    fn the_limit_cases_resolve() {
        for (files, components, zones) in [
            (nested_zones(50), 1, 50),
            (ladder(10), 22, 2),
            (long_name(10_000, 3), 2, 1),
        ] {
            let project = crate::open_texts(files.iter().map(|(n, t)| (n.as_str(), t.as_str())));
            let model = project.model.expect("a limit case resolves");
            assert_eq!(model.graph.node_count(), components);
            assert_eq!(model.zones.len(), zones);
        }
    }

    #[test]
    fn a_generated_knowledge_base_loads_and_every_selector_form_matches() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = generate(Size::scaled(400));
        let kb = add_knowledge_base(&mut files, 40);
        write_files(dir.path(), &files).unwrap();
        write_files(dir.path(), &kb).unwrap();
        let project = crate::open(dir.path());
        let errors: Vec<_> = project
            .diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect();
        let model = project.model.expect("loads");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(model.patterns.len(), 40);
        assert_eq!(model.recommendations.len(), 20);
        // Each selector form (one per remainder class of 20) matches somewhere.
        for form in [0, 1, 2, 8, 10, 13, 15, 17] {
            let p = &model.patterns[form];
            assert!(!p.instances.is_empty(), "p-{form} matched nothing");
        }
    }
}
