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
    let categories = [
        "spoofing",
        "tampering",
        "repudiation",
        "information-disclosure",
        "denial-of-service",
        "elevation-of-privilege",
    ];
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
            categories[rng.next(6)],
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

/// Writes a generated model into `dir`.
pub fn write(dir: &std::path::Path, size: Size) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in generate(size) {
        std::fs::write(dir.join(name), text)?;
    }
    Ok(())
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
}
