//! Text measurement without font files: an estimate of how wide a string is when drawn
//! in a generic sans-serif face, and the wrapping and truncation built on it.
//!
//! The widths are the advance widths of the common Helvetica/Arial metrics (in 1/1000 em)
//! for printable ASCII, widened by a safety margin because the face a viewer falls back to
//! (often DejaVu Sans or Liberation Sans) may run wider. Anything outside ASCII is
//! measured generously: wide East Asian characters as a full em, the rest as 0.7 em. The
//! estimate errs on the wide side so that a label that fits here fits on screen. This
//! module only measures and cuts strings; it does not draw.

/// How much wider than the reference metrics text is assumed to be.
const SAFETY: f64 = 1.1;

/// Advance widths of ASCII 0x20..=0x7E in 1/1000 em.
const ASCII: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // ' '..'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // '0'..'9'
    278, 278, 584, 584, 584, 556, 1015, // ':'..'@'
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, // 'A'..'M'
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // 'N'..'Z'
    278, 278, 278, 469, 556, 333, // '['..'`'
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, // 'a'..'m'
    556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // 'n'..'z'
    334, 260, 334, 584, // '{'..'~'
];

/// How much wider bold text is assumed to be than regular text: pass `size * BOLD` to
/// measure bold text.
pub const BOLD: f64 = 1.2;

/// The ellipsis a cut string ends with.
pub const ELLIPSIS: char = '…';

fn char_em(c: char) -> f64 {
    let code = c as u32;
    if (0x20..=0x7E).contains(&code) {
        f64::from(ASCII[(code - 0x20) as usize]) / 1000.0
    } else if c.is_control() {
        0.0
    } else if is_wide(code) {
        1.0
    } else {
        0.7
    }
}

/// East Asian wide and full-width ranges, and emoji: drawn about one em wide.
fn is_wide(code: u32) -> bool {
    matches!(code,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF |
        0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1FAFF |
        0x20000..=0x3FFFD)
}

/// The estimated width of `text` at font size `size` (px).
pub fn width(text: &str, size: f64) -> f64 {
    text.chars().map(char_em).sum::<f64>() * size * SAFETY
}

/// A running width measurement: characters are added one at a time, in order, so the sum
/// is the one [`width`] computes and a caller can stop as soon as a limit is passed,
/// instead of measuring a whole (possibly huge) string again for every cut.
#[derive(Clone, Copy)]
struct Measure {
    em: f64,
    size: f64,
}

impl Measure {
    fn new(size: f64) -> Measure {
        Measure { em: 0.0, size }
    }

    fn add(&mut self, c: char) {
        self.em += char_em(c);
    }

    fn px(&self) -> f64 {
        self.em * self.size * SAFETY
    }

    /// Adds the characters of `text` until the width passes `max`; whether it did.
    /// Widths never shrink as characters are added, so a prefix wider than `max` means
    /// the whole is too.
    fn add_exceeds(&mut self, text: &str, max: f64) -> bool {
        for c in text.chars() {
            self.add(c);
            if self.px() > max {
                return true;
            }
        }
        false
    }
}

/// Whether `text` is wider than `max` px at `size`; reads only as far as it must.
fn wider_than(text: &str, max: f64, size: f64) -> bool {
    Measure::new(size).add_exceeds(text, max)
}

/// `text` cut to fit in `max` px at `size`, ending with an ellipsis when cut. Reads only
/// as much of `text` as fits, so cutting a huge string costs no more than a short one.
pub fn truncate(text: &str, max: f64, size: f64) -> String {
    if !wider_than(text, max, size) {
        return text.to_string();
    }
    let budget = max - width(&ELLIPSIS.to_string(), size);
    let mut out = String::new();
    let mut used = 0.0;
    for c in text.chars() {
        let w = char_em(c) * size * SAFETY;
        if used + w > budget {
            break;
        }
        used += w;
        out.push(c);
    }
    let mut out = out.trim_end().to_string();
    out.push(ELLIPSIS);
    out
}

/// `text` broken into at most `max_lines` lines of at most `max` px each, at spaces where
/// possible; a word wider than a line is broken inside, and text that does not fit in
/// `max_lines` ends with an ellipsis. Runs of whitespace count as one space.
///
/// Linear in the part of `text` it shows: every character is measured a bounded number
/// of times, and wrapping stops once the last line's cut is decided.
pub fn wrap(text: &str, max: f64, size: f64, max_lines: usize) -> Vec<String> {
    let mut out = Wrapped {
        keep: max_lines.max(1),
        max,
        lines: Vec::new(),
        rest: String::new(),
        rest_lines: 0,
        rest_width: Measure::new(size),
    };
    let mut current = String::new();
    let mut current_width = Measure::new(size);
    'words: for word in text.split_whitespace() {
        // The word on the current line, if the line can take it.
        let mut candidate = current_width;
        if !current.is_empty() {
            candidate.add(' ');
        }
        if !candidate.add_exceeds(word, max) {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
            current_width = candidate;
            continue;
        }
        if !current.is_empty() && !out.push(std::mem::take(&mut current)) {
            break 'words;
        }
        // The word alone: break it inside when it is wider than a line.
        let mut rest = word;
        while wider_than(rest, max, size) {
            let mut cut = 0;
            let mut used = 0.0;
            for (i, c) in rest.char_indices() {
                let w = char_em(c) * size * SAFETY;
                if used + w > max && i > 0 {
                    break;
                }
                used += w;
                cut = i + c.len_utf8();
            }
            if !out.push(rest[..cut].to_string()) {
                break 'words;
            }
            rest = &rest[cut..];
        }
        current = rest.to_string();
        current_width = Measure::new(size);
        for c in rest.chars() {
            current_width.add(c);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out.finish(size)
}

/// The lines [`wrap`] has made: the first `keep - 1` as they are, and the ones after
/// joined by spaces into `rest`, which the last line is cut from.
struct Wrapped {
    keep: usize,
    max: f64,
    lines: Vec<String>,
    rest: String,
    rest_lines: usize,
    rest_width: Measure,
}

impl Wrapped {
    /// Takes the next line; `false` once more lines cannot change the result: the rest
    /// holds two lines or more (so it will be cut) and is already wider than a line (so
    /// the cut is decided).
    fn push(&mut self, line: String) -> bool {
        if self.lines.len() + 1 < self.keep {
            self.lines.push(line);
            return true;
        }
        if self.rest_lines > 0 {
            self.rest.push(' ');
            self.rest_width.add(' ');
        }
        for c in line.chars() {
            self.rest_width.add(c);
        }
        self.rest.push_str(&line);
        self.rest_lines += 1;
        !(self.rest_lines > 1 && self.rest_width.px() > self.max)
    }

    fn finish(mut self, size: f64) -> Vec<String> {
        match self.rest_lines {
            0 => {}
            1 => self.lines.push(self.rest),
            _ => self.lines.push(truncate(&self.rest, self.max, size)),
        }
        self.lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wider_letters_measure_wider() {
        assert!(width("WWW", 12.0) > width("iii", 12.0));
        assert!(width("ab", 12.0) > width("a", 12.0));
        assert_eq!(width("", 12.0), 0.0);
        assert!(width("数据", 12.0) >= 2.0 * 12.0);
    }

    #[test]
    fn truncation_fits_and_marks_the_cut() {
        let long = "A very long component name that cannot fit";
        let cut = truncate(long, 80.0, 12.0);
        assert!(width(&cut, 12.0) <= 80.0, "{cut}");
        assert!(cut.ends_with(ELLIPSIS));
        assert_eq!(truncate("Short", 80.0, 12.0), "Short");
    }

    #[test]
    fn wrapping_keeps_every_line_inside_the_width() {
        let lines = wrap("Pydantic validation and serialisation", 100.0, 12.0, 3);
        assert!(lines.len() > 1, "{lines:?}");
        for l in &lines {
            assert!(width(l, 12.0) <= 100.0, "{l}");
        }
        assert_eq!(lines.join(" "), "Pydantic validation and serialisation");
    }

    #[test]
    fn an_overlong_word_is_broken_and_excess_lines_are_cut() {
        let lines = wrap(&"x".repeat(200), 60.0, 12.0, 3);
        assert_eq!(lines.len(), 3);
        for l in &lines {
            assert!(width(l, 12.0) <= 60.0, "{l}");
        }
        assert!(lines[2].ends_with(ELLIPSIS));
        assert_eq!(wrap("   ", 60.0, 12.0, 3), Vec::<String>::new());
    }

    /// The wrapping this module did before it measured incrementally: every cut measured
    /// the whole remaining string again. Kept as the reference the fast one must match.
    fn wrap_by_remeasuring(text: &str, max: f64, size: f64, max_lines: usize) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut current = String::new();
        for word in text.split_whitespace() {
            let candidate = if current.is_empty() {
                word.to_string()
            } else {
                format!("{current} {word}")
            };
            if width(&candidate, size) <= max {
                current = candidate;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            let mut rest = word;
            while width(rest, size) > max {
                let mut cut = 0;
                let mut used = 0.0;
                for (i, c) in rest.char_indices() {
                    let w = char_em(c) * size * SAFETY;
                    if used + w > max && i > 0 {
                        break;
                    }
                    used += w;
                    cut = i + c.len_utf8();
                }
                lines.push(rest[..cut].to_string());
                rest = &rest[cut..];
            }
            current = rest.to_string();
        }
        if !current.is_empty() {
            lines.push(current);
        }
        if lines.len() > max_lines.max(1) {
            let keep = max_lines.max(1);
            let rest = lines[keep - 1..].join(" ");
            lines.truncate(keep - 1);
            lines.push(truncate(&rest, max, size));
        }
        lines
    }

    #[test]
    fn incremental_wrapping_matches_remeasuring_every_cut() {
        let mut seed = 11u64;
        let mut next = |bound: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            ((seed >> 33) as usize) % bound
        };
        let alphabet: Vec<char> = "aiWM  \t\n数é.-\u{1}".chars().collect();
        for round in 0..2_000 {
            let len = next(120);
            let text: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            let max = [0.5, 8.0, 30.0, 60.0, 100.0][next(5)];
            let lines = next(5);
            assert_eq!(
                wrap(&text, max, 12.0, lines),
                wrap_by_remeasuring(&text, max, 12.0, lines),
                "round {round}: {text:?} in {max} px, {lines} lines"
            );
        }
    }

    #[test]
    fn a_megabyte_name_wraps_and_truncates_without_remeasuring_the_rest() {
        // Measuring the whole remaining name at every cut took minutes for names this
        // long; now only what is shown is measured.
        let word = "x".repeat(1 << 20);
        let lines = wrap(&word, 60.0, 12.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with(ELLIPSIS));
        let words = "ab ".repeat(1 << 18);
        let lines = wrap(&words, 60.0, 12.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| width(l, 12.0) <= 60.0));
        let cut = truncate(&word, 60.0, 12.0);
        assert!(cut.len() < 100 && cut.ends_with(ELLIPSIS), "{cut}");
    }
}
