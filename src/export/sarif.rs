//! The SARIF 2.1.0 export: each diagnostic is a result whose rule is its code, located
//! at the TOML file, line and column it points at, so code-scanning viewers (GitHub's
//! among them) show uncovered threats on the model's own lines.
//!
//! Only the part of SARIF threatbook needs is modelled. Every diagnostic code is a rule,
//! in [`Code::ALL`] order, so a rule's index never depends on the model. Relative paths
//! are written as relative URIs (with `/`), resolved against `%SRCROOT%`, the folder the
//! command ran in; columns count Unicode code points, as the run declares.

use serde::Serialize;

use super::Input;
use crate::diag::{Code, Diagnostic, Location, Severity};
use crate::source::{Sources, Span};

/// The `$schema` a SARIF 2.1.0 log names.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base id relative artifact URIs are resolved against.
pub const SOURCE_ROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    artifacts: Vec<Artifact>,
    results: Vec<ResultOut>,
    /// The model's threat counts per coverage state, so that a SARIF consumer sees the
    /// same figures as the reports (SARIF's property bag).
    properties: RunProperties,
}

#[derive(Serialize)]
struct RunProperties {
    /// The day coverage was judged on.
    today: String,
    threats: usize,
    /// Threats per coverage state (`mitigated`, `proposed-only`, …), each counted once.
    coverage: std::collections::BTreeMap<&'static str, usize>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: String,
    short_description: Message,
    full_description: Message,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct Artifact {
    location: ArtifactLocation,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultOut {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<LocationOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<LocationOut>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LocationOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A path as a URI reference: forward slashes, relative paths against [`SOURCE_ROOT`],
/// absolute ones as `file://` URIs. Characters URIs reserve are percent-encoded.
fn artifact_location(path: &std::path::Path) -> ArtifactLocation {
    let text = path.to_string_lossy().replace('\\', "/");
    let text = text.trim_start_matches("./");
    let mut uri = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    if path.is_absolute() {
        let uri = if uri.starts_with('/') {
            format!("file://{uri}")
        } else {
            format!("file:///{uri}")
        };
        ArtifactLocation {
            uri,
            uri_base_id: None,
            index: None,
        }
    } else {
        ArtifactLocation {
            uri,
            uri_base_id: Some(SOURCE_ROOT),
            index: None,
        }
    }
}

fn region(sources: &Sources, span: Span) -> Region {
    let file = sources.get(span.file);
    let (start_line, start_column) = file.line_col(span.start as usize);
    let (end_line, end_column) = file.line_col(span.end as usize);
    Region {
        start_line,
        start_column,
        end_line,
        end_column,
    }
}

fn span_location(sources: &Sources, span: Span) -> PhysicalLocation {
    let mut artifact_location = artifact_location(&sources.get(span.file).path);
    artifact_location.index = Some(span.file.index());
    PhysicalLocation {
        artifact_location,
        region: Some(region(sources, span)),
    }
}

fn result(sources: &Sources, d: &Diagnostic) -> ResultOut {
    let physical_location = match &d.location {
        Location::Span(span) => span_location(sources, *span),
        Location::Path(path) => PhysicalLocation {
            artifact_location: artifact_location(path),
            region: None,
        },
    };
    let mut text = d.message.clone();
    for help in &d.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    ResultOut {
        rule_id: d.code.as_str(),
        rule_index: Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0),
        level: level(d.severity),
        message: Message { text },
        locations: vec![LocationOut {
            id: None,
            physical_location,
            message: None,
        }],
        related_locations: d
            .related
            .iter()
            .enumerate()
            .map(|(i, (span, message))| LocationOut {
                id: Some(i),
                physical_location: span_location(sources, *span),
                message: Some(Message {
                    text: message.clone(),
                }),
            })
            .collect(),
    }
}

fn rule(code: Code) -> Rule {
    let summary = code.summary();
    let short = summary.split([':', ';']).next().unwrap_or(summary);
    Rule {
        id: code.as_str(),
        name: code
            .as_str()
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect(),
        short_description: Message {
            text: short.trim_end_matches('.').to_string() + ".",
        },
        full_description: Message {
            text: summary.to_string(),
        },
        default_configuration: Configuration {
            level: level(code.severity()),
        },
    }
}

/// The SARIF log of `input`: pretty JSON with a final newline.
pub fn export(input: &Input<'_>) -> String {
    super::pretty_json(&log(input))
}

/// [`export`], written to `out` as it is made.
pub fn export_to(input: &Input<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    super::pretty_json_to(&log(input), out)
}

fn log(input: &Input<'_>) -> Log {
    Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: env!("CARGO_PKG_NAME"),
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: Code::ALL.iter().map(|c| rule(*c)).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            artifacts: input
                .sources
                .iter()
                .map(|(_, f)| Artifact {
                    location: artifact_location(&f.path),
                })
                .collect(),
            results: input
                .findings
                .iter()
                .map(|d| result(input.sources, d))
                .collect(),
            properties: RunProperties {
                today: input.today.to_string(),
                threats: input.model.threats.len(),
                coverage: {
                    let mut by: std::collections::BTreeMap<&'static str, usize> =
                        crate::model::Coverage::ALL
                            .iter()
                            .map(|c| (c.as_str(), 0))
                            .collect();
                    for t in input.model.threat_ids() {
                        *by.entry(input.model.coverage(t, input.today).as_str())
                            .or_default() += 1;
                    }
                    by
                },
            },
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        let rel = artifact_location(std::path::Path::new("./models/my app/model.toml"));
        assert_eq!(rel.uri, "models/my%20app/model.toml");
        assert_eq!(rel.uri_base_id, Some(SOURCE_ROOT));
        let abs = artifact_location(std::path::Path::new("/srv/m/threatbook.toml"));
        assert_eq!(abs.uri, "file:///srv/m/threatbook.toml");
        assert_eq!(abs.uri_base_id, None);
    }

    #[test]
    fn rule_names_are_pascal_case_codes() {
        assert_eq!(rule(Code::UncoveredThreat).name, "UncoveredThreat");
        assert_eq!(
            rule(Code::UncoveredThreat).default_configuration.level,
            "error"
        );
    }
}
