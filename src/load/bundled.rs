//! The knowledge bases that ship inside the binary, embedded from `catalog/`.
//!
//! A model names one by its id (`bases = ["stride"]`). The file list is written out
//! here; a test checks it against the folders in `catalog/`, so that a file added there
//! cannot be forgotten.

/// A knowledge base embedded in the binary.
pub struct BundledKb {
    pub id: &'static str,
    /// Its folder, relative to the crate root.
    pub folder: &'static str,
    /// (file name relative to the folder, text), the manifest first.
    pub files: &'static [(&'static str, &'static str)],
}

macro_rules! bundled {
    ($($id:literal in $folder:literal: [$($file:literal),* $(,)?];)*) => {
        /// Every bundled knowledge base, in the order `kb list` shows them.
        pub const BUNDLED: &[BundledKb] = &[$(
            BundledKb {
                id: $id,
                folder: $folder,
                files: &[$(($file, include_str!(concat!("../../", $folder, "/", $file))),)*],
            },
        )*];
    };
}

bundled! {
    "stride" in "catalog/stride": [
        "kb.toml",
        "data-stores.toml",
        "external-entities.toml",
        "flows.toml",
        "mitigations.toml",
        "processes.toml",
    ];
    "fastapi" in "catalog/fastapi/kb": [
        "kb.toml",
        "mitigations.toml",
        "patterns-components.toml",
        "patterns-flows.toml",
        "vocabulary.toml",
    ];
}

/// The bundled knowledge base with this id.
pub fn get(id: &str) -> Option<&'static BundledKb> {
    BUNDLED.iter().find(|kb| kb.id == id)
}

/// The ids of the bundled knowledge bases.
pub fn names() -> Vec<&'static str> {
    BUNDLED.iter().map(|kb| kb.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `*.toml` below a bundled folder (skipping nested models and knowledge
    /// bases) is embedded, and nothing else.
    #[test]
    fn the_embedded_files_are_the_files_in_catalog() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for kb in BUNDLED {
            let mut diags = crate::diag::Diagnostics::default();
            let on_disk: Vec<String> = super::super::discover::discover_with(
                &root.join(kb.folder),
                super::super::discover::KB_MANIFEST,
                &mut diags,
            )
            .into_iter()
            .map(|f| f.relative)
            .collect();
            let mut embedded: Vec<String> = kb.files.iter().map(|(f, _)| f.to_string()).collect();
            let mut sorted = on_disk.clone();
            sorted.sort();
            embedded.sort();
            assert_eq!(
                embedded, sorted,
                "{}: update src/load/bundled.rs",
                kb.folder
            );
            assert_eq!(
                kb.files[0].0,
                super::super::discover::KB_MANIFEST,
                "{}",
                kb.id
            );
        }
    }
}
