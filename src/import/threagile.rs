//! placeholder
use std::path::Path;
use super::{Draft, ImportError, Options};
pub fn import(file: &Path, _value: &serde_json::Value, _o: &Options) -> Result<Draft, ImportError> {
    Err(ImportError::invalid(file, "$", "not yet"))
}
