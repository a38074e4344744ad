//! `near-miss`: a knowledge-base pattern that an element fails by one condition a small
//! edit would meet (a tag a letter off, a technology word inside another word, a
//! missing role tag). One note per element and reason, listing the patterns the edit
//! would apply.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::{Model, Target};

pub fn run(model: &Model, diags: &mut Diagnostics) {
    let misses = &model.near_misses;
    let mut i = 0;
    while i < misses.len() {
        // Near misses come element by element.
        let j = i + misses[i..]
            .iter()
            .take_while(|m| m.element == misses[i].element)
            .count();
        let group = &misses[i..j];
        i = j;
        // A close tag says more than "plays no role": keep only the former then.
        let specific = group.iter().any(|m| !m.no_role);
        let group: Vec<_> = group.iter().filter(|m| !specific || !m.no_role).collect();
        let mut done = vec![false; group.len()];
        for a in 0..group.len() {
            if done[a] {
                continue;
            }
            let (mut patterns, mut fixes) = (Vec::new(), Vec::<&str>::new());
            for b in a..group.len() {
                if !done[b] && group[b].reason == group[a].reason {
                    done[b] = true;
                    patterns.push(format!("`{}`", model.patterns[group[b].pattern.index()].id));
                    if !fixes.contains(&group[b].fix.as_str()) {
                        fixes.push(&group[b].fix);
                    }
                }
            }
            let (id, span) = match group[a].element {
                Target::Component(c) => (&model.graph[c].id, model.graph[c].span),
                Target::Flow(f) => (&model.graph[f].id, model.graph[f].span),
            };
            let which = if patterns.len() == 1 {
                format!("pattern {}", patterns[0])
            } else {
                format!("patterns {}", patterns.join(", "))
            };
            diags.push(
                Diagnostic::at(
                    Code::NearMiss,
                    span,
                    format!("{which} almost apply to `{id}`: {}", group[a].reason),
                )
                .with_label("one condition short")
                .with_help(fixes.join("; ")),
            );
        }
    }
}
