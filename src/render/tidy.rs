//! Blank-line tidying of Markdown documents: template control flow leaves runs of blank
//! lines behind, which are collapsed into one (except inside code fences), trailing spaces
//! are dropped and the document ends with exactly one newline.
//!
//! The document is fed in pieces (the root template's text and each rendered section), so
//! that it is tidied while it is assembled, without first concatenating the pieces into
//! one large string. The result is the same however the document is cut into pieces.

/// A Markdown document being assembled and tidied piece by piece.
pub struct Tidy {
    out: String,
    /// The start of a line that continues in the next piece.
    partial: String,
    blank_run: usize,
    in_fence: bool,
}

impl Tidy {
    /// An empty document; `capacity` is the expected length of the result.
    pub fn with_capacity(capacity: usize) -> Tidy {
        Tidy {
            out: String::with_capacity(capacity),
            partial: String::new(),
            blank_run: 0,
            in_fence: false,
        }
    }

    /// Appends the next piece of the document.
    pub fn push(&mut self, mut piece: &str) {
        if !self.partial.is_empty() {
            let Some(end) = piece.find('\n') else {
                self.partial.push_str(piece);
                return;
            };
            let mut line = std::mem::take(&mut self.partial);
            line.push_str(&piece[..end]);
            if let Some(text) = self.line(strip_cr(&line)) {
                self.out.push_str(text);
                self.out.push('\n');
            }
            piece = &piece[end + 1..];
        }
        // Most lines stay as they are: they are copied in runs, not one by one.
        let mut run = 0;
        let mut at = 0;
        while let Some(n) = piece[at..].find('\n') {
            let end = at + n;
            let raw = &piece[at..end];
            match self.line(strip_cr(raw)) {
                Some(text) if text.len() == raw.len() => {}
                kept => {
                    self.out.push_str(&piece[run..at]);
                    if let Some(text) = kept {
                        self.out.push_str(text);
                        self.out.push('\n');
                    }
                    run = end + 1;
                }
            }
            at = end + 1;
        }
        self.out.push_str(&piece[run..at]);
        self.partial.push_str(&piece[at..]);
    }

    /// The tidied document.
    pub fn finish(mut self) -> String {
        if !self.partial.is_empty() {
            // A last line without a newline is a line all the same.
            let line = std::mem::take(&mut self.partial);
            if let Some(text) = self.line(&line) {
                self.out.push_str(text);
                self.out.push('\n');
            }
        }
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        self.out
    }

    /// What is left of one complete line (given without its line ending): none when it
    /// is dropped.
    fn line<'l>(&mut self, line: &'l str) -> Option<&'l str> {
        if line.trim_start().starts_with("```") {
            self.in_fence = !self.in_fence;
        }
        let blank = line.trim().is_empty();
        if blank && !self.in_fence {
            self.blank_run += 1;
            if self.blank_run > 1 {
                return None;
            }
        } else {
            self.blank_run = 0;
        }
        Some(line.trim_end_matches(' '))
    }
}

/// A line's text without the `\r` of a `\r\n` ending (as [`str::lines`] does).
fn strip_cr(line: &str) -> &str {
    line.strip_suffix('\r').unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` tidied as one piece.
    fn tidy(text: &str) -> String {
        let mut t = Tidy::with_capacity(text.len());
        t.push(text);
        t.finish()
    }

    #[test]
    fn blank_lines_collapse_outside_code_fences() {
        assert_eq!(
            tidy("a\n\n\n\nb\n```\n\n\n```\n\n\n"),
            "a\n\nb\n```\n\n\n```\n"
        );
    }

    #[test]
    fn trailing_spaces_and_crlf_endings_go() {
        assert_eq!(tidy("a  \r\n\r\n \r\n\tb\r"), "a\n\n\tb\r\n");
    }

    /// The way the document is cut into pieces must not change the result: lines split
    /// across pieces, fences opened in one piece and closed in another, blank runs that
    /// span pieces, `\r\n` split in two.
    #[test]
    fn cutting_the_document_anywhere_gives_the_same_result() {
        let text = "# T  \n\n\n```\nx\n\n\n```\r\n  \n\n- a \r\n\n\n\n```\n\n```\nend";
        let whole = tidy(text);
        for i in 0..=text.len() {
            for j in i..=text.len() {
                let mut t = Tidy::with_capacity(0);
                t.push(&text[..i]);
                t.push(&text[i..j]);
                t.push("");
                t.push(&text[j..]);
                assert_eq!(t.finish(), whole, "cut at {i} and {j}");
            }
        }
    }
}
