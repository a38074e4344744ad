//! The coverage matrix: for each component and STRIDE category, how many threats there
//! are and the weakest coverage among them.

use serde::Serialize;

use crate::model::{Category, Choice, Coverage, Model};
use crate::render::ReportView;

#[derive(Serialize)]
pub struct Row {
    /// Index into the view's `components`.
    pub component: usize,
    pub cells: Vec<Cell>,
}

#[derive(Serialize)]
pub struct Cell {
    pub count: usize,
    /// The weakest coverage of those threats (`uncovered` first), or none.
    pub coverage: Option<&'static str>,
}

fn coverage_of(name: &str) -> Coverage {
    Coverage::ALL
        .into_iter()
        .find(|c| c.as_str() == name)
        .unwrap_or(Coverage::Uncovered)
}

/// One row per component, one cell per STRIDE category in the format's order.
pub fn rows(model: &Model, view: &ReportView<'_>) -> Vec<Row> {
    model
        .component_ids()
        .map(|c| {
            let threats = &model.component(c).threats;
            let cells = Category::ALL
                .iter()
                .map(|(_, category)| {
                    let mut count = 0;
                    let mut worst: Option<Coverage> = None;
                    for t in threats
                        .iter()
                        .filter(|t| model.threat(**t).category == *category)
                    {
                        count += 1;
                        let cov = coverage_of(view.threats[t.index()].coverage);
                        worst = Some(worst.map_or(cov, |w| w.min(cov)));
                    }
                    Cell {
                        count,
                        coverage: worst.map(Coverage::as_str),
                    }
                })
                .collect();
            Row {
                component: c.index(),
                cells,
            }
        })
        .collect()
}
