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

/// `text` cut to fit in `max` px at `size`, ending with an ellipsis when cut.
pub fn truncate(text: &str, max: f64, size: f64) -> String {
    if width(text, size) <= max {
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
pub fn wrap(text: &str, max: f64, size: f64, max_lines: usize) -> Vec<String> {
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
        // The word alone: break it inside when it is wider than a line.
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
}
