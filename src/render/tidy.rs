//! Blank-line tidying of Markdown documents: template control flow leaves runs of blank
//! lines behind, which are collapsed into one (except inside code fences), trailing spaces
//! are dropped and the document ends with exactly one newline.
//!
//! The document is fed in pieces (the root template's text and each rendered section), so
//! that it is tidied while it is assembled, without first concatenating the pieces into
//! one large string, and it comes out in pieces too (cut where [`Tidy::cut`] was called),
//! so that it is never held twice. The result is the same however the document is cut.

/// A Markdown document being assembled and tidied piece by piece.
pub struct Tidy {
    /// The tidied document's pieces before `out`.
    done: Vec<String>,
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
            done: Vec::new(),
            out: String::with_capacity(capacity),
            partial: String::new(),
            blank_run: 0,
            in_fence: false,
        }
    }

    /// Appends the next piece of the document.
    pub fn push(&mut self, mut piece: &str) {
        // Tidying only shortens a piece: this is the most it can add.
        self.out.reserve(piece.len() + self.partial.len() + 1);
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

    /// Ends the current piece of the result: what was tidied so far is one piece, and
    /// what follows starts another.
    pub fn cut(&mut self) {
        if !self.out.is_empty() {
            self.done.push(std::mem::take(&mut self.out));
        }
    }

    /// The tidied document, in the pieces [`Tidy::cut`] made (none of them empty).
    pub fn finish(mut self) -> Vec<String> {
        if !self.partial.is_empty() {
            // A last line without a newline is a line all the same.
            let line = std::mem::take(&mut self.partial);
            if let Some(text) = self.line(&line) {
                self.out.push_str(text);
                self.out.push('\n');
            }
        }
        self.cut();
        let mut pieces = self.done;
        // Exactly one newline at the end, even when the last ones are in two pieces.
        loop {
            let n = pieces.len();
            let ends_blank = match pieces.last() {
                Some(last) if last.ends_with("\n\n") => true,
                Some(last) if last == "\n" => n >= 2 && pieces[n - 2].ends_with('\n'),
                _ => false,
            };
            if !ends_blank {
                break;
            }
            if let Some(last) = pieces.last_mut() {
                last.pop();
                if last.is_empty() {
                    pieces.pop();
                }
            }
        }
        pieces
    }

    /// Takes what is tidied so far and can be written: all but the newlines at its end,
    /// which stay until it is known whether the document ends there. What
    /// [`Tidy::take_ready`] gives, then [`Tidy::finish_rest`], one after another, is
    /// [`Tidy::finish`]'s document.
    pub fn take_ready(&mut self) -> String {
        let keep = self.out.len() - self.out.trim_end_matches('\n').len();
        let rest = self.out.split_off(self.out.len() - keep);
        std::mem::replace(&mut self.out, rest)
    }

    /// The end of the document after the last [`Tidy::take_ready`].
    pub fn finish_rest(self) -> String {
        self.finish().concat()
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
        t.finish().concat()
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
                t.cut();
                t.push(&text[i..j]);
                t.push("");
                t.cut();
                t.push(&text[j..]);
                let pieces = t.finish();
                assert!(pieces.iter().all(|p| !p.is_empty()), "cut at {i} and {j}");
                assert_eq!(pieces.concat(), whole, "cut at {i} and {j}");
            }
        }
    }

    /// Written as it is tidied (what is ready taken after each piece, the rest at the
    /// end), a document is the one tidied whole, wherever it is cut, and whatever run of
    /// blank lines it ends in.
    #[test]
    fn taking_what_is_ready_as_it_comes_gives_the_same_result() {
        for text in [
            "# T  \n\n\n```\nx\n\n\n```\r\n  \n\n- a \r\n\n\n\n```\n\n```\nend",
            "a\n\n\n",
            "\n\n\n",
            "",
            "a\n```\n\n\n",
        ] {
            let whole = tidy(text);
            for i in 0..=text.len() {
                for j in i..=text.len() {
                    let mut t = Tidy::with_capacity(0);
                    let mut written = String::new();
                    for piece in [&text[..i], &text[i..j], "", &text[j..]] {
                        t.push(piece);
                        let ready = t.take_ready();
                        assert!(!ready.ends_with('\n'), "{text:?} cut at {i} and {j}");
                        written.push_str(&ready);
                    }
                    written.push_str(&t.finish_rest());
                    assert_eq!(written, whole, "{text:?} cut at {i} and {j}");
                }
            }
        }
    }
}
