//! Reviews that can be committed: the state of a model that a review approves
//! ([`state`]), and recording a new `[[review]]` entry in the model's files ([`record()`]).
//!
//! A review entry is cut out of the state, so the commit that adds it does not make it
//! stale; any other edit does. Nothing here prints or picks exit codes, and the only
//! file it writes goes through [`crate::output`].

pub mod record;
pub mod state;

pub use self::record::{NewReview, RecordError, Recorded, record};
