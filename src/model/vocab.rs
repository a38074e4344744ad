//! Words as knowledge bases match them: normalised keys, the segments of a technology
//! text, and the engine's own small word lists (who is a human, what is in-process).
//!
//! A word's *key* ignores case, separators and a plural ending, so `Path_Operations`,
//! `path-operations` and `path operation` are one key. A technology text is cut into
//! segments twice, once at separators only (`fastapi`, `jinja2templates`) and once also
//! where a digit meets a capital (`jinja2`, `templates`), so that a word matches a whole
//! name and a word inside a compound name alike, but never inside another word.

/// The key of a word or tag: lower case, runs of separators as one `-`, each part
/// singular.
pub fn key(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for part in word
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&singular(&part.to_lowercase()));
    }
    out
}

/// A crude singular: enough that `errors`/`error`, `websockets`/`websocket` and
/// `dependencies`/`dependency` meet, applied alike to both sides of a comparison.
fn singular(word: &str) -> String {
    let n = word.len();
    if n > 4 && word.ends_with("ies") {
        return format!("{}y", &word[..n - 3]);
    }
    for end in ["sses", "shes", "ches", "xes"] {
        if n > end.len() + 1 && word.ends_with(end) {
            return word[..n - 2].to_string();
        }
    }
    if n > 3
        && word.ends_with('s')
        && !word.ends_with("ss")
        && !word.ends_with("us")
        && !word.ends_with("is")
    {
        return word[..n - 1].to_string();
    }
    word.to_string()
}

/// A text cut into keyed segments, both ways (see the module documentation).
#[derive(Clone, Debug, Default)]
pub struct Segments {
    /// Cut at separators: `-fastapi-jinja2template-`.
    whole: String,
    /// Also cut where a digit meets a capital: `-fastapi-jinja2-template-`.
    split: String,
}

impl Segments {
    pub fn of(text: &str) -> Segments {
        let mut whole = String::from("-");
        let mut split = String::from("-");
        for part in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|p| !p.is_empty())
        {
            whole.push_str(&singular(&part.to_lowercase()));
            whole.push('-');
            for piece in camel_pieces(part) {
                split.push_str(&singular(&piece.to_lowercase()));
                split.push('-');
            }
        }
        Segments { whole, split }
    }

    /// Whether the keyed word (`key(word)`) is a run of whole segments of the text.
    pub fn contains(&self, word_key: &str) -> bool {
        has_run(&self.whole, word_key) || has_run(&self.split, word_key)
    }

    /// The segments cut at separators, for near-miss hints.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.whole.split('-').filter(|w| !w.is_empty())
    }

    pub fn is_empty(&self) -> bool {
        self.whole.len() <= 1
    }
}

/// Whether `needle` occurs in the keyed text `hay` as a run of whole `-`-separated
/// segments (`api-key-client` has `client` and `key-client`, not `lient`).
pub fn has_run(hay: &str, needle: &str) -> bool {
    !needle.is_empty()
        && hay.match_indices(needle).any(|(i, _)| {
            let before = hay[..i].chars().next_back();
            let after = hay[i + needle.len()..].chars().next();
            before.is_none_or(|c| c == '-') && after.is_none_or(|c| c == '-')
        })
}

/// Cut where a digit meets a capital: `Jinja2Templates` → `Jinja2`, `Templates`;
/// `OAuth2PasswordBearer` → `OAuth2`, `PasswordBearer`. Other case changes are no cut,
/// so `java` never matches `JavaScript` nor `api` `FastAPI`.
fn camel_pieces(word: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut pieces = Vec::new();
    let mut start = 0;
    for i in 1..chars.len() {
        let (at, c) = chars[i];
        let cut = c.is_uppercase() && chars[i - 1].1.is_ascii_digit();
        if cut {
            pieces.push(&word[start..at]);
            start = at;
        }
    }
    pieces.push(&word[start..]);
    pieces
}

/// Words in an external entity's name, technology or tags that say a person uses it.
pub const HUMAN_WORDS: &[&str] = &[
    "user",
    "person",
    "people",
    "human",
    "customer",
    "browser",
    "visitor",
    "staff",
    "employee",
    "admin",
    "administrator",
    "operator",
    "patient",
    "member",
    "buyer",
    "shopper",
    "spa",
    "frontend",
    "web-app",
    "webapp",
    "mobile",
    "mobile-app",
    "end-user",
    "actor",
];

/// Words that say an external entity is software even when a human word is there too
/// (`customer system`, `customer webhook endpoint`).
pub const SYSTEM_WORDS: &[&str] = &[
    "system",
    "service",
    "server",
    "api",
    "backend",
    "integration",
    "endpoint",
    "webhook",
    "provider",
    "daemon",
    "bot",
    "job",
    "erp",
    "crm",
];

/// Words in a flow's protocol that say it never leaves the process.
pub const IN_PROCESS_WORDS: &[&str] = &[
    "in-process",
    "inprocess",
    "in-proc",
    "inproc",
    "function",
    "function-call",
    "method-call",
    "internal-call",
    "direct-call",
    "local-call",
    "python-call",
    "asgi",
    "wsgi",
    "memory",
    "in-memory",
];

/// Whether any of `words` (keys, as the lists above are written) is among a text's
/// segments.
pub fn mentions(segments: &Segments, words: &[&str]) -> bool {
    words.iter().any(|w| segments.contains(w))
}

/// Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`.
pub fn distance_within(a: &str, b: &str, limit: usize) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut best = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            best = best.min(cur[j]);
        }
        if best > limit {
            return limit + 1;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_separators_and_plurals() {
        assert_eq!(key("Path_Operations"), "path-operation");
        assert_eq!(key("path operation"), "path-operation");
        assert_eq!(key("WebSockets"), key("websocket"));
        assert_eq!(key("errors"), key("error"));
        assert_eq!(key("dependencies"), key("dependency"));
        assert_eq!(key("redis"), "redis");
        assert_eq!(key("class"), "class");
        assert_eq!(key("processes"), key("process"));
        assert_ne!(key("log"), key("logging"));
        assert_eq!(key("  "), "");
    }

    #[test]
    fn technology_words_match_whole_and_inside_compound_names() {
        let s = Segments::of("FastAPI + Jinja2Templates");
        assert!(s.contains("fastapi"));
        assert!(s.contains("jinja2"));
        assert!(s.contains(&key("templates")));
        assert!(!s.contains("api2"));
        let s = Segments::of("Python 3.12 / FastAPI 0.115");
        assert!(s.contains("fastapi"));
        assert!(!s.contains("fast"));
        assert!(!s.contains("api"));
    }

    #[test]
    fn words_never_match_inside_other_words() {
        assert!(!Segments::of("JavaScript").contains("java"));
        assert!(!Segments::of("myfastapi").contains("fastapi"));
        assert!(!Segments::of("").contains("fastapi"));
        assert!(Segments::of("python/fastapi-users").contains("fastapi"));
        assert!(Segments::of("Starlette (FastAPI)").contains("fastapi"));
        assert!(Segments::of("nginx reverse proxy").contains(&key("reverse-proxy")));
    }

    #[test]
    fn camel_case_pieces() {
        assert_eq!(camel_pieces("Jinja2Templates"), ["Jinja2", "Templates"]);
        assert_eq!(
            camel_pieces("OAuth2PasswordBearer"),
            ["OAuth2", "PasswordBearer"]
        );
        assert_eq!(camel_pieces("SQLAlchemy"), ["SQLAlchemy"]);
        assert_eq!(camel_pieces("JavaScript"), ["JavaScript"]);
        assert_eq!(camel_pieces("postgres"), ["postgres"]);
        assert_eq!(camel_pieces("FastAPI"), ["FastAPI"]);
        assert_eq!(camel_pieces("Python3Fast"), ["Python3", "Fast"]);
    }

    #[test]
    fn the_word_lists_are_written_as_keys() {
        for w in HUMAN_WORDS
            .iter()
            .chain(IN_PROCESS_WORDS)
            .chain(SYSTEM_WORDS)
        {
            assert_eq!(key(w), *w);
        }
    }

    #[test]
    fn runs_are_whole_segments() {
        assert!(has_run("api-key-client", "client"));
        assert!(has_run("api-key-client", "key-client"));
        assert!(!has_run("api-key-client", "lient"));
        assert!(!has_run("api-key-client", ""));
        assert!(has_run("-fastapi-", "fastapi"));
    }

    #[test]
    fn distances_give_up_past_the_limit() {
        assert_eq!(distance_within("websockets", "websocket", 2), 1);
        assert_eq!(distance_within("auth", "authentication", 2), 3);
        assert_eq!(distance_within("logs", "log", 1), 1);
        assert_eq!(distance_within("abc", "abc", 0), 0);
    }
}
