//! Render: documents made from a model through tera templates.
//!
//! Built-in templates and site assets are embedded at compile time ([`theme`]); a user
//! folder given with `--templates` replaces any of them by file name. Templates see only
//! the view structs of [`view`], never the model. A document is a root template and its
//! sections; the sections are rendered one after another, each with a context of only
//! the values its template reads (module `reads`), then handed to the root. This module
//! returns text; writing it anywhere is the caller's business.

pub mod escape;
mod filters;
mod lookup;
pub mod markdown;
mod reads;
pub mod theme;
mod tidy;
pub mod view;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};
use tera::{Context, Tera};

pub use self::theme::Theme;
use self::tidy::Tidy;
pub use self::view::{ReportInput, ReportView};

/// Output formats of `render`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Markdown,
    /// One self-contained HTML file: inline CSS and diagram, no script.
    Html,
}

const SECTIONS: [&str; 7] = [
    "introduction",
    "overview",
    "components",
    "flows",
    "mitigations",
    "coverage",
    "conclusion",
];

/// The order sections are rendered in. Each section's context holds only what its
/// template reads, and a value is dropped once no section after it reads it, so the
/// order decides how many of the large lists (`threats`, `flows`, `mitigations`,
/// `components`) are held at once: at most two or three, never all.
const RENDER_ORDER: [&str; 7] = [
    "introduction",
    "conclusion",
    "overview",
    "components",
    "mitigations",
    "coverage",
    "flows",
];

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }

    /// The template that assembles the document from its sections.
    pub fn root(self) -> String {
        format!("report.{}.tera", self.extension())
    }

    /// The sections of the document: (name in `sections`, template). Each is rendered on
    /// its own, in parallel, then handed to the root template.
    pub fn sections(self) -> Vec<(&'static str, String)> {
        SECTIONS
            .iter()
            .map(|s| (*s, format!("report-{s}.{}.tera", self.extension())))
            .collect()
    }
}

/// What can go wrong while rendering.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot read template folder {path}: {source}")]
    TemplateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
}

/// A writer that passes a template's output through a [`Tidy`] to `out`, in chunks of
/// [`TidyWriter::CHUNK`] bytes cut at a character boundary.
struct TidyWriter<'t, 'o> {
    tidy: &'t mut Tidy,
    /// Bytes not yet tidied.
    pending: Vec<u8>,
    out: &'o mut dyn std::io::Write,
}

impl TidyWriter<'_, '_> {
    const CHUNK: usize = 64 * 1024;

    /// Tidies the pending bytes up to the last whole character and writes what is ready.
    fn pass(&mut self) -> std::io::Result<()> {
        let whole = match std::str::from_utf8(&self.pending) {
            Ok(text) => text.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "a template wrote text that is not UTF-8",
                ));
            }
        };
        // The prefix was just checked.
        let text = std::str::from_utf8(&self.pending[..whole]).unwrap_or_default();
        self.tidy.push(text);
        self.pending.drain(..whole);
        self.out.write_all(self.tidy.take_ready().as_bytes())
    }
}

/// The write error that a failed render `e` stands for, if it is one; else `e`.
fn io_error_in(e: tera::Error) -> Result<std::io::Error, tera::Error> {
    use std::error::Error as _;
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return Ok(std::io::Error::new(io.kind(), io.to_string()));
        }
        source = s.source();
    }
    Err(e)
}

/// The `<style>` elements of one piece of a page that arrives in chunks: the hashes
/// [`style_hashes`] gives for the piece whole.
#[derive(Default)]
struct StyleScan {
    /// Bytes kept: the start of a `<style` that may continue in the next chunk, or the
    /// element being read (from just after its `<style`).
    kept: Vec<u8>,
    /// Whether `kept` is an element being read.
    inside: bool,
    hashes: Vec<String>,
}

impl StyleScan {
    const OPEN: &[u8] = b"<style";
    const CLOSE: &[u8] = b"</style>";

    fn feed(&mut self, bytes: &[u8]) {
        let mut input = std::borrow::Cow::Borrowed(bytes);
        loop {
            if !self.inside {
                let Some(after) = self.open_in(&input) else {
                    return;
                };
                input = match input {
                    std::borrow::Cow::Borrowed(b) => std::borrow::Cow::Borrowed(&b[after..]),
                    std::borrow::Cow::Owned(mut v) => {
                        v.drain(..after);
                        std::borrow::Cow::Owned(v)
                    }
                };
                self.inside = true;
            }
            self.kept.extend_from_slice(&input);
            match self.close() {
                Some(rest) => {
                    input = std::borrow::Cow::Owned(rest);
                    self.inside = false;
                }
                None => return,
            }
        }
    }

    /// Where, in `input`, the first `<style` (possibly begun in the bytes kept from
    /// before) ends; when there is none, keeps the end of `input` that could begin one.
    fn open_in(&mut self, input: &[u8]) -> Option<usize> {
        let tail = self.kept.len();
        let head = input.len().min(Self::OPEN.len() - 1);
        let mut probe = std::mem::take(&mut self.kept);
        probe.extend_from_slice(&input[..head]);
        // One begun before `input` ends within its first bytes (the tail is shorter).
        let found = find(&probe, Self::OPEN)
            .map(|p| p + Self::OPEN.len() - tail)
            .or_else(|| find(input, Self::OPEN).map(|p| p + Self::OPEN.len()));
        if found.is_none() {
            probe.truncate(tail);
            if input.len() >= Self::OPEN.len() - 1 {
                probe.clear();
            }
            let from = input.len().saturating_sub(Self::OPEN.len() - 1);
            probe.extend_from_slice(&input[from..]);
            let extra = probe.len().saturating_sub(Self::OPEN.len() - 1);
            probe.drain(..extra);
        } else {
            probe.clear();
        }
        self.kept = probe;
        found
    }

    /// Looks at the element being read (kept from just after its `<style`): once it is
    /// closed, or another `<style` begins first, gives the bytes after it.
    fn close(&mut self) -> Option<Vec<u8>> {
        let segment = &self.kept;
        // An element runs to the next `<style` at the latest, as in `style_hashes`.
        let next = find(segment, Self::OPEN);
        let end = next.unwrap_or(segment.len());
        let body = segment[..end]
            .iter()
            .position(|b| *b == b'>')
            .and_then(|gt| find(&segment[gt + 1..end], Self::CLOSE).map(|c| (gt + 1, c)));
        let rest_from = match (body, next) {
            (Some((from, len)), _) => {
                let digest = Sha256::digest(&segment[from..from + len]);
                self.hashes.push(format!(
                    "'sha256-{}'",
                    base64::engine::general_purpose::STANDARD.encode(digest)
                ));
                from + len + Self::CLOSE.len()
            }
            // Another `<style` before this one closed: this one is no element.
            (None, Some(n)) => n,
            // Not closed yet: keep reading it.
            (None, None) => return None,
        };
        let rest = self.kept.split_off(rest_from);
        self.kept.clear();
        Some(rest)
    }
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(p) = hay[at..].iter().position(|b| *b == needle[0]) {
        let i = at + p;
        // Most `<` of a page open other elements: their second byte tells at once.
        if hay.get(i + 1) == needle.get(1) && hay[i..].starts_with(needle) {
            return Some(i);
        }
        at = i + 1;
    }
    None
}

/// A writer that passes a section's HTML to `out`, its styles looked for on the way.
struct ScanWriter<'s, 'o> {
    scan: &'s mut StyleScan,
    out: &'o mut std::io::BufWriter<std::fs::File>,
}

impl std::io::Write for ScanWriter<'_, '_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.scan.feed(bytes);
        self.out.write_all(bytes)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::io::Write for TidyWriter<'_, '_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= Self::CHUNK {
            self.pass()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.pass()?;
        if self.pending.is_empty() {
            Ok(())
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "a template's text ends inside a character",
            ))
        }
    }
}

/// What can go wrong while a report is written as it is made.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Write(#[from] std::io::Error),
}

fn template_error(name: &str, e: tera::Error) -> RenderError {
    // tera 2 errors render rustc-style, with the template's own lines.
    RenderError::Template {
        name: name.to_string(),
        message: e.to_string(),
    }
}

/// Stands in the HTML report's CSP until the styles it must allow are known.
const CSP_PLACEHOLDER: &str = "threatbook-content-security-policy";

/// A tera instance loaded with a theme's templates and our filters.
pub struct Renderer {
    tera: Tera,
    theme: Theme,
}

impl Renderer {
    /// The built-in theme, each file replaced by one of the same name in `overrides`.
    pub fn new(overrides: Option<&Path>) -> Result<Renderer, RenderError> {
        Renderer::with_theme(Theme::load(overrides)?)
    }

    pub fn with_theme(theme: Theme) -> Result<Renderer, RenderError> {
        let mut tera = Tera::new();
        tera.autoescape_on([".html.tera", ".svg.tera"]);
        tera.set_escape_fn(escape::html);
        // Filters first: tera checks at load time that every filter a template uses exists.
        filters::register(&mut tera);
        lookup::register(&mut tera);
        tera.add_raw_templates(
            theme
                .templates
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str())),
        )
        .map_err(|e| template_error("(loading)", e))?;
        Ok(Renderer { tera, theme })
    }

    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    /// Renders one template with `context`.
    pub fn render_template(&self, name: &str, context: &Context) -> Result<String, RenderError> {
        self.tera
            .render(name, context)
            .map_err(|e| template_error(name, e))
    }

    /// Renders `view` as a `format` document: the sections, then the root.
    ///
    /// Each template gets a context of only the values it reads, built from the view
    /// when first needed and dropped after the last template that reads it: the
    /// template engine's copy of a large model's lists is several times the view, and
    /// no section reads them all.
    pub fn render(&self, format: Format, view: &ReportView<'_>) -> Result<String, RenderError> {
        self.render_document(format, view)
            .map(Document::into_string)
    }

    /// Renders `view` as [`Renderer::render`] does, and keeps the document in the
    /// pieces it was made of (the sections as rendered, the root's text between them):
    /// a large report is then never held twice, and is written piece by piece.
    pub fn render_document(
        &self,
        format: Format,
        view: &ReportView<'_>,
    ) -> Result<Document, RenderError> {
        lookup::with_view(view, || self.render_sections(format, view))
    }

    /// Renders a template of `view` with `context`: the template functions `threat()`
    /// and `mitigation()` read their elements from `view`.
    pub fn render_view_template(
        &self,
        view: &ReportView<'_>,
        name: &str,
        context: &Context,
    ) -> Result<String, RenderError> {
        lookup::with_view(view, || self.render_template(name, context))
    }

    /// Writes `view` as a `format` document to `out` as it is made, in the order of the
    /// document, so the document is never held whole; the bytes are those of
    /// [`Renderer::render`].
    ///
    /// - Markdown: each section goes through the tidy pass as the template engine
    ///   writes it.
    /// - HTML: the page's content-security policy, in its head, allows the styles of
    ///   the whole page, so everything after the head goes to a temporary file first
    ///   (its styles found on the way) and is copied to `out` after the head once the
    ///   policy is known.
    ///
    /// Only the built-in root places the sections where this can see them: with a root
    /// of the user's, when the model's text happens to hold a section marker, or (HTML)
    /// when no temporary file can be made, nothing is written and `Ok(false)` says so;
    /// the caller then renders the document whole.
    pub fn write_document(
        &self,
        format: Format,
        view: &ReportView<'_>,
        out: &mut dyn std::io::Write,
    ) -> Result<bool, StreamError> {
        lookup::with_view(view, || match format {
            Format::Markdown => self.write_markdown_sections(view, out),
            Format::Html => self.write_html_sections(view, out),
        })
    }

    fn write_html_sections(
        &self,
        view: &ReportView<'_>,
        out: &mut dyn std::io::Write,
    ) -> Result<bool, StreamError> {
        use std::io::{Seek, Write};
        let mut extra = Context::new();
        extra.insert("css", self.theme.asset_text("style.css"));
        extra.insert("csp", CSP_PLACEHOLDER);
        let Some((spliced, in_order)) = self.frame_in_order(Format::Html, view, &extra)? else {
            return Ok(false);
        };
        // The policy goes where the head has its placeholder, before every section.
        let head_end = spliced
            .spans
            .first()
            .map_or(spliced.frame.len(), |(r, _)| r.start);
        let head = &spliced.frame[..head_end];
        if head.matches(CSP_PLACEHOLDER).count() != 1 {
            return Ok(false);
        }
        let mut values = Values::new(view, in_order.iter().map(|t| self.reads(t)).collect());
        let mut styles: Vec<String> = style_hashes(head).collect();
        // Without a temporary folder to write to, the page is made whole instead.
        let Ok(spill) = tempfile::tempfile() else {
            return Ok(false);
        };
        let mut rest = std::io::BufWriter::with_capacity(64 * 1024, spill);
        let write_piece = |piece: &str,
                           rest: &mut std::io::BufWriter<std::fs::File>,
                           styles: &mut Vec<String>| {
            styles.extend(style_hashes(piece));
            rest.write_all(piece.as_bytes())
        };
        for (k, ((range, _), template)) in spliced.spans.iter().zip(&in_order).enumerate() {
            if k > 0 {
                let between = &spliced.frame[spliced.spans[k - 1].0.end..range.start];
                write_piece(between, &mut rest, &mut styles)?;
            }
            let context = values.next_context(&extra)?;
            // The section goes to the temporary file as the template engine makes it,
            // its styles looked for on the way: not even the largest is held whole.
            let mut scan = StyleScan::default();
            let mut through = ScanWriter {
                scan: &mut scan,
                out: &mut rest,
            };
            self.render_into(template, &context, &mut through)?;
            styles.extend(scan.hashes);
        }
        let tail_start = spliced
            .spans
            .last()
            .map_or(spliced.frame.len(), |(r, _)| r.end);
        write_piece(&spliced.frame[tail_start..], &mut rest, &mut styles)?;
        let mut rest = rest.into_inner().map_err(|e| e.into_error())?;
        out.write_all(
            head.replacen(CSP_PLACEHOLDER, &policy_of_styles(styles), 1)
                .as_bytes(),
        )?;
        rest.rewind()?;
        std::io::copy(&mut rest, out)?;
        Ok(true)
    }

    /// The built-in root of `format` rendered with a marker for each section, and the
    /// sections' templates in the order the document has them; none with a root of the
    /// user's, or when the model's text holds a marker (it would be taken for one).
    fn frame_in_order(
        &self,
        format: Format,
        view: &ReportView<'_>,
        extra: &Context,
    ) -> Result<Option<(Spliced, Vec<String>)>, RenderError> {
        let root_name = format.root();
        if !self.theme.is_builtin(&root_name) {
            return Ok(None);
        }
        let sections = format.sections();
        let names: Vec<&str> = sections.iter().map(|(name, _)| *name).collect();
        let markers: BTreeMap<&str, String> = names
            .iter()
            .map(|name| (*name, section_marker(name)))
            .collect();
        let mut context = Values::new(view, vec![self.reads(&root_name)]).next_context(extra)?;
        context.insert("sections", &markers);
        let frame = self.render_template(&root_name, &context)?;
        drop(context);
        Ok(splice(frame, &names).map(|spliced| {
            let in_order = spliced
                .spans
                .iter()
                .map(|(_, k)| sections[*k].1.clone())
                .collect();
            (spliced, in_order)
        }))
    }

    /// Renders `template` into `out` as the template engine makes it. A failed write is
    /// reported as itself, not as the template's error.
    fn render_into(
        &self,
        template: &str,
        context: &Context,
        out: &mut impl std::io::Write,
    ) -> Result<(), StreamError> {
        self.tera
            .render_to(template, context, out)
            .map_err(|e| match io_error_in(e) {
                Ok(write) => StreamError::Write(write),
                Err(e) => StreamError::Render(template_error(template, e)),
            })
    }

    fn write_markdown_sections(
        &self,
        view: &ReportView<'_>,
        out: &mut dyn std::io::Write,
    ) -> Result<bool, StreamError> {
        let extra = Context::new();
        let Some((spliced, in_order)) = self.frame_in_order(Format::Markdown, view, &extra)? else {
            return Ok(false);
        };
        let mut values = Values::new(view, in_order.iter().map(|t| self.reads(t)).collect());
        let mut tidy = Tidy::with_capacity(0);
        let mut at = 0;
        for ((range, _), template) in spliced.spans.iter().zip(&in_order) {
            tidy.push(&spliced.frame[at..range.start]);
            let context = values.next_context(&extra)?;
            // The section goes through the tidy pass to `out` as the template engine
            // makes it: not even the largest section is held whole.
            let mut through = TidyWriter {
                tidy: &mut tidy,
                pending: Vec::with_capacity(TidyWriter::CHUNK),
                out: &mut *out,
            };
            self.render_into(template, &context, &mut through)?;
            std::io::Write::flush(&mut through)?;
            at = range.end;
        }
        tidy.push(&spliced.frame[at..]);
        out.write_all(tidy.take_ready().as_bytes())?;
        out.write_all(tidy.finish_rest().as_bytes())?;
        Ok(true)
    }

    fn render_sections(
        &self,
        format: Format,
        view: &ReportView<'_>,
    ) -> Result<Document, RenderError> {
        let root_name = format.root();
        let mut sections = format.sections();
        sections.sort_by_key(|(name, _)| RENDER_ORDER.iter().position(|s| s == name));
        let builtin_root = self.theme.is_builtin(&root_name);
        // The templates in the order they are rendered: a built-in root first (it only
        // places markers where the sections go), a user's root last (it gets the text).
        let mut order: Vec<&str> = sections.iter().map(|(_, t)| t.as_str()).collect();
        if builtin_root {
            order.insert(0, &root_name);
        } else {
            order.push(&root_name);
        }
        let mut values = Values::new(view, order.iter().map(|t| self.reads(t)).collect());
        let mut extra = Context::new();
        if format == Format::Html {
            extra.insert("css", self.theme.asset_text("style.css"));
            extra.insert("csp", CSP_PLACEHOLDER);
        }
        // Handing the sections to tera would copy the whole document twice (into the
        // context, then into its output). The built-in root only prints each section as
        // it is, so it is rendered with a marker in place of each, and the sections are
        // spliced in at the markers.
        let mut frame = None;
        if builtin_root {
            let markers: BTreeMap<&str, String> = sections
                .iter()
                .map(|(name, _)| (*name, section_marker(name)))
                .collect();
            let mut context = values.next_context(&extra)?;
            context.insert("sections", &markers);
            frame = Some(self.render_template(&root_name, &context)?);
        }
        let mut texts = Vec::with_capacity(sections.len());
        for (_, template) in &sections {
            let context = values.next_context(&extra)?;
            texts.push(self.render_template(template, &context)?);
        }
        let names: Vec<&str> = sections.iter().map(|(name, _)| *name).collect();
        let pieces = match frame.and_then(|frame| splice(frame, &names)) {
            Some(spliced) => spliced.assemble(texts),
            None => {
                // A user's root gets the sections' text and what it reads; so does the
                // built-in one when the data happens to contain a marker (it was
                // rendered first, so its values have to be built again).
                let mut context = if builtin_root {
                    values.context_of_all(&extra)?
                } else {
                    values.next_context(&extra)?
                };
                let map: BTreeMap<&str, &str> = names
                    .iter()
                    .zip(&texts)
                    .map(|(name, text)| (*name, text.as_str()))
                    .collect();
                context.insert("sections", &map);
                let whole = self.render_template(&root_name, &context)?;
                drop(texts);
                vec![whole]
            }
        };
        let mut pieces = match format {
            Format::Markdown => {
                let mut tidy = Tidy::with_capacity(0);
                // Each piece is dropped once tidied: the document is held about once.
                for piece in pieces {
                    tidy.push(&piece);
                    tidy.cut();
                }
                tidy.finish()
            }
            Format::Html => pieces.into_iter().filter(|p| !p.is_empty()).collect(),
        };
        if format == Format::Html {
            let csp = content_security_policy_of(pieces.iter().map(String::as_str));
            if let Some((piece, at)) = pieces
                .iter()
                .enumerate()
                .find_map(|(k, p)| p.find(CSP_PLACEHOLDER).map(|at| (k, at)))
            {
                pieces[piece].replace_range(at..at + CSP_PLACEHOLDER.len(), &csp);
            }
        }
        Ok(Document { pieces })
    }

    /// The context values (of [`view::CONTEXT_KEYS`]) template `name` can read.
    pub fn reads(&self, name: &str) -> Vec<&'static str> {
        match reads::reads(&self.theme.templates, name) {
            Some(names) => view::CONTEXT_KEYS
                .into_iter()
                .filter(|k| names.contains(k))
                .collect(),
            None => view::CONTEXT_KEYS.to_vec(),
        }
    }
}

/// What stands in the root template for section `name` until the section is spliced in.
fn section_marker(name: &str) -> String {
    format!("\u{1}threatbook-section:{name}\u{1}")
}

/// A rendered document in pieces: the document is the pieces one after another.
#[derive(Debug, Default)]
pub struct Document {
    pieces: Vec<String>,
}

impl Document {
    /// The document's length in bytes.
    pub fn len(&self) -> usize {
        self.pieces.iter().map(String::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pieces, in order.
    pub fn pieces(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().map(String::as_str)
    }

    /// The pieces, in order, as owned strings.
    pub fn into_pieces(self) -> Vec<String> {
        self.pieces
    }

    /// The whole document as one string.
    pub fn into_string(self) -> String {
        let mut pieces = self.pieces;
        if pieces.len() == 1 {
            return pieces.pop().unwrap_or_default();
        }
        let mut text = String::with_capacity(pieces.iter().map(String::len).sum());
        for piece in pieces {
            text.push_str(&piece);
        }
        text
    }
}

/// The root template's text (the frame) with the place of each section in it.
struct Spliced {
    frame: String,
    /// Where each section goes in `frame` (the marker it replaces) and its index in the
    /// rendered sections, in document order.
    spans: Vec<(std::ops::Range<usize>, usize)>,
}

/// Finds the marker of each section (named in rendering order) in `frame`; none when a
/// marker is not in the frame exactly once.
fn splice(frame: String, names: &[&str]) -> Option<Spliced> {
    let mut spans = Vec::with_capacity(names.len());
    for (k, name) in names.iter().enumerate() {
        let marker = section_marker(name);
        let mut found = frame.match_indices(marker.as_str()).map(|(at, _)| at);
        let at = found.next()?;
        if found.next().is_some() {
            return None;
        }
        spans.push((at..at + marker.len(), k));
    }
    spans.sort_by_key(|(range, _)| range.start);
    Some(Spliced { frame, spans })
}

impl Spliced {
    /// The document's pieces in order: the frame's text between markers, and in place of
    /// each marker its section's text (`texts`, in rendering order), moved, not copied.
    fn assemble(self, texts: Vec<String>) -> Vec<String> {
        let mut texts: Vec<Option<String>> = texts.into_iter().map(Some).collect();
        let mut pieces = Vec::with_capacity(2 * self.spans.len() + 1);
        let mut at = 0;
        for (range, k) in &self.spans {
            pieces.push(self.frame[at..range.start].to_string());
            pieces.push(texts[*k].take().unwrap_or_default());
            at = range.end;
        }
        pieces.push(self.frame[at..].to_string());
        pieces
    }
}

/// A policy for a page with no script, no external resource, and only the inline
/// `<style>` elements it has now (each allowed by its hash).
pub fn content_security_policy(html: &str) -> String {
    content_security_policy_of(std::iter::once(html))
}

/// [`content_security_policy`] of a page in pieces. A `<style>` element is looked for
/// within each piece: the report's pieces are its sections and the root's text around
/// them, and none of them opens an element that another one closes.
fn content_security_policy_of<'p>(pieces: impl Iterator<Item = &'p str>) -> String {
    policy_of_styles(pieces.flat_map(style_hashes).collect())
}

/// The hash source (`'sha256-…'`) of each `<style>` element of `html`.
fn style_hashes(html: &str) -> impl Iterator<Item = String> + '_ {
    style_elements(html).map(|css| {
        let digest = Sha256::digest(css.as_bytes());
        format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    })
}

/// The policy that allows exactly the styles of `styles` (hash sources, in any order,
/// repeated or not).
fn policy_of_styles(mut styles: Vec<String>) -> String {
    styles.sort();
    styles.dedup();
    let style_src = if styles.is_empty() {
        "'none'".to_string()
    } else {
        styles.join(" ")
    };
    format!(
        "default-src 'none'; style-src {style_src}; img-src data:; base-uri 'none'; form-action 'none'"
    )
}

/// The contents of each `<style>` element of a page we generated.
fn style_elements(html: &str) -> impl Iterator<Item = &str> {
    html.split("<style").skip(1).filter_map(|rest| {
        let open_end = rest.find('>')?;
        let body = &rest[open_end + 1..];
        body.find("</style>").map(|close| &body[..close])
    })
}

/// The context values of a view, each built when a template first reads it and dropped
/// after the last template that reads it.
struct Values<'v, 'a> {
    view: &'v ReportView<'a>,
    /// What each template reads, in rendering order; the front one is next.
    plan: std::collections::VecDeque<Vec<&'static str>>,
    built: BTreeMap<&'static str, tera::Value>,
}

impl<'v, 'a> Values<'v, 'a> {
    fn new(view: &'v ReportView<'a>, plan: Vec<Vec<&'static str>>) -> Self {
        Values {
            view,
            plan: plan.into(),
            built: BTreeMap::new(),
        }
    }

    /// The context of the next template in the plan: `extra` and what it reads. Values
    /// no later template reads are dropped from the cache.
    fn next_context(&mut self, extra: &Context) -> Result<Context, RenderError> {
        let keys = self.plan.pop_front().unwrap_or_default();
        let mut context = extra.clone();
        for key in keys {
            context.insert_value(key, self.value(key)?);
        }
        let plan = &self.plan;
        self.built
            .retain(|key, _| plan.iter().any(|later| later.contains(key)));
        Ok(context)
    }

    /// A context of every value, for a root template whose sections are not spliced.
    fn context_of_all(&mut self, extra: &Context) -> Result<Context, RenderError> {
        let mut context = extra.clone();
        for key in view::CONTEXT_KEYS {
            context.insert_value(key, self.value(key)?);
        }
        Ok(context)
    }

    fn value(&mut self, key: &'static str) -> Result<tera::Value, RenderError> {
        if let Some(v) = self.built.get(key) {
            return Ok(v.clone());
        }
        let value = self
            .view
            .value_of(key)
            .unwrap_or_else(|| Ok(tera::Value::none()))
            .map_err(|e| template_error(key, e))?;
        self.built.insert(key, value.clone());
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The view of `project`'s model at `detail`, judged on `today`, with no findings
    /// and no diagram.
    fn bare_view<'p>(
        project: &'p crate::Project,
        today: &str,
        detail: view::Detail,
    ) -> ReportView<'p> {
        ReportView::new(bare_input(project, today, detail))
    }

    /// The input of [`bare_view`].
    fn bare_input<'p>(
        project: &'p crate::Project,
        today: &str,
        detail: view::Detail,
    ) -> ReportInput<'p> {
        ReportInput {
            model: project.model.as_ref().expect("the model loads"),
            sources: &project.sources,
            today: crate::model::Date::parse(today).unwrap(),
            generated: None,
            findings: &[],
            mermaid: None,
            svg: None,
            detail,
        }
    }

    /// `catalog/stride-example`, loaded.
    fn stride_example() -> crate::Project {
        crate::open(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/stride-example"),
        )
    }

    /// A summary view hands templates only part of each knowledge-base instance; the
    /// built-in templates must not need the rest: the report is the same either way.
    #[test]
    fn summaries_need_no_more_of_an_instance_than_its_compact_form() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let today = crate::model::Date::parse("2026-06-01").unwrap();
        let renderer = Renderer::new(None).unwrap();
        let mut instances = 0;
        for dir in ["catalog/stride-example", "catalog/fastapi"] {
            let mut project = crate::open(&root.join(dir));
            project.check(&crate::check::Options::new(today));
            let model = project.model.as_ref().unwrap();
            let findings: Vec<_> = project.diagnostics.iter().cloned().collect();
            let mut view = ReportView::new(ReportInput {
                model,
                sources: &project.sources,
                today,
                generated: None,
                findings: &findings,
                mermaid: None,
                svg: None,
                detail: view::Detail::Summary,
            });
            instances += view
                .threats
                .iter()
                .filter(|t| t.compact != view::Compact::No)
                .count();
            instances += view
                .mitigations
                .iter()
                .filter(|x| x.compact != view::Compact::No)
                .count();
            let compact: Vec<String> = [Format::Markdown, Format::Html]
                .iter()
                .map(|f| renderer.render(*f, &view).unwrap())
                .collect();
            view.threats
                .iter_mut()
                .for_each(|t| t.compact = view::Compact::No);
            view.mitigations
                .iter_mut()
                .for_each(|x| x.compact = view::Compact::No);
            for (f, compact) in [Format::Markdown, Format::Html].iter().zip(&compact) {
                assert!(
                    *compact == renderer.render(*f, &view).unwrap(),
                    "{dir}: the {f:?} summary differs with whole instances"
                );
            }
        }
        assert!(instances > 100, "{instances}");
    }

    #[test]
    fn the_policy_allows_exactly_the_page_s_own_styles() {
        let csp =
            content_security_policy("<style>a{}</style><p>x</p><style media=print>b{}</style>");
        assert!(
            csp.starts_with("default-src 'none'; style-src 'sha256-"),
            "{csp}"
        );
        assert_eq!(csp.matches("'sha256-").count(), 2, "{csp}");
        assert!(!csp.contains("unsafe"), "{csp}");
        assert!(content_security_policy("<p>no style</p>").contains("style-src 'none'"));
    }

    /// Renders a small generated model (its project renamed if `name` is given) in
    /// `format` with each renderer.
    fn reports(renderers: [&Renderer; 2], format: Format, name: Option<&str>) -> [String; 2] {
        let dir = tempfile::tempdir().unwrap();
        crate::synthetic::write(dir.path(), crate::synthetic::Size::scaled(40)).unwrap();
        let today = crate::model::Date::parse("2026-11-27").unwrap();
        let mut project = crate::open(dir.path());
        project.check(&crate::check::Options::new(today));
        let findings: Vec<_> = project.diagnostics.iter().cloned().collect();
        let model = project.model.as_ref().expect("generated model loads");
        let mut view = ReportView::new(ReportInput {
            model,
            sources: &project.sources,
            today,
            generated: None,
            findings: &findings,
            mermaid: crate::diagram::report_mermaid(model, today),
            svg: crate::diagram::report_svg(model, today),
            detail: crate::render::view::Detail::Full,
        });
        if let Some(name) = name {
            view.project.name = name;
        }
        renderers.map(|r| r.render(format, &view).unwrap())
    }

    #[test]
    fn splicing_sections_into_the_built_in_root_matches_rendering_it() {
        let sections = [
            (
                Format::Markdown,
                "## 4. Security implications of the data flows",
            ),
            (Format::Html, "<section id=\"flows\">"),
        ];
        for (format, flows) in sections {
            let root = format.root();
            let spliced = Renderer::new(None).unwrap();
            assert!(spliced.theme().is_builtin(&root));
            // The same root with a comment more is a user's: tera gets the sections.
            let mut theme = Theme::load(None).unwrap();
            theme
                .templates
                .get_mut(&root)
                .unwrap()
                .push_str("{# mine #}");
            let rendered = Renderer::with_theme(theme).unwrap();
            assert!(!rendered.theme().is_builtin(&root));
            let [a, b] = reports([&spliced, &rendered], format, None);
            assert!(a.contains(flows), "{root}");
            assert!(a == b, "{root}: the spliced report differs");
            // A marker in the data must not be taken for the place of a section.
            let marker = section_marker("flows");
            let [a, b] = reports([&spliced, &rendered], format, Some(&marker));
            // HTML shows the marker's control characters as U+FFFD.
            let shown = match format {
                Format::Html => escape::html_string(&marker),
                Format::Markdown => marker.clone(),
            };
            assert!(a.contains(&shown), "{root}");
            assert!(
                a == b,
                "{root}: the spliced report differs with a marker in the data"
            );
        }
    }

    #[test]
    fn the_context_keys_are_the_view_s_fields_and_each_has_a_value() {
        let dir = tempfile::tempdir().unwrap();
        crate::synthetic::write(dir.path(), crate::synthetic::Size::scaled(5)).unwrap();
        let project = crate::open(dir.path());
        let view = bare_view(&project, "2026-11-27", view::Detail::Full);
        let whole = serde_json::to_value(&view).unwrap();
        let fields: Vec<&str> = whole
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut keys = view::CONTEXT_KEYS.to_vec();
        keys.sort_unstable();
        assert_eq!(fields, keys, "serde_json sorts its keys");
        for key in view::CONTEXT_KEYS {
            let value = view.value_of(key).expect(key).unwrap();
            let json = serde_json::to_value(&value).unwrap();
            assert_eq!(json, whole[key], "{key}");
        }
        assert!(view.value_of("sections").is_none());
    }

    /// A section override that reads a value its built-in template does not (here
    /// `findings` and `mitigations` in the flows section) gets it.
    #[test]
    fn an_override_gets_what_it_reads() {
        let mut theme = Theme::load(None).unwrap();
        theme.templates.insert(
            "report-flows.md.tera".into(),
            "{% include \"mine.tera\" %}".into(),
        );
        theme.templates.insert(
            "mine.tera".into(),
            "FLOWS {{ flows | length }} FINDINGS {{ findings | length }} M {{ mitigations | length }}".into(),
        );
        let renderer = Renderer::with_theme(theme).unwrap();
        let builtin = Renderer::new(None).unwrap();
        let [mine, _] = reports([&renderer, &builtin], Format::Markdown, None);
        let line = mine.lines().find(|l| l.starts_with("FLOWS")).expect(&mine);
        let numbers: Vec<usize> = line.split(' ').filter_map(|w| w.parse().ok()).collect();
        assert_eq!(numbers.len(), 3, "{line}");
        assert!(numbers.iter().all(|n| *n > 0), "{line}");
    }

    /// A document is the sections as rendered with the root's text between them, never
    /// joined: its pieces, one after another, are the report.
    #[test]
    fn a_document_is_its_pieces_one_after_another() {
        let renderer = Renderer::new(None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        crate::synthetic::write(dir.path(), crate::synthetic::Size::scaled(20)).unwrap();
        let today = crate::model::Date::parse("2026-11-27").unwrap();
        let project = crate::open(dir.path());
        let model = project.model.as_ref().unwrap();
        let view = ReportView::new(ReportInput {
            model,
            sources: &project.sources,
            today,
            generated: None,
            findings: &[],
            mermaid: None,
            svg: crate::diagram::report_svg(model, today),
            detail: view::Detail::Full,
        });
        for format in [Format::Markdown, Format::Html] {
            let document = renderer.render_document(format, &view).unwrap();
            let pieces: Vec<&str> = document.pieces().collect();
            // The root's text around each of the seven sections.
            assert!(pieces.len() >= 7, "{format:?}: {} pieces", pieces.len());
            assert!(pieces.iter().all(|p| !p.is_empty()), "{format:?}");
            let joined = pieces.concat();
            assert_eq!(document.len(), joined.len());
            if format == Format::Html {
                // The policy is of the whole page, found across its pieces.
                assert!(joined.contains(&content_security_policy(&joined)));
            }
            assert_eq!(document.into_string(), joined);
            assert_eq!(
                renderer.render(format, &view).unwrap(),
                joined,
                "{format:?}"
            );
        }
    }

    /// The lists that spare templates a threat's map just to filter it say what the
    /// filters said: a component's threats split by origin, in order, and the coverage
    /// table's threats (all of them in full; in a summary the written and the uncovered).
    #[test]
    fn the_filtered_lists_are_the_filters_of_the_whole_ones() {
        let project = stride_example();
        for detail in [view::Detail::Full, view::Detail::Summary] {
            let view = bare_view(&project, "2026-06-01", detail);
            let listed: Vec<usize> = view
                .by_risk
                .iter()
                .copied()
                .filter(|i| {
                    let t = &view.threats[*i];
                    detail == view::Detail::Full || t.pattern.is_none() || t.uncovered
                })
                .collect();
            assert_eq!(view.listed_by_risk, listed, "{detail:?}");
            let listed: Vec<usize> = view
                .flow_threats
                .iter()
                .copied()
                .filter(|i| detail == view::Detail::Full || view.threats[*i].pattern.is_none())
                .collect();
            assert_eq!(view.listed_flow_threats, listed, "{detail:?}");
            if detail == view::Detail::Summary {
                assert!(view.listed_by_risk.len() < view.by_risk.len());
            }
            for c in &view.components {
                let all: Vec<usize> = c.threats.iter().map(|t| t.index()).collect();
                let (own, kb): (Vec<usize>, Vec<usize>) = all
                    .iter()
                    .partition(|i| view.threats[**i].pattern.is_none());
                assert_eq!((&c.own_threats, &c.kb_threats), (&own, &kb), "{}", c.id);
            }
            assert!(view.components.iter().any(|c| !c.kb_threats.is_empty()));
        }
    }

    /// Each element function gives exactly what its list holds at `i` (`threat(i=…)`
    /// what `threats[i]` holds, and so for mitigations, components, flows and findings),
    /// and `indices(of=…)` numbers the list's elements, in full and in summary views.
    #[test]
    fn the_element_functions_give_what_the_lists_hold() {
        let lists = [
            ("threats", "threat"),
            ("mitigations", "mitigation"),
            ("components", "component"),
            ("flows", "flow"),
            ("findings", "finding"),
        ];
        let mut theme = Theme::load(None).unwrap();
        let each = |(list, function): &(&str, &str)| {
            format!(
                "{{% if indices(of=\"{list}\") != range(end={list} | length) %}}DIFFERS indices of {list}\n{{% endif %}}{{% for i in indices(of=\"{list}\") %}}{{% set a = {list}[i] %}}{{% set b = {function}(i=i) %}}{{% if a != b %}}DIFFERS {list} {{{{ i }}}}\n{{% endif %}}{{% endfor %}}{list}: {{{{ {list} | length }}}}\n"
            )
        };
        theme.templates.insert(
            "report-flows.md.tera".into(),
            lists.iter().map(each).collect::<String>(),
        );
        let renderer = Renderer::with_theme(theme).unwrap();
        let mut project = stride_example();
        let today = crate::model::Date::parse("2026-06-01").unwrap();
        project.check(&crate::check::Options::new(today));
        let findings: Vec<_> = project.diagnostics.iter().cloned().collect();
        for detail in [view::Detail::Full, view::Detail::Summary] {
            let view = ReportView::new(ReportInput {
                findings: &findings,
                ..bare_input(&project, "2026-06-01", detail)
            });
            assert!(view.threats.iter().any(|t| t.pattern.is_some()));
            let text = renderer.render(Format::Markdown, &view).unwrap();
            assert!(!text.contains("DIFFERS"), "{text}");
            for (list, len) in [
                ("threats", view.threats.len()),
                ("mitigations", view.mitigations.len()),
                ("components", view.components.len()),
                ("flows", view.flows.len()),
                ("findings", view.findings.len()),
            ] {
                assert!(len > 0, "{list}");
                assert!(text.contains(&format!("{list}: {len}\n")), "{list}");
            }
        }
    }

    /// Fed in chunks of any size, the style scan finds what [`style_hashes`] finds in
    /// the piece whole: elements closed and not, nested openings, a `>` inside.
    #[test]
    fn the_style_scan_finds_in_chunks_what_it_finds_whole() {
        let pieces = [
            "<p>x</p><style>a{b:c}</style><style media=\"x>y\">d</style>",
            "<style>no end <style>e</style><styl <style >f</style></style>",
            "<<style>>g</style></style><style></style>",
            "text <style>unclosed",
            "",
        ];
        for piece in pieces {
            let whole: Vec<String> = style_hashes(piece).collect();
            for size in 1..=piece.len().max(1) {
                let mut scan = StyleScan::default();
                for chunk in piece.as_bytes().chunks(size) {
                    scan.feed(chunk);
                }
                assert_eq!(scan.hashes, whole, "{piece:?} in chunks of {size}");
            }
        }
    }

    /// Written as it is made, a report is byte for byte the one rendered whole, in
    /// Markdown and HTML, full and summary, with the built-in sections and with a section
    /// of the user's (the HTML one has styles of its own, which the policy allows); with
    /// a root of the user's nothing is written and the caller is told.
    #[test]
    fn a_report_written_as_it_is_made_is_the_same() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let today = crate::model::Date::parse("2026-06-01").unwrap();
        let with = |name: &str, text: &str| {
            let mut theme = Theme::load(None).unwrap();
            theme.templates.insert(name.into(), text.into());
            Renderer::with_theme(theme).unwrap()
        };
        let cases = [
            (
                Format::Markdown,
                with(
                    "report-flows.md.tera",
                    "## 4. Flows\n\n\n\n{% for i in indices(of=\"flows\") %}{% set f = flow(i=i) %}- {{ f.id }} é\n{% endfor %}\n\n\n",
                ),
                with("report.md.tera", "{{ sections.flows }}"),
            ),
            (
                Format::Html,
                with(
                    "report-flows.html.tera",
                    "<section id=\"flows\"><style>.x{}</style>{% for i in indices(of=\"flows\") %}{% set f = flow(i=i) %}<p>{{ f.id }}</p><style>.f{{ i }}{}</style>{% endfor %}</section>",
                ),
                with("report.html.tera", "{{ sections.flows | safe }}"),
            ),
        ];
        let builtin = Renderer::new(None).unwrap();
        for dir in ["catalog/stride-example", "catalog/fastapi"] {
            let mut project = crate::open(&root.join(dir));
            project.check(&crate::check::Options::new(today));
            for detail in [view::Detail::Full, view::Detail::Summary] {
                let view = ReportView::new(ReportInput {
                    findings: project.diagnostics.as_slice(),
                    ..bare_input(&project, "2026-06-01", detail)
                });
                for (format, own_section, own_root) in &cases {
                    for renderer in [&builtin, own_section] {
                        let whole = renderer.render(*format, &view).unwrap();
                        let mut written = Vec::new();
                        assert!(
                            renderer
                                .write_document(*format, &view, &mut written)
                                .unwrap()
                        );
                        assert_eq!(
                            String::from_utf8(written).unwrap(),
                            whole,
                            "{dir} {detail:?} {format:?}"
                        );
                    }
                    if *format == Format::Html {
                        let whole = own_section.render(*format, &view).unwrap();
                        assert!(whole.matches("'sha256-").count() > 3, "{whole}");
                    }
                    let mut written = Vec::new();
                    assert!(
                        !own_root
                            .write_document(*format, &view, &mut written)
                            .unwrap()
                    );
                    assert!(written.is_empty());
                }
            }
        }
    }

    /// A template error half-way through a report written as it is made is the
    /// template's error, naming it; a failed write is the write's error.
    #[test]
    fn a_report_written_as_it_is_made_fails_as_it_should() {
        let mut theme = Theme::load(None).unwrap();
        theme.templates.insert(
            "report-mitigations.md.tera".into(),
            "{% set m = mitigation(i=100000) %}{{ m.id }}".into(),
        );
        let renderer = Renderer::with_theme(theme).unwrap();
        let project = stride_example();
        let view = bare_view(&project, "2026-06-01", view::Detail::Full);
        let err = renderer
            .write_document(Format::Markdown, &view, &mut Vec::new())
            .unwrap_err();
        assert!(
            matches!(&err, StreamError::Render(RenderError::Template { name, .. }) if name == "report-mitigations.md.tera"),
            "{err:?}"
        );
        struct Full;
        impl std::io::Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::new(
                    std::io::ErrorKind::StorageFull,
                    "disk full",
                ))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let err = Renderer::new(None)
            .unwrap()
            .write_document(Format::Markdown, &view, &mut Full)
            .unwrap_err();
        assert!(
            matches!(&err, StreamError::Write(e) if e.kind() == std::io::ErrorKind::StorageFull),
            "{err:?}"
        );
    }

    /// Past the end of its list, or in a template rendered from no view, an element
    /// function is a template error that says why.
    #[test]
    fn an_element_function_out_of_its_list_is_an_error() {
        let mut theme = Theme::load(None).unwrap();
        theme.templates.insert(
            "report-flows.md.tera".into(),
            "{% set t = threat(i=100000) %}{{ t.id }}".into(),
        );
        theme
            .templates
            .insert("alone.tera".into(), "{{ mitigation(i=0) }}".into());
        let renderer = Renderer::with_theme(theme).unwrap();
        let dir = tempfile::tempdir().unwrap();
        crate::synthetic::write(dir.path(), crate::synthetic::Size::scaled(5)).unwrap();
        let project = crate::open(dir.path());
        let view = bare_view(&project, "2026-11-27", view::Detail::Full);
        let err = renderer
            .render(Format::Markdown, &view)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("the model has {} threats", view.threats.len())),
            "{err}"
        );
        let err = renderer
            .render_template("alone.tera", &Context::new())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("only available in templates rendered from a model"),
            "{err}"
        );
        let text = renderer
            .render_view_template(&view, "alone.tera", &Context::new())
            .unwrap();
        assert!(text.contains(view.mitigations[0].id), "{text}");
        let mut theme = Theme::load(None).unwrap();
        theme.templates.insert(
            "report-flows.md.tera".into(),
            "{% for i in indices(of=\"patterns\") %}{% endfor %}".into(),
        );
        let err = Renderer::with_theme(theme)
            .unwrap()
            .render(Format::Markdown, &view)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(r#"indices(of="patterns"): `of` is one of "threats", "#),
            "{err}"
        );
    }

    /// The built-in report templates read threats, mitigations, components, flows and
    /// findings one at a time, so a report never holds the template engine's copy of
    /// any of these lists whole.
    #[test]
    fn built_in_reports_never_read_the_whole_instance_lists() {
        let renderer = Renderer::new(None).unwrap();
        for format in [Format::Markdown, Format::Html] {
            let mut names = vec![format.root()];
            names.extend(format.sections().into_iter().map(|(_, t)| t));
            for name in names {
                let reads = renderer.reads(&name);
                if name.starts_with("report-coverage") {
                    assert!(reads.contains(&"uncovered"), "{name}: {reads:?}");
                }
                for list in ["threats", "mitigations", "components", "flows", "findings"] {
                    assert!(!reads.contains(&list), "{name} reads {list}");
                }
            }
        }
    }

    #[test]
    fn a_broken_override_is_a_template_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("report.md.tera"), "{% if %}").unwrap();
        let err = Renderer::new(Some(dir.path())).err().expect("must fail");
        assert!(matches!(err, RenderError::Template { .. }), "{err}");
    }
}
