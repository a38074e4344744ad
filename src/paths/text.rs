//! The plain-text listing of attack paths that `threatbook paths` prints.

use std::fmt::Write;

use super::{Analysis, path_out};
use crate::diag::count;
use crate::model::Model;

/// One block per path, fully unprotected ones first, after a line of counts.
pub fn text(model: &Model, analysis: &Analysis) -> String {
    let unprotected = analysis.paths.iter().filter(|p| p.unprotected).count();
    let mut out = format!(
        "{}, {}: {} ({unprotected} fully unprotected), {} unreachable\n",
        count(analysis.sources.len(), "source"),
        count(analysis.targets.len(), "target"),
        count(analysis.paths.len(), "path"),
        count(analysis.unreachable.len(), "target"),
    );
    for (n, p) in analysis.paths.iter().enumerate() {
        let p = path_out(model, p);
        let _ = write!(out, "\n{}. {}", n + 1, p.components.join(" -> "));
        if p.unprotected {
            out.push_str("  [fully unprotected]");
        }
        let _ = write!(out, "\n   flows: {}\n", p.flows.join(", "));
        for s in &p.steps {
            let risk = s
                .residual_risk
                .map_or("no threats".to_string(), |r| format!("residual risk {r}"));
            let _ = writeln!(
                out,
                "   step {} -> {}: {} ({} of {} mitigated or accepted, {risk})",
                s.flow,
                s.to,
                match s.protection {
                    super::Protection::Protected => "protected",
                    super::Protection::Partial => "partly protected",
                    super::Protection::Unprotected => "unprotected",
                },
                s.handled,
                count(s.threats, "threat"),
            );
        }
        if p.open_threats.is_empty() {
            out.push_str("   open threats: none\n");
        } else {
            let _ = writeln!(out, "   open threats: {}", p.open_threats.join(", "));
        }
    }
    if !analysis.unreachable.is_empty() {
        let ids: Vec<&str> = analysis
            .unreachable
            .iter()
            .map(|c| model.component(*c).id.as_str())
            .collect();
        let _ = write!(out, "\nunreachable: {}\n", ids.join(", "));
    }
    out
}
