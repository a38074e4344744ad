//! The template functions that give one element of the view's large lists, made when a
//! template asks for it: `threat(i=…)`, `mitigation(i=…)`, `component(i=…)`,
//! `flow(i=…)` and `finding(i=…)`; and `indices(of=…)`, the numbers of a list's
//! elements, to loop over one without it.
//!
//! `threats[i]` needs the whole list as a template value, and the template engine's
//! copy of it is a hash map of one or two kilobytes per element: with knowledge bases
//! the threats and mitigations are most of a large model, without them the flows are.
//! The functions make the one element asked for from the view being rendered and drop
//! it when the template is done with it. The built-in templates use them; the lists
//! stay in the context of any template that reads them, so templates written for the
//! lists work as before.
//!
//! Tera's functions are registered once and must not borrow, while the view borrows
//! the model; so the view is reachable through a scoped thread-local, set only while a
//! template of that view renders on this thread ([`with_view`]).

use scoped_tls_hkt::scoped_thread_local;
use tera::{Kwargs, State, TeraResult, Value};

use super::view::ReportView;

/// The view a template is being rendered from.
#[derive(Clone, Copy)]
struct Current<'a> {
    view: &'a ReportView<'a>,
}

scoped_thread_local!(static CURRENT: for<'a> Current<'a>);

/// Runs `render` with `view` reachable by the template functions of this module.
pub(super) fn with_view<R>(view: &ReportView<'_>, render: impl FnOnce() -> R) -> R {
    CURRENT.set(Current { view }, render)
}

/// A list reachable one element at a time.
struct List {
    /// Its name in the context (`threats`).
    name: &'static str,
    /// The name of the function that gives one element (`threat`).
    function: &'static str,
    /// Element `i` of a view's list, `None` past the end.
    make: fn(&ReportView<'_>, usize) -> Option<TeraResult<Value>>,
    /// The length of a view's list.
    len: fn(&ReportView<'_>) -> usize,
}

const LISTS: [List; 5] = [
    List {
        name: "threats",
        function: "threat",
        make: |v, i| v.threat_value(i),
        len: |v| v.threats.len(),
    },
    List {
        name: "mitigations",
        function: "mitigation",
        make: |v, i| v.mitigation_value(i),
        len: |v| v.mitigations.len(),
    },
    List {
        name: "components",
        function: "component",
        make: |v, i| v.component_value(i),
        len: |v| v.components.len(),
    },
    List {
        name: "flows",
        function: "flow",
        make: |v, i| v.flow_value(i),
        len: |v| v.flows.len(),
    },
    List {
        name: "findings",
        function: "finding",
        make: |v, i| v.finding_value(i),
        len: |v| v.findings.len(),
    },
];

/// Registers the function of each of [`LISTS`], and `indices`.
pub(super) fn register(tera: &mut tera::Tera) {
    for list in LISTS {
        tera.register_function(list.function, move |kwargs: Kwargs, _: &State| {
            element(&kwargs, list.function, list.name, |view, i| {
                ((list.len)(view), (list.make)(view, i))
            })
        });
    }
    tera.register_function("indices", |kwargs: Kwargs, _: &State| {
        let of: String = kwargs.must_get("of")?;
        let Some(list) = LISTS.iter().find(|list| list.name == of) else {
            let names: Vec<String> = LISTS.iter().map(|l| format!("\"{}\"", l.name)).collect();
            return Err(tera::Error::message(format!(
                "indices(of=\"{of}\"): `of` is one of {}",
                names.join(", ")
            )));
        };
        let n = current("indices", list.len)?;
        Ok(Value::from((0..n as u64).collect::<Vec<u64>>()))
    });
}

/// `read` of the view being rendered, or the error that `function` has none.
fn current<R>(function: &str, read: impl FnOnce(&ReportView<'_>) -> R) -> TeraResult<R> {
    if !CURRENT.is_set() {
        return Err(tera::Error::message(format!(
            "{function}() is only available in templates rendered from a model's view"
        )));
    }
    Ok(CURRENT.with(|current| read(current.view)))
}

/// Element `i` (the argument) of a list of the current view: `make` gives the list's
/// length and the element, if there is one.
fn element(
    kwargs: &Kwargs,
    function: &str,
    list: &str,
    make: impl FnOnce(&ReportView<'_>, usize) -> (usize, Option<TeraResult<Value>>),
) -> TeraResult<Value> {
    let i: usize = kwargs.must_get("i")?;
    match current(function, |view| make(view, i))? {
        (_, Some(value)) => value,
        (len, None) => Err(tera::Error::message(format!(
            "{function}(i={i}): the model has {len} {list}, numbered from 0"
        ))),
    }
}
