//! The JSON Schema of the model files, derived from the raw types with schemars.
//!
//! `threatbook schema` prints it; `schema/threatbook.schema.json` is a committed copy
//! that editors point at, kept identical by a test. `threatbook schema --kb` prints the
//! schema of knowledge-base files, committed as `schema/knowledge-base.schema.json`.

use crate::load::RawModel;
use crate::load::kb::RawKbFile;

/// Where the committed copy lives, relative to the repository root.
pub const COMMITTED_PATH: &str = "schema/threatbook.schema.json";

/// Where the committed copy of the knowledge-base schema lives.
pub const KB_COMMITTED_PATH: &str = "schema/knowledge-base.schema.json";

/// The schema of a threatbook model file, as pretty JSON with a final newline.
pub fn model_schema() -> String {
    pretty(schemars::schema_for!(RawModel))
}

/// The schema of a knowledge-base file, as pretty JSON with a final newline.
pub fn kb_schema() -> String {
    pretty(schemars::schema_for!(RawKbFile))
}

fn pretty(schema: schemars::Schema) -> String {
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Diagnostics;
    use crate::load::raw::*;
    use crate::load::reader::TableReader;
    use crate::source::{Sources, Span};

    /// The keys the loader asks for when reading an entity.
    fn keys_read(read: impl Fn(&mut TableReader<'_, '_>, &mut Diagnostics)) -> Vec<String> {
        let mut sources = Sources::default();
        let file = sources.add("t".into(), "t".into(), String::new());
        let empty = toml::de::DeTable::parse("").unwrap();
        let mut r = TableReader::new(file, empty.get_ref(), Span::new(file, 0..0), "t");
        read(&mut r, &mut Diagnostics::default());
        let mut keys: Vec<String> = r.requested().iter().map(|k| k.to_string()).collect();
        keys.sort();
        keys
    }

    fn schema_keys(schema: &serde_json::Value, definition: &str) -> Vec<String> {
        let props = &schema["$defs"][definition]["properties"];
        let mut keys: Vec<String> = props
            .as_object()
            .unwrap_or_else(|| panic!("no definition {definition}"))
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    }

    #[test]
    fn the_loader_reads_exactly_the_keys_the_schema_documents() {
        let schema: serde_json::Value = serde_json::from_str(&model_schema()).unwrap();
        let cases: [(&str, Vec<String>); 12] = [
            (
                "RawMitigationStatus",
                keys_read(|r, d| drop(read_mitigation_status(r, d))),
            ),
            (
                "RawKnowledge",
                keys_read(|r, d| {
                    drop(r.list::<String>("bases", d));
                    let _ = crate::load::kb::read_trust_levels(r, d);
                }),
            ),
            ("RawProject", keys_read(|r, d| drop(read_project(r, d)))),
            ("RawZone", keys_read(|r, d| drop(read_zone(r, d)))),
            ("RawComponent", keys_read(|r, d| drop(read_component(r, d)))),
            ("RawAsset", keys_read(|r, d| drop(read_asset(r, d)))),
            ("RawFlow", keys_read(|r, d| drop(read_flow(r, d)))),
            ("RawThreat", keys_read(|r, d| drop(read_threat(r, d)))),
            (
                "RawMitigation",
                keys_read(|r, d| drop(read_mitigation(r, d))),
            ),
            (
                "RawAcceptance",
                keys_read(|r, d| drop(read_acceptance(r, d))),
            ),
            ("RawReview", keys_read(|r, d| drop(read_review(r, d)))),
            (
                "RawNotApplicable",
                keys_read(|r, d| drop(read_not_applicable(r, d))),
            ),
        ];
        for (definition, read) in cases {
            assert_eq!(schema_keys(&schema, definition), read, "{definition}");
        }
        let mut top: Vec<String> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        top.sort();
        let mut expected: Vec<String> = crate::load::ENTITY_TABLES
            .iter()
            .map(|s| s.to_string())
            .collect();
        expected.push("project".into());
        expected.push("knowledge".into());
        expected.sort();
        assert_eq!(top, expected);
    }

    #[test]
    fn the_knowledge_base_reader_reads_exactly_the_keys_the_schema_documents() {
        use crate::load::kb::*;
        let schema: serde_json::Value = serde_json::from_str(&kb_schema()).unwrap();
        assert_eq!(
            schema_keys(&schema, "RawPattern"),
            keys_read(|r, d| drop(read_pattern(r, d)))
        );
        assert_eq!(
            schema_keys(&schema, "RawRecommendation"),
            keys_read(|r, d| drop(read_recommendation(r, d)))
        );
        // A selector reads the keys of both kinds of element (the other kind's are errors).
        let mut selector: Vec<String> = ["element"]
            .iter()
            .chain(&COMPONENT_KEYS)
            .chain(&FLOW_KEYS)
            .map(|k| k.to_string())
            .collect();
        selector.sort();
        assert_eq!(schema_keys(&schema, "RawSelector"), selector);
        // A condition may be one value or a list; a trust range may leave a bound out.
        let defs = &schema["$defs"];
        let kind = defs["RawSelector"]["properties"]["kind"]["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .expect("kind refers to a definition");
        let shapes = defs[kind]["anyOf"].as_array().expect("one or a list");
        assert_eq!(shapes.len(), 2);
        assert_eq!(shapes[1]["type"], "array");
        assert!(defs["TrustRange"].get("required").is_none());
    }

    #[test]
    fn the_committed_schemas_are_up_to_date() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for (path, schema, flag) in [
            (COMMITTED_PATH, model_schema(), ""),
            (KB_COMMITTED_PATH, kb_schema(), " --kb"),
        ] {
            let committed = std::fs::read_to_string(root.join(path)).unwrap_or_default();
            if committed != schema {
                panic!(
                    "{path} is out of date; regenerate it with \
                     `cargo run -- schema{flag} > {path}`"
                );
            }
        }
    }
}
