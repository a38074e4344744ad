//! Writing a resolved model in other tools' formats.

pub mod otm;
