//! The template functions `threat(i=…)` and `mitigation(i=…)`: one element of the
//! view's two largest lists, made when a template asks for it.
//!
//! `threats[i]` needs the whole list as a template value, and the template engine's
//! copy of it is a hash map of one or two kilobytes per threat: with knowledge bases,
//! most of a large model. The functions make the one element asked for from the view
//! being rendered and drop it when the template is done with it. The built-in
//! templates use them; `threats` and `mitigations` stay in the context of any template
//! that reads them, so templates written for the lists work as before.
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

/// Registers `threat` and `mitigation`.
pub(super) fn register(tera: &mut tera::Tera) {
    tera.register_function("threat", |kwargs: Kwargs, _: &State| {
        element(&kwargs, "threat", "threats", |view, i| {
            (view.threats.len(), view.threat_value(i))
        })
    });
    tera.register_function("mitigation", |kwargs: Kwargs, _: &State| {
        element(&kwargs, "mitigation", "mitigations", |view, i| {
            (view.mitigations.len(), view.mitigation_value(i))
        })
    });
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
    if !CURRENT.is_set() {
        return Err(tera::Error::message(format!(
            "{function}() is only available in templates rendered from a model's view"
        )));
    }
    CURRENT.with(|current| match make(current.view, i) {
        (_, Some(value)) => value,
        (len, None) => Err(tera::Error::message(format!(
            "{function}(i={i}): the model has {len} {list}, numbered from 0"
        ))),
    })
}
