//! A progress line on standard error for work that takes more than a second (`site`,
//! `evidence`, `render` of large models): "site: 120/480 pages", rewritten in place and
//! cleared at the end.
//!
//! It is shown only when standard error is a terminal and `CI` is not set, so pipes, logs
//! and CI output never see it; and only once the work has run for a second, so quick runs
//! print nothing. It writes nothing else and decides nothing.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long work runs before its progress is shown.
const DELAY: Duration = Duration::from_secs(1);
/// The least time between two redraws.
const REDRAW: Duration = Duration::from_millis(100);

pub struct Progress {
    label: &'static str,
    start: Instant,
    enabled: bool,
    state: Mutex<State>,
}

struct State {
    last: Option<Instant>,
    shown: bool,
}

impl Progress {
    /// Progress of the work `label` names, shown only on an interactive terminal.
    pub fn new(label: &'static str) -> Progress {
        let enabled = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Progress::with(label, enabled)
    }

    fn with(label: &'static str, enabled: bool) -> Progress {
        Progress {
            label,
            start: Instant::now(),
            enabled,
            state: Mutex::new(State {
                last: None,
                shown: false,
            }),
        }
    }

    /// `done` of `total` `unit` ("120/480 pages").
    pub fn count(&self, done: usize, total: usize, unit: &str) {
        self.show(|| format!("{done}/{total} {unit}"));
    }

    /// The stage the work has reached ("rendering").
    pub fn stage(&self, what: &str) {
        self.show(|| what.to_string());
    }

    fn show(&self, text: impl FnOnce() -> String) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.start) < DELAY {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if state.last.is_some_and(|t| now.duration_since(t) < REDRAW) {
            return;
        }
        state.last = Some(now);
        state.shown = true;
        // Carriage return and erase-to-end-of-line: the line is rewritten in place.
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{}: {}\x1b[K", self.label, text());
        let _ = err.flush();
    }

    /// Clears the line, if one was shown; what is printed next starts on a clean line.
    pub fn finish(&self) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if state.shown {
            state.shown = false;
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disabled_progress_never_draws() {
        let p = Progress::with("site", false);
        p.count(1, 2, "pages");
        p.finish();
        assert!(!p.state.lock().unwrap().shown);
    }

    #[test]
    fn nothing_is_drawn_in_the_first_second() {
        let p = Progress::with("site", true);
        p.count(1, 2, "pages");
        assert!(!p.state.lock().unwrap().shown);
    }
}
