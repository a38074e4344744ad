//! `stride-coverage`: every element must have each STRIDE category that applies to its
//! kind considered, by a threat of that category on it or by a `[[not-applicable]]`
//! marking with a justification. Off unless asked for (`check --stride-coverage`), so
//! models written without STRIDE-per-element are not flooded with findings.
//!
//! Which categories apply follows the STRIDE-per-element table of Microsoft's Security
//! Development Lifecycle: external entities can be spoofed and can deny what they did;
//! processes are open to all six; data stores and data flows can be tampered with, leak
//! and be made unavailable. (The SDL table also lists repudiation for data stores that
//! hold audit logs; the format cannot tell a log from other data, so it is left out.)
//! The coverage percentage the summary reports comes from [`gaps`] too.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::{Category, Choice, ComponentKind, Model, Target};

/// The STRIDE categories that apply to an element of a kind (`None` for a flow).
pub fn applicable(kind: Option<ComponentKind>) -> &'static [Category] {
    use Category::*;
    match kind {
        Some(ComponentKind::ExternalEntity) => &[Spoofing, Repudiation],
        Some(ComponentKind::Process) => &[
            Spoofing,
            Tampering,
            Repudiation,
            InformationDisclosure,
            DenialOfService,
            ElevationOfPrivilege,
        ],
        Some(ComponentKind::DataStore) | None => {
            &[Tampering, InformationDisclosure, DenialOfService]
        }
    }
}

/// Each element's applicable categories, and which of them nothing considers.
pub struct Gaps {
    /// Elements (components, then flows, in model order) with the categories missing.
    pub missing: Vec<(Target, Vec<Category>)>,
    /// How many (element, category) pairs apply in all.
    pub applicable: usize,
}

impl Gaps {
    /// The share of applicable pairs considered, in whole percent rounded down (100 for
    /// a model with nothing to consider).
    pub fn percent(&self) -> u8 {
        let missing: usize = self.missing.iter().map(|(_, c)| c.len()).sum();
        if self.applicable == 0 {
            return 100;
        }
        ((self.applicable - missing) * 100 / self.applicable) as u8
    }
}

/// The STRIDE gaps of every element.
pub fn gaps(model: &Model) -> Gaps {
    // Bit i set: category i is considered for the element.
    let bit = |c: Category| 1u8 << (c as u8);
    let mut components = vec![0u8; model.graph.node_count()];
    let mut flows = vec![0u8; model.graph.edge_count()];
    let mut mark = |t: Target, c: Category| match t {
        Target::Component(n) => components[n.index()] |= bit(c),
        Target::Flow(f) => flows[f.index()] |= bit(c),
    };
    for threat in &model.threats {
        for t in &threat.targets {
            mark(*t, threat.category);
        }
    }
    for n in &model.not_applicable {
        mark(n.element, n.category);
    }
    let mut result = Gaps {
        missing: Vec::new(),
        applicable: 0,
    };
    let elements = model
        .component_ids()
        .map(|c| {
            let kind = Some(model.component(c).kind);
            (Target::Component(c), kind, components[c.index()])
        })
        .chain(
            model
                .flow_ids()
                .map(|f| (Target::Flow(f), None, flows[f.index()])),
        );
    for (target, kind, seen) in elements {
        let wanted = applicable(kind);
        result.applicable += wanted.len();
        let missing: Vec<Category> = wanted
            .iter()
            .copied()
            .filter(|c| seen & bit(*c) == 0)
            .collect();
        if !missing.is_empty() {
            result.missing.push((target, missing));
        }
    }
    result
}

pub fn run(model: &Model, diags: &mut Diagnostics) {
    for (target, missing) in gaps(model).missing {
        let (what, span) = match target {
            Target::Component(c) => {
                let c = model.component(c);
                (c.kind.as_str(), c.span)
            }
            Target::Flow(f) => ("flow", model.flow(f).span),
        };
        let names: Vec<&str> = missing.iter().map(|c| c.as_str()).collect();
        let id = model.target_id(target);
        diags.push(
            Diagnostic::at(
                Code::StrideCoverage,
                span,
                format!(
                    "{what} `{id}` has no threat for {}: {}",
                    if missing.len() == 1 {
                        "one STRIDE category that applies"
                    } else {
                        "STRIDE categories that apply"
                    },
                    names.join(", ")
                ),
            )
            .with_label(format!("{} missing", missing.len()))
            .with_help(format!(
                "add a [[threat]] of each category on `{id}`, or a [[not-applicable]] with \
                 `element = \"{id}\"`, the category and a justification"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Options;
    use crate::check::testing::{BASE, codes_with};
    use crate::model::Date;

    fn options() -> Options {
        let mut o = Options::new(Date::parse("2027-01-01").unwrap());
        o.stride_coverage = true;
        o
    }

    fn model(entities: &str) -> Model {
        let project = crate::open_texts([
            ("threatbook.toml", "[project]\nname = \"t\"\n"),
            ("m.toml", entities),
        ]);
        project.model.expect("resolves")
    }

    fn threat(id: &str, category: &str, target: &str) -> String {
        format!(
            "[[threat]]\nid = \"{id}\"\ntitle = \"T\"\ncategory = \"{category}\"\ntargets = [\"{target}\"]\nseverity = \"low\"\n"
        )
    }

    #[test]
    fn the_table_follows_stride_per_element() {
        assert_eq!(applicable(Some(ComponentKind::ExternalEntity)).len(), 2);
        assert_eq!(applicable(Some(ComponentKind::Process)).len(), 6);
        assert_eq!(
            applicable(Some(ComponentKind::DataStore)),
            &[
                Category::Tampering,
                Category::InformationDisclosure,
                Category::DenialOfService
            ]
        );
        assert_eq!(applicable(None), applicable(Some(ComponentKind::DataStore)));
    }

    #[test]
    fn gaps_are_listed_per_element_and_counted_in_the_percentage() {
        // user: 2 apply, api: 6 apply; nothing considered.
        let g = gaps(&model(BASE));
        assert_eq!(g.applicable, 8);
        assert_eq!(g.percent(), 0);
        assert_eq!(g.missing.len(), 2);
        assert_eq!(
            g.missing[0].1,
            vec![Category::Spoofing, Category::Repudiation]
        );

        let na = "[[not-applicable]]\nelement = \"user\"\ncategory = \"repudiation\"\njustification = \"Anonymous reads only.\"\n";
        let text = format!("{BASE}{}{na}", threat("t1", "spoofing", "user"));
        let g = gaps(&model(&text));
        assert_eq!(g.missing.len(), 1, "user is fully considered");
        assert_eq!(g.percent(), 25); // 2 of 8
    }

    #[test]
    fn flows_need_tampering_disclosure_and_denial_of_service() {
        let flow = "[[flow]]\nid = \"f\"\nname = \"F\"\nfrom = \"user\"\nto = \"api\"\n";
        let text = format!(
            "{BASE}{flow}{}{}",
            threat("t1", "tampering", "f"),
            threat("t2", "spoofing", "f")
        );
        let g = gaps(&model(&text));
        let (target, missing) = g.missing.last().unwrap();
        assert!(matches!(target, Target::Flow(_)));
        assert_eq!(
            missing,
            &vec![Category::InformationDisclosure, Category::DenialOfService]
        );
    }

    #[test]
    fn the_rule_runs_only_when_asked_for() {
        let on = codes_with(BASE, &options());
        assert_eq!(on.iter().filter(|c| **c == Code::StrideCoverage).count(), 2);
        let off = codes_with(BASE, &Options::new(Date::parse("2027-01-01").unwrap()));
        assert!(!off.contains(&Code::StrideCoverage));
    }

    #[test]
    fn a_marking_of_an_unknown_element_or_without_a_reason_does_not_load() {
        for (na, code) in [
            (
                "element = \"usr\"\ncategory = \"spoofing\"\njustification = \"j\"\n",
                Code::DanglingReference,
            ),
            (
                "element = \"user\"\ncategory = \"spoofing\"\njustification = \" \"\n",
                Code::InvalidValue,
            ),
            (
                "element = \"user\"\ncategory = \"phishing\"\njustification = \"j\"\n",
                Code::InvalidValue,
            ),
            (
                "element = \"user\"\ncategory = \"spoofing\"\n",
                Code::MissingField,
            ),
        ] {
            let text = format!("{BASE}[[not-applicable]]\n{na}");
            let project = crate::open_texts([
                ("threatbook.toml", "[project]\nname = \"t\"\n"),
                ("m.toml", &text),
            ]);
            let codes: Vec<Code> = project.diagnostics.iter().map(|d| d.code).collect();
            assert!(codes.contains(&code), "{na}: {codes:?}");
            assert!(project.model.is_none(), "{na}");
        }
    }

    #[test]
    fn an_empty_model_is_fully_covered() {
        let g = gaps(&model(""));
        assert_eq!((g.applicable, g.percent()), (0, 100));
    }
}
