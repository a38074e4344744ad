//! A word diff of two texts: which words were kept, removed and added, as runs, for
//! showing a changed description or justification without repeating it twice.
//!
//! Words are whitespace-separated. The common start and end are set aside first; what is
//! left is compared by longest common subsequence when the table it needs has at most
//! [`CELLS`] cells, and shown as wholly replaced otherwise, so that the work is bounded
//! and the answer never depends on the machine's speed. Nothing here knows Markdown.

/// The most cells the longest-common-subsequence table may have: a thousand words
/// changed against a thousand (4 MiB of table). Larger rewrites are shown as replaced.
const CELLS: usize = 1 << 20;

/// What happened to a run of words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Same,
    Removed,
    Added,
}

/// Runs of words, in reading order: removed words come before the words added in their
/// place.
pub fn diff<'a>(old: &'a str, new: &'a str) -> Vec<(Op, Vec<&'a str>)> {
    let a: Vec<&str> = old.split_whitespace().collect();
    let b: Vec<&str> = new.split_whitespace().collect();
    let start = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let end = a[start..]
        .iter()
        .rev()
        .zip(b[start..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (mid_a, mid_b) = (&a[start..a.len() - end], &b[start..b.len() - end]);
    let mut out: Vec<(Op, Vec<&str>)> = Vec::new();
    let mut push = |op: Op, word: &'a str| match out.last_mut() {
        Some((last, words)) if *last == op => words.push(word),
        _ => out.push((op, vec![word])),
    };
    for w in &a[..start] {
        push(Op::Same, w);
    }
    for (op, w) in middle(mid_a, mid_b) {
        push(op, w);
    }
    for w in &a[a.len() - end..] {
        push(Op::Same, w);
    }
    out
}

/// The words of `a` and `b` (no common start or end) as kept, removed and added.
fn middle<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<(Op, &'a str)> {
    let (n, m) = (a.len(), b.len());
    if (n + 1).saturating_mul(m + 1) > CELLS {
        let removed = a.iter().map(|w| (Op::Removed, *w));
        return removed.chain(b.iter().map(|w| (Op::Added, *w))).collect();
    }
    // lcs[i * (m + 1) + j]: the longest common subsequence of a[i..] and b[j..].
    let width = m + 1;
    let mut lcs = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * width + j] = if a[i] == b[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push((Op::Same, a[i]));
            i += 1;
            j += 1;
        } else if j == m || (i < n && lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
            out.push((Op::Removed, a[i]));
            i += 1;
        } else {
            out.push((Op::Added, b[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(old: &str, new: &str) -> String {
        diff(old, new)
            .into_iter()
            .map(|(op, words)| {
                let w = words.join(" ");
                match op {
                    Op::Same => w,
                    Op::Removed => format!("[-{w}-]"),
                    Op::Added => format!("{{+{w}+}}"),
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn a_changed_word_is_removed_then_added_in_place() {
        assert_eq!(
            show(
                "Tokens are stored in the session cookie",
                "Tokens are stored in an encrypted session cookie"
            ),
            "Tokens are stored in [-the-] {+an encrypted+} session cookie"
        );
    }

    #[test]
    fn words_moved_apart_are_found_by_the_common_subsequence() {
        assert_eq!(
            show("a b c d e", "a x c y e"),
            "a [-b-] {+x+} c [-d-] {+y+} e"
        );
        assert_eq!(show("", "new text"), "{+new text+}");
        assert_eq!(show("old text", ""), "[-old text-]");
        assert_eq!(show("same  words\n", "same words"), "same words");
    }

    #[test]
    fn a_rewrite_too_large_for_the_table_is_shown_as_replaced() {
        let old: String = (0..1100).map(|i| format!("o{i} ")).collect();
        let new: String = (0..1100).map(|i| format!("n{i} ")).collect();
        let runs = diff(&old, &new);
        assert_eq!(runs.len(), 2);
        assert_eq!((runs[0].0, runs[0].1.len()), (Op::Removed, 1100));
        assert_eq!((runs[1].0, runs[1].1.len()), (Op::Added, 1100));
    }
}
