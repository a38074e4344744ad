//! The property that threatbook → OTM → threatbook loses nothing: random models (with
//! knowledge bases, bundled and in a folder, risk inputs, `reduces`, owners, evidence,
//! reviews, not-applicable marks, acceptances, tags with odd whitespace, references to
//! `pattern@element` instances) are exported as OTM, imported, loaded, and compared
//! entity by entity, field by field.
//!
//! `cargo test --test it otm_round_trip` runs 300 cases. A longer run:
//! `OTM_ROUND_TRIP_CASES=20000 cargo test --release --test it otm_round_trip`
//! (`OTM_ROUND_TRIP_SEED` picks another sequence; a failure names its case's seed).

use std::fmt::Write;
use std::path::Path;

use threatbook::Model;

use crate::fuzz::Rng;

/// A small knowledge base of our own, beside the model folders: it is named as the
/// folder `../kb`, which resolves the same from the original and the imported folder.
const KB: &[(&str, &str)] = &[
    (
        "kb.toml",
        "[knowledge-base]\nid = \"local-kb\"\nname = \"Local knowledge\"\n",
    ),
    (
        "patterns.toml",
        r#"[[pattern]]
id = "odd-component"
title = "Odd components misbehave"
category = "tampering"
severity = "medium"
likelihood = "high"
applies-to = { element = "component", kind = ["process", "data-store"] }

[[pattern]]
id = "plain-flow"
title = "Plain flows leak"
category = "information-disclosure"
severity = "high"
impact = "critical"
cwe = [319]
applies-to = { element = "flow", encrypted = false }

[[mitigation]]
id = "be-careful"
title = "Be careful"
mitigates = ["odd-component", "plain-flow"]
reduces = 2
references = ["https://example.com/careful"]
"#,
    ),
];

const LEVELS: [&str; 4] = ["low", "medium", "high", "critical"];
const CATEGORIES: [&str; 6] = [
    "spoofing",
    "tampering",
    "repudiation",
    "information-disclosure",
    "denial-of-service",
    "elevation-of-privilege",
];
const STATUSES: [&str; 4] = ["proposed", "planned", "implemented", "verified"];

/// A TOML basic string: JSON's escapes are all TOML escapes.
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| q(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// Text that an import might trim, fold or drop.
fn odd_text(rng: &mut Rng, base: &str) -> String {
    match rng.below(8) {
        0 => format!("  {base}"),
        1 => format!("{base}  "),
        2 => format!("\t{base}\n"),
        3 => format!("{base}\nsecond line with \"quotes\" and \\ backslash"),
        4 => format!("{base} — ünïcode ✓"),
        _ => base.to_string(),
    }
}

fn description(rng: &mut Rng, out: &mut String, base: &str) {
    match rng.below(6) {
        0 => {}
        1 => out.push_str("description = \"\"\n"),
        2 => out.push_str("description = \"   \"\n"),
        _ => {
            let _ = writeln!(out, "description = {}", q(&odd_text(rng, base)));
        }
    }
}

fn opt_level(rng: &mut Rng, out: &mut String, key: &str) {
    if rng.chance(2) {
        let _ = writeln!(out, "{key} = {}", q(LEVELS[rng.below(4)]));
    }
}

fn date(rng: &mut Rng) -> String {
    format!(
        "{}-{:02}-{:02}",
        2020 + rng.below(10),
        1 + rng.below(12),
        1 + rng.below(28)
    )
}

/// The first pass of a random model: everything but references to instances.
fn model_files(rng: &mut Rng) -> Vec<(String, String)> {
    let mut manifest = String::from("[project]\n");
    let _ = writeln!(manifest, "name = {}", q(&odd_text(rng, "Project")));
    for key in ["version", "objective", "scope", "methodology", "conclusion"] {
        if rng.chance(2) {
            let _ = writeln!(manifest, "{key} = {}", q(&odd_text(rng, key)));
        }
    }
    description(rng, &mut manifest, "What it is");
    if rng.chance(2) {
        let owners: Vec<String> = (0..rng.below(3))
            .map(|i| odd_text(rng, &format!("owner{i}")))
            .collect();
        let _ = writeln!(manifest, "owners = {}", list(&owners));
    }
    let mut bases = Vec::new();
    if rng.chance(2) {
        bases.push("stride".to_string());
    }
    if rng.chance(2) {
        bases.push("../kb".to_string());
    }
    if !bases.is_empty() || rng.chance(4) {
        let _ = writeln!(manifest, "\n[knowledge]\nbases = {}", list(&bases));
        if rng.chance(2) {
            let _ = writeln!(
                manifest,
                "[knowledge.trust-levels]\nuntrusted = {{ max = {} }}",
                1 + rng.below(3)
            );
        }
    }

    let mut arch = String::new();
    let zones = 1 + rng.below(4);
    for i in 0..zones {
        let _ = write!(
            arch,
            "[[zone]]\nid = \"z{i}\"\nname = {}\ntrust = {}\n",
            q(&odd_text(rng, &format!("Zone {i}"))),
            rng.below(11)
        );
        if i > 0 && rng.chance(2) {
            let _ = writeln!(arch, "inside = \"z{}\"", rng.below(i));
        }
        description(rng, &mut arch, "zone");
    }
    let components = 1 + rng.below(6);
    let kinds = ["external-entity", "process", "data-store"];
    for i in 0..components {
        let kind = kinds[rng.below(3)];
        let _ = write!(
            arch,
            "[[component]]\nid = \"c{i}\"\nname = {}\nkind = \"{kind}\"\nzone = \"z{}\"\n",
            q(&odd_text(rng, &format!("Component {i}"))),
            rng.below(zones)
        );
        if rng.chance(2) {
            let tech = ["FastAPI", "PostgreSQL", "Redis 7", " nginx "][rng.below(4)];
            let _ = writeln!(arch, "technology = {}", q(tech));
        }
        if rng.chance(2) {
            let tags: Vec<String> = (0..1 + rng.below(3))
                .map(|t| odd_text(rng, ["web", "db", "queue", "auth"][t % 4]))
                .collect();
            let _ = writeln!(arch, "tags = {}", list(&tags));
        }
        if kind == "external-entity" && rng.chance(2) {
            let _ = writeln!(arch, "actor = {}", q(["human", "system"][rng.below(2)]));
        }
        description(rng, &mut arch, "component");
    }
    let assets = rng.below(3);
    for i in 0..assets {
        let class = ["public", "internal", "confidential", "restricted"][rng.below(4)];
        let _ = write!(
            arch,
            "[[asset]]\nid = \"a{i}\"\nname = {}\nclassification = \"{class}\"\n",
            q(&odd_text(rng, "Asset"))
        );
        description(rng, &mut arch, "asset");
    }
    let flows = if components > 1 { rng.below(6) } else { 0 };
    for i in 0..flows {
        let from = rng.below(components);
        let to = (from + 1 + rng.below(components - 1)) % components;
        let _ = write!(
            arch,
            "[[flow]]\nid = \"f{i}\"\nname = {}\nfrom = \"c{from}\"\nto = \"c{to}\"\n",
            q(&odd_text(rng, "Flow"))
        );
        if rng.chance(2) {
            let _ = writeln!(
                arch,
                "protocol = {}",
                q(["HTTPS", "gRPC", " in-process"][rng.below(3)])
            );
        }
        if assets > 0 && rng.chance(2) {
            let _ = writeln!(arch, "data = [\"a{}\"]", rng.below(assets));
        }
        for flag in ["encrypted", "authenticated"] {
            if rng.chance(2) {
                let _ = writeln!(arch, "{flag} = {}", rng.chance(2));
            }
        }
        description(rng, &mut arch, "flow");
    }

    let elements: Vec<String> = (0..components)
        .map(|i| format!("c{i}"))
        .chain((0..flows).map(|i| format!("f{i}")))
        .collect();
    let mut threats = String::new();
    let written = rng.below(5);
    for i in 0..written {
        let mut targets = vec![rng.pick(&elements).unwrap().clone()];
        if rng.chance(3) {
            targets.push(rng.pick(&elements).unwrap().clone());
            targets.dedup();
        }
        let _ = write!(
            threats,
            "[[threat]]\nid = \"t{i}\"\ntitle = {}\ncategory = \"{}\"\ntargets = {}\nseverity = \"{}\"\n",
            q(&odd_text(rng, "Threat")),
            CATEGORIES[rng.below(6)],
            list(&targets),
            LEVELS[rng.below(4)]
        );
        opt_level(rng, &mut threats, "likelihood");
        opt_level(rng, &mut threats, "impact");
        if rng.chance(2) {
            let _ = writeln!(threats, "cwe = [{}, {}]", 1 + rng.below(999), 79);
        }
        if rng.chance(3) {
            let _ = writeln!(threats, "capec = [{}]", 1 + rng.below(600));
        }
        description(rng, &mut threats, "threat");
    }
    for i in 0..rng.below(4) {
        let mitigates: Vec<String> = (0..written)
            .filter(|_| rng.chance(2))
            .map(|t| format!("t{t}"))
            .collect();
        mitigation(rng, &mut threats, &format!("m{i}"), &mitigates);
    }
    for t in 0..written {
        if rng.chance(3) {
            acceptance(rng, &mut threats, &format!("t{t}"));
        }
    }
    for _ in 0..rng.below(3) {
        let _ = write!(
            threats,
            "[[review]]\nreviewer = {}\ndate = {}\ndecision = \"{}\"\n",
            q(&odd_text(rng, "ana@example.com")),
            date(rng),
            ["approved", "changes-requested"][rng.below(2)]
        );
        if rng.chance(2) {
            let _ = writeln!(threats, "scope = {}", q(&odd_text(rng, "Whole model")));
        }
        if rng.chance(2) {
            let _ = writeln!(threats, "state = \"sha256:{:064x}\"", rng.below(1 << 30));
        }
        if rng.chance(2) {
            let _ = writeln!(threats, "notes = {}", q(&odd_text(rng, "Looks fine")));
        }
    }
    let mut marked = std::collections::BTreeSet::new();
    for _ in 0..rng.below(3) {
        let element = rng.pick(&elements).unwrap().clone();
        let category = CATEGORIES[rng.below(6)];
        if marked.insert((element.clone(), category)) {
            let _ = write!(
                threats,
                "[[not-applicable]]\nelement = \"{element}\"\ncategory = \"{category}\"\njustification = {}\n",
                q(&odd_text(rng, "Not here"))
            );
        }
    }
    vec![
        ("threatbook.toml".into(), manifest),
        ("architecture.toml".into(), arch),
        ("threats.toml".into(), threats),
    ]
}

fn mitigation(rng: &mut Rng, out: &mut String, id: &str, mitigates: &[String]) {
    let _ = write!(
        out,
        "[[mitigation]]\nid = \"{id}\"\ntitle = {}\nmitigates = {}\nstatus = \"{}\"\n",
        q(&odd_text(rng, "Mitigation")),
        list(mitigates),
        STATUSES[rng.below(4)]
    );
    if rng.chance(2) {
        let _ = writeln!(out, "reduces = {}", rng.below(4));
    }
    if rng.chance(3) {
        let _ = writeln!(
            out,
            "requires = {}",
            [
                "{ encrypted = true }",
                "{ authenticated = false }",
                "{ encrypted = false, authenticated = true }"
            ][rng.below(3)]
        );
    }
    if rng.chance(2) {
        let _ = writeln!(out, "owner = {}", q(&odd_text(rng, "team")));
    }
    if rng.chance(3) {
        let _ = writeln!(
            out,
            "references = [\"https://example.com/{id}\", \" spaced \"]"
        );
    }
    description(rng, out, "mitigation");
}

fn acceptance(rng: &mut Rng, out: &mut String, threat: &str) {
    let _ = writeln!(
        out,
        "[[acceptance]]\nthreat = \"{threat}\"\njustification = {}\napproved_by = {}\nexpires = {}",
        q(&odd_text(rng, "Fine for now")),
        q(&odd_text(rng, "ciso")),
        date(rng)
    );
}

/// The second pass: marks, mitigations, acceptances and statuses that name the
/// instances the first pass made. Patterns are marked not applicable on some elements;
/// the instances referred to lie on the others, so that every reference still holds.
fn instance_file(rng: &mut Rng, m: &Model) -> String {
    let mut out = String::new();
    let instances: Vec<(&str, &str, String)> = m
        .threats
        .iter()
        .filter_map(|t| {
            let p = t.pattern?;
            Some((
                t.id.as_str(),
                m.pattern(p).id.as_str(),
                m.target_id(*t.targets.first()?).to_string(),
            ))
        })
        .collect();
    let mut elements: Vec<&str> = instances.iter().map(|(_, _, e)| e.as_str()).collect();
    elements.dedup();
    let marked: Vec<&str> = elements.iter().copied().filter(|_| rng.chance(4)).collect();
    for (_, pattern, element) in &instances {
        if marked.contains(&element.as_str()) && rng.chance(2) {
            let _ = write!(
                out,
                "[[not-applicable]]\nelement = \"{element}\"\npattern = \"{pattern}\"\njustification = {}\n",
                q(&odd_text(rng, "Handled elsewhere"))
            );
        }
    }
    let free: Vec<&str> = instances
        .iter()
        .filter(|(_, _, e)| !marked.contains(&e.as_str()))
        .map(|(id, _, _)| *id)
        .collect();
    for i in 0..rng.below(3) {
        let mitigates: Vec<String> = free
            .iter()
            .filter(|_| rng.chance(3))
            .map(|t| t.to_string())
            .collect();
        mitigation(rng, &mut out, &format!("mk{i}"), &mitigates);
    }
    for t in &free {
        if rng.chance(6) {
            acceptance(rng, &mut out, t);
        }
    }
    // Model-wide statuses first, then some per element, as a team writes them.
    let recommended: Vec<(String, String)> = m
        .mitigations
        .iter()
        .filter_map(|x| {
            let r = m.recommendation(x.recommendation?);
            let t = m.threat(*x.mitigates.first()?);
            Some((r.id.clone(), m.target_id(*t.targets.first()?).to_string()))
        })
        .filter(|(_, e)| !marked.contains(&e.as_str()))
        .collect();
    let mut ids: Vec<&str> = recommended.iter().map(|(r, _)| r.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    for r in ids {
        if rng.chance(3) {
            status(rng, &mut out, r, None);
        }
    }
    for (r, e) in &recommended {
        if rng.chance(3) {
            status(rng, &mut out, r, Some(e));
        }
    }
    out
}

fn status(rng: &mut Rng, out: &mut String, mitigation: &str, element: Option<&str>) {
    let _ = write!(
        out,
        "[[mitigation-status]]\nmitigation = \"{mitigation}\"\nstatus = \"{}\"\n",
        STATUSES[rng.below(4)]
    );
    if let Some(e) = element {
        let _ = writeln!(out, "elements = [\"{e}\"]");
    }
    if rng.chance(2) {
        let _ = writeln!(out, "owner = {}", q(&odd_text(rng, "platform")));
    }
    if rng.chance(2) {
        let _ = writeln!(
            out,
            "evidence = [\"https://ci.example.com/{}\"]",
            rng.below(99)
        );
    }
}

fn load(dir: &Path, files: &[(String, String)], what: &str) -> Model {
    let project =
        threatbook::open_texts_in(dir, files.iter().map(|(n, t)| (n.as_str(), t.as_str())));
    let errors: Vec<String> = project
        .diagnostics
        .iter()
        .filter(|d| d.severity == threatbook::Severity::Error)
        .map(|d| format!("{}: {}", d.code.as_str(), d.message))
        .collect();
    match project.model {
        Some(m) if errors.is_empty() => m,
        _ => {
            let text: Vec<String> = files
                .iter()
                .map(|(n, t)| format!("==> {n} <==\n{t}"))
                .collect();
            panic!("{what} does not load: {errors:?}\n{}", text.join("\n"));
        }
    }
}

/// Every entity and field of a resolved model, one line each, in model order.
///
/// Left out, and why: spans (the imported model is written in other files, so
/// positions differ) and a knowledge base's `origin` (the folder it was read from,
/// which is reached from another model folder). Everything else is compared, the
/// indices that link entities included, so order counts too.
pub fn dump(m: &Model) -> Vec<String> {
    let threatbook::Model {
        project,
        zones,
        graph,
        assets,
        threats,
        mitigations,
        acceptances,
        reviews,
        not_applicable,
        knowledge_bases,
        patterns,
        recommendations,
        near_misses,
        implied_roles,
        trust_levels,
        ..
    } = m;
    let mut out = Vec::new();
    let threatbook::model::Project {
        name,
        version,
        description,
        objective,
        scope,
        methodology,
        conclusion,
        owners,
        span: _,
    } = project;
    out.push(format!(
        "project {:?}",
        (
            name,
            version,
            description,
            objective,
            scope,
            methodology,
            conclusion,
            owners
        )
    ));
    for z in zones {
        let threatbook::model::Zone {
            id,
            name,
            trust,
            parent,
            children,
            depth,
            description,
            span: _,
        } = z;
        out.push(format!(
            "zone {:?}",
            (id, name, trust, parent, children, depth, description)
        ));
    }
    for c in graph.node_weights() {
        let threatbook::model::Component {
            id,
            name,
            kind,
            zone,
            technology,
            tags,
            actor,
            description,
            threats,
            span: _,
        } = c;
        out.push(format!(
            "component {:?}",
            (
                id,
                name,
                kind,
                zone,
                technology,
                tags,
                actor,
                description,
                threats
            )
        ));
    }
    for e in graph.edge_indices() {
        let threatbook::model::Flow {
            id,
            name,
            from,
            to,
            protocol,
            data,
            encrypted,
            authenticated,
            description,
            crossing,
            threats,
            span: _,
        } = &graph[e];
        out.push(format!(
            "flow {:?}",
            (
                id,
                name,
                from,
                to,
                protocol,
                data,
                encrypted,
                authenticated,
                description,
                crossing,
                threats
            )
        ));
    }
    for a in assets {
        let threatbook::model::Asset {
            id,
            name,
            classification,
            description,
            span: _,
        } = a;
        out.push(format!(
            "asset {:?}",
            (id, name, classification, description)
        ));
    }
    for t in threats {
        let threatbook::model::Threat {
            id,
            title,
            category,
            severity,
            likelihood,
            impact,
            targets,
            cwe,
            capec,
            description,
            mitigations,
            acceptances,
            pattern,
            replaces,
            not_applicable,
            span: _,
        } = t;
        out.push(format!(
            "threat {:?} {:?}",
            (id, title, category, severity, likelihood, impact, targets),
            (
                cwe,
                capec,
                description,
                mitigations,
                acceptances,
                pattern,
                replaces,
                not_applicable
            )
        ));
    }
    for x in mitigations {
        let threatbook::model::Mitigation {
            id,
            title,
            status,
            // Where the status was written: a position, like `span`.
            status_span: _,
            requires,
            contradicted,
            reduces,
            mitigates,
            owner,
            references,
            evidence,
            description,
            recommendation,
            also,
            span: _,
        } = x;
        out.push(format!(
            "mitigation {:?} {:?}",
            (
                id,
                title,
                status,
                reduces,
                mitigates,
                owner,
                references,
                evidence,
                description,
                recommendation,
                also
            ),
            (requires, contradicted)
        ));
    }
    for a in acceptances {
        let threatbook::model::Acceptance {
            threat,
            justification,
            approved_by,
            expires,
            expires_span: _,
            span: _,
        } = a;
        out.push(format!(
            "acceptance {:?}",
            (threat, justification, approved_by, expires)
        ));
    }
    for r in reviews {
        let threatbook::model::Review {
            reviewer,
            date,
            scope,
            decision,
            notes,
            state,
            span: _,
        } = r;
        out.push(format!(
            "review {:?}",
            (
                reviewer,
                date,
                scope,
                decision,
                notes,
                state.as_ref().map(|s| s.value)
            )
        ));
    }
    for n in not_applicable {
        let threatbook::model::NotApplicable {
            element,
            category,
            pattern,
            justification,
            span: _,
        } = n;
        out.push(format!(
            "not-applicable {:?}",
            (element, category, pattern, justification)
        ));
    }
    for k in knowledge_bases {
        let threatbook::model::KnowledgeBase {
            id,
            name,
            version,
            description,
            origin: _,
            named,
            patterns,
            recommendations,
            vocabulary,
        } = k;
        out.push(format!(
            "knowledge base {:?}",
            (
                id,
                name,
                version,
                description,
                named,
                patterns,
                recommendations,
                vocabulary.len()
            )
        ));
    }
    for p in patterns {
        out.push(format!("pattern {:?} {:?}", p.id, p.instances));
    }
    for r in recommendations {
        out.push(format!("recommendation {:?} {:?}", r.id, r.instances));
    }
    for n in near_misses {
        out.push(format!(
            "near miss {:?}",
            (n.element, n.pattern, &n.reason, &n.fix, n.no_role)
        ));
    }
    out.push(format!("implied roles {implied_roles:?}"));
    out.push(format!("trust levels {trust_levels:?}"));
    out
}

/// What a case held, to check that the generator reaches every feature.
fn features(m: &Model) -> [(&'static str, bool); 10] {
    [
        (
            "knowledge-base instances",
            m.threats.iter().any(|t| t.pattern.is_some()),
        ),
        (
            "folder knowledge base",
            m.knowledge_bases.iter().any(|k| k.named == "../kb"),
        ),
        (
            "likelihood or impact",
            m.threats
                .iter()
                .any(|t| t.likelihood.is_some() || t.impact.is_some()),
        ),
        (
            "reduces other than 1",
            m.mitigations.iter().any(|x| x.reduces != 1),
        ),
        (
            "evidence",
            m.mitigations.iter().any(|x| !x.evidence.is_empty()),
        ),
        (
            "a requirement",
            m.mitigations.iter().any(|x| !x.requires.is_empty()),
        ),
        ("reviews", !m.reviews.is_empty()),
        (
            "pattern marked not applicable",
            m.not_applicable.iter().any(|n| n.pattern.is_some()),
        ),
        (
            "acceptance of an instance",
            m.acceptances
                .iter()
                .any(|a| m.threat(a.threat).pattern.is_some()),
        ),
        (
            "written mitigation of an instance",
            m.mitigations.iter().any(|x| {
                x.recommendation.is_none()
                    && x.mitigates.iter().any(|t| m.threat(*t).pattern.is_some())
            }),
        ),
    ]
}

/// One case: the model of `seed`, exported, imported and loaded again.
fn round_trip(seed: u64, original_dir: &Path, imported_dir: &Path) -> [(&'static str, bool); 10] {
    let mut rng = Rng::new(seed);
    let mut files = model_files(&mut rng);
    let first = load(original_dir, &files, &format!("case {seed}, first pass"));
    files.push(("instances.toml".into(), instance_file(&mut rng, &first)));
    let original = load(original_dir, &files, &format!("case {seed}"));

    let otm = threatbook::export::otm::to_otm(&original);
    let value: serde_json::Value = serde_json::from_str(&otm).unwrap();
    let options = threatbook::import::Options {
        accept_until: threatbook::model::Date::parse("2030-01-01").unwrap(),
        model_folder: Some(imported_dir.to_path_buf()),
    };
    let draft = threatbook::import::otm::import(Path::new("case.otm.json"), &value, &options)
        .unwrap_or_else(|e| panic!("case {seed}: {e}"));
    // Nothing was lost or guessed, so nothing is noted.
    assert!(draft.notes.is_empty(), "case {seed}: {:?}", draft.notes);
    let entity_notes: Vec<&String> = draft
        .zones
        .iter()
        .map(|x| &x.origin)
        .chain(draft.components.iter().map(|x| &x.origin))
        .chain(draft.assets.iter().map(|x| &x.origin))
        .chain(draft.flows.iter().map(|x| &x.origin))
        .chain(draft.threats.iter().map(|x| &x.origin))
        .chain(draft.mitigations.iter().map(|x| &x.origin))
        .flat_map(|o| &o.notes)
        .collect();
    assert!(entity_notes.is_empty(), "case {seed}: {entity_notes:?}");
    let written = threatbook::import::render_files(&draft);
    assert!(written.iter().all(|(n, _)| n != "NOTES.md"), "case {seed}");
    let back = load(imported_dir, &written, &format!("case {seed}, imported"));

    let (a, b) = (dump(&original), dump(&back));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y, "case {seed}: first difference");
    }
    assert_eq!(a.len(), b.len(), "case {seed}: entity count");
    features(&original)
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn otm_round_trip_keeps_every_entity_and_field_of_random_models() {
    let cases = env_number("OTM_ROUND_TRIP_CASES", 300);
    let seed = env_number("OTM_ROUND_TRIP_SEED", 0x07a1_7219);
    let tmp = tempfile::tempdir().unwrap();
    let kb = tmp.path().join("kb");
    std::fs::create_dir_all(&kb).unwrap();
    for (name, text) in KB {
        std::fs::write(kb.join(name), text).unwrap();
    }
    let (original, imported) = (tmp.path().join("original"), tmp.path().join("imported"));
    std::fs::create_dir_all(&original).unwrap();
    std::fs::create_dir_all(&imported).unwrap();
    let mut seen: std::collections::BTreeMap<&str, u64> = Default::default();
    for i in 0..cases {
        let case = crate::fuzz::case_seed(seed, i);
        for (feature, present) in round_trip(case, &original, &imported) {
            *seen.entry(feature).or_default() += u64::from(present);
        }
    }
    // Each feature is in at least one case in twenty: the property is tested on it.
    for (feature, n) in &seen {
        assert!(n * 20 >= cases, "only {n} of {cases} cases have {feature}");
    }
    eprintln!("{cases} random models round-tripped through OTM; cases per feature: {seen:?}");
}
