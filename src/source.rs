//! The text of every file a model was read from, and positions inside it.
//!
//! Loading keeps the text of each file so that a diagnostic found at any later stage can
//! point at a line and column and show the offending snippet. This module only stores
//! and indexes text; it never reads the disk (that is `load`'s job).

use std::ops::Range;
use std::path::{Path, PathBuf};

/// Index of a file in [`Sources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(u32);

impl FileId {
    /// The id the `index`-th file added to a [`Sources`] gets.
    pub fn from_index(index: usize) -> FileId {
        FileId(u32::try_from(index).expect("fewer than 2^32 files"))
    }

    /// The position of the file in [`Sources`], counting from 0 in the order files were added.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A byte range inside one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            file,
            start: clamp(range.start),
            end: clamp(range.end.max(range.start)),
        }
    }

    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Where a parsed text begins: its file, and the byte offset of its first byte in that
/// file. A large file is parsed in pieces, and the parser's ranges are relative to the
/// piece; an origin turns them into spans of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: FileId,
    pub offset: usize,
}

impl Origin {
    /// The span of `range`, a range of the parsed text.
    pub fn span(self, range: Range<usize>) -> Span {
        Span::new(
            self.file,
            range.start + self.offset..range.end + self.offset,
        )
    }
}

impl From<FileId> for Origin {
    /// A whole file: ranges are the file's own.
    fn from(file: FileId) -> Origin {
        Origin { file, offset: 0 }
    }
}

/// A value together with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sp<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Sp<T> {
    pub fn new(value: T, span: Span) -> Self {
        Sp { value, span }
    }
}

/// One file of a model.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as it is shown to users (the model folder joined with the relative path).
    pub path: PathBuf,
    /// The path relative to the model folder, with `/` separators.
    pub relative: String,
    pub text: String,
    /// Whether the file belongs to a knowledge base the model uses rather than to the
    /// model's own folder.
    pub is_knowledge: bool,
    /// Whether the file is one of a knowledge base bundled with threatbook (not on disk).
    pub is_bundled: bool,
    /// The byte offset of each line's start, worked out when a position in the file is
    /// first asked for: most runs never ask, and on a large model the table is a
    /// megabyte per million lines.
    line_starts: std::sync::OnceLock<Box<[u32]>>,
}

impl SourceFile {
    fn new(path: PathBuf, relative: String, text: String) -> Self {
        SourceFile {
            path,
            relative,
            text,
            is_knowledge: false,
            is_bundled: false,
            line_starts: std::sync::OnceLock::new(),
        }
    }

    /// The byte offset of each line's start. Offsets are `u32`, as spans are: a file
    /// is read only up to the load's size limit, far below 4 GiB.
    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            // A plain byte scan: lines of TOML are short, and a search per line costs
            // more than looking at every byte.
            let newlines = self.text.bytes().filter(|b| *b == b'\n').count();
            let mut starts = Vec::with_capacity(newlines + 1);
            starts.push(0);
            starts.extend(
                self.text
                    .bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
            );
            starts.into_boxed_slice()
        })
    }

    /// The line (from 0) holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        match self.line_starts().binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let start = self.line_starts()[line] as usize;
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, column + 1)
    }
}

/// All files of a model, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, path: PathBuf, relative: String, text: String) -> FileId {
        let id = FileId::from_index(self.files.len());
        self.files.push(SourceFile::new(path, relative, text));
        id
    }

    /// Marks a file as part of a knowledge base, with the name it has in bundles and
    /// exports (`knowledge/<id>/<file>`), and whether that knowledge base is bundled.
    pub fn mark_knowledge(&mut self, id: FileId, relative: String, bundled: bool) {
        let file = &mut self.files[id.0 as usize];
        file.relative = relative;
        file.is_knowledge = true;
        file.is_bundled = bundled;
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Path, line and column of the start of a span.
    pub fn locate(&self, span: Span) -> (&Path, usize, usize) {
        let file = self.get(span.file);
        let (line, col) = file.line_col(span.start as usize);
        (&file.path, line, col)
    }
}

impl<'a> codespan_reporting::files::Files<'a> for Sources {
    type FileId = FileId;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<String, codespan_reporting::files::Error> {
        self.files
            .get(id.0 as usize)
            .map(|f| f.path.display().to_string())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.files
            .get(id.0 as usize)
            .map(|f| f.text.as_str())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn line_index(
        &'a self,
        id: FileId,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        let file = self
            .files
            .get(id.0 as usize)
            .ok_or(codespan_reporting::files::Error::FileMissing)?;
        Ok(file.line_of(byte_index))
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let file = self
            .files
            .get(id.0 as usize)
            .ok_or(codespan_reporting::files::Error::FileMissing)?;
        let starts = file.line_starts();
        let start =
            *starts
                .get(line_index)
                .ok_or(codespan_reporting::files::Error::LineTooLarge {
                    given: line_index,
                    max: starts.len() - 1,
                })? as usize;
        let end = starts
            .get(line_index + 1)
            .map_or(file.text.len(), |s| *s as usize);
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let mut s = Sources::default();
        let id = s.add("a.toml".into(), "a.toml".into(), "ab\né = 1\nx".into());
        let f = s.get(id);
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        // 'é' is two bytes; the '=' after it and a space is the third character.
        assert_eq!(f.line_col(6), (2, 3));
        assert_eq!(f.line_col(10), (3, 1));
        assert_eq!(f.line_col(999), (3, 2));
    }
}
