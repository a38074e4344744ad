//! `serve`: a site or report built in memory, served on the loopback interface, rebuilt
//! when the files it was built from change, with pages that reload themselves.
//!
//! [`Server::bind`] listens on 127.0.0.1 only (never on another interface). [`Server::run`]
//! builds once, then answers requests while a watcher thread polls the model's folders
//! ([`watch`]) and, once a change has settled, calls the build again. The last good build
//! keeps being served while a new one runs; a build that fails replaces every page with
//! an error page showing its diagnostics, until a later build succeeds. HTML pages get
//! the live-reload script on the way out ([`reload`]); nothing else is added or changed.
//!
//! It does not load models, render, or print: the caller hands it a build function that
//! returns the files (or the diagnostics of a failure) and an event function that tells
//! the user what happened. It writes no file.

pub mod http;
pub mod reload;
pub mod watch;

use std::collections::BTreeMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use self::http::{Method, Refusal, Request, Response};
use self::watch::Fingerprint;

/// How long a reload request waits for a new build before answering with the same one.
const WAIT_LIMIT: Duration = Duration::from_secs(25);
/// How long a client may take to send its request, or to take the answer.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections answered at once; more get 503 (each reloading page holds one).
const MAX_CONNECTIONS: usize = 128;

/// What a build produced.
pub struct Build {
    /// The files to serve (path inside the site, bytes), or why there are none.
    pub outcome: Result<Vec<(String, Vec<u8>)>, Failure>,
    /// The files the build read (model files, knowledge-base files): their folders are
    /// watched from now on, besides the folders given to [`Server::run`].
    pub read: Vec<PathBuf>,
}

/// A build that failed: shown in place of every page until a build succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// One line: what failed (`catalog/fastapi could not be loaded (2 errors)`).
    pub title: String,
    /// The diagnostics, as plain rustc-style text.
    pub text: String,
}

/// What the server tells its caller.
#[derive(Debug)]
pub enum Event<'a> {
    /// A watched file changed; a build starts.
    Changed,
    /// Build number `generation` succeeded with `files` files.
    Built {
        generation: u64,
        files: usize,
        elapsed: Duration,
    },
    /// Build number `generation` failed.
    Failed {
        generation: u64,
        failure: &'a Failure,
        elapsed: Duration,
    },
}

/// What is served now.
struct State {
    /// Counts builds, the first being 1.
    generation: u64,
    /// The last build that succeeded.
    files: Arc<BTreeMap<String, Vec<u8>>>,
    /// Set while the latest build failed.
    failure: Option<Arc<Failure>>,
}

struct Shared {
    state: Mutex<State>,
    rebuilt: Condvar,
    port: u16,
    connections: AtomicUsize,
}

/// A server bound to a port of 127.0.0.1, not yet serving.
pub struct Server {
    listener: TcpListener,
}

impl Server {
    /// Listens on 127.0.0.1:`port`; port 0 takes any free port.
    pub fn bind(port: u16) -> io::Result<Server> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        Ok(Server { listener })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The URL of its root.
    pub fn url(&self) -> io::Result<String> {
        Ok(format!("http://{}/", self.local_addr()?))
    }

    /// Builds, then serves for good: `roots` (folders or files) and the folders of every
    /// file a build read are polled every `interval`, and `build` is called again once a
    /// change has stayed the same for one interval. Returns only on an I/O error of the
    /// listener.
    pub fn run<B, E>(
        self,
        roots: Vec<PathBuf>,
        interval: Duration,
        build: B,
        events: E,
    ) -> io::Result<()>
    where
        B: FnMut() -> Build + Send + 'static,
        E: Fn(Event<'_>) + Send + Sync + 'static,
    {
        let port = self.local_addr()?.port();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                generation: 0,
                files: Arc::new(BTreeMap::new()),
                failure: None,
            }),
            rebuilt: Condvar::new(),
            port,
            connections: AtomicUsize::new(0),
        });
        let mut watcher = Watcher {
            fixed: roots,
            roots: Vec::new(),
            build,
            events,
            shared: Arc::clone(&shared),
        };
        watcher.roots = watch::roots_for(&watcher.fixed, &[]);
        let seen = Fingerprint::of(&watcher.roots);
        watcher.rebuild();
        std::thread::spawn(move || watcher.watch(seen, interval));
        for stream in self.listener.incoming() {
            let Ok(stream) = stream else {
                // Out of descriptors, or a connection reset before it was taken: do not
                // spin on it.
                std::thread::sleep(Duration::from_millis(50));
                continue;
            };
            let shared = Arc::clone(&shared);
            if shared.connections.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                shared.connections.fetch_sub(1, Ordering::SeqCst);
                let mut stream = stream;
                let _ =
                    Response::text(503, "too many connections; try again").send(&mut stream, false);
                continue;
            }
            std::thread::spawn(move || {
                handle(stream, &shared);
                shared.connections.fetch_sub(1, Ordering::SeqCst);
            });
        }
        Ok(())
    }
}

struct Watcher<B, E> {
    fixed: Vec<PathBuf>,
    roots: Vec<PathBuf>,
    build: B,
    events: E,
    shared: Arc<Shared>,
}

impl<B, E> Watcher<B, E>
where
    B: FnMut() -> Build,
    E: Fn(Event<'_>),
{
    /// Polls for good, rebuilding after each settled change. `seen` is the fingerprint
    /// the current build was made from.
    fn watch(mut self, mut seen: Fingerprint, interval: Duration) {
        loop {
            std::thread::sleep(interval);
            let mut now = Fingerprint::of(&self.roots);
            if now == seen {
                continue;
            }
            // Debounce: an editor's save, or a checkout, is several writes.
            loop {
                std::thread::sleep(interval);
                let again = Fingerprint::of(&self.roots);
                if again == now {
                    break;
                }
                now = again;
            }
            (self.events)(Event::Changed);
            let before = self.roots.clone();
            self.rebuild();
            seen = if self.roots == before {
                now
            } else {
                Fingerprint::of(&self.roots)
            };
        }
    }

    /// Runs a build and publishes its result.
    fn rebuild(&mut self) {
        let start = Instant::now();
        let build = (self.build)();
        let elapsed = start.elapsed();
        // Folders only ever join the watched set: a failed build reads fewer files, and
        // dropping their folders would miss the edit that fixes it.
        let mut roots = watch::roots_for(&self.fixed, &build.read);
        roots.extend(self.roots.iter().cloned());
        roots.sort();
        roots.dedup();
        self.roots = roots;
        let generation;
        let failure;
        let count;
        {
            let mut state = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
            state.generation += 1;
            generation = state.generation;
            match build.outcome {
                Ok(files) => {
                    count = files.len();
                    state.files = Arc::new(files.into_iter().collect());
                    state.failure = None;
                    failure = None;
                }
                Err(f) => {
                    count = 0;
                    let f = Arc::new(f);
                    state.failure = Some(Arc::clone(&f));
                    failure = Some(f);
                }
            }
        }
        self.shared.rebuilt.notify_all();
        match failure {
            None => (self.events)(Event::Built {
                generation,
                files: count,
                elapsed,
            }),
            Some(failure) => (self.events)(Event::Failed {
                generation,
                failure: &failure,
                elapsed,
            }),
        }
    }
}

/// Answers one connection: one request, one answer.
fn handle(mut stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let request = match http::read_request(&stream) {
        Ok(Some(r)) => r,
        Ok(None) | Err(_) => return,
    };
    let (response, head) = match request {
        Ok(request) => (respond(shared, &request), request.method == Method::Head),
        Err(Refusal::Method(m)) => (
            Response::text(405, &format!("{m} is not answered here; only GET and HEAD"))
                .with_header("Allow", "GET, HEAD".into()),
            false,
        ),
        Err(Refusal::Bad(why)) => (Response::text(400, why), false),
    };
    let _ = response.send(&mut stream, head);
}

/// The hosts a request may be addressed to. Any other `Host` is refused, so that a web
/// page whose domain was made to resolve to 127.0.0.1 cannot read the model through the
/// user's browser.
fn allowed_host(host: &str, port: u16) -> bool {
    host == format!("127.0.0.1:{port}") || host == format!("localhost:{port}")
}

/// The answer to a well-formed GET or HEAD.
fn respond(shared: &Shared, request: &Request) -> Response {
    let origin = match &request.host {
        Some(host) if allowed_host(host, shared.port) => format!("http://{host}"),
        Some(host) => {
            return Response::text(
                403,
                &format!(
                    "this server answers requests for 127.0.0.1:{0} or localhost:{0}, not {host}",
                    shared.port
                ),
            );
        }
        None => format!("http://127.0.0.1:{}", shared.port),
    };
    if request.path == reload::SCRIPT_PATH {
        return Response::new(
            200,
            http::content_type(reload::SCRIPT_PATH),
            reload::SCRIPT.as_bytes().to_vec(),
        );
    }
    if request.path == reload::WAIT_PATH {
        return wait(shared, &request.query);
    }
    let (generation, files, failure) = {
        let state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        (
            state.generation,
            Arc::clone(&state.files),
            state.failure.clone(),
        )
    };
    let path = if request.path.is_empty() || request.path.ends_with('/') {
        format!("{}index.html", request.path)
    } else {
        request.path.clone()
    };
    let is_page = path.ends_with(".html");
    if let (Some(failure), true) = (&failure, is_page) {
        let html = error_page(failure);
        return html_response(500, &html, &origin, generation, &[]);
    }
    let Some(bytes) = files.get(&path) else {
        if files.contains_key(&format!("{path}/index.html")) {
            return Response::text(301, "moved").with_header("Location", format!("/{path}/"));
        }
        return Response::text(404, &format!("no such file in the site: /{path}"));
    };
    if is_page {
        let scripts: Vec<&str> = files
            .keys()
            .filter(|k| k.ends_with(".js"))
            .map(String::as_str)
            .collect();
        let html = String::from_utf8_lossy(bytes);
        return html_response(200, &html, &origin, generation, &scripts);
    }
    Response::new(200, http::content_type(&path), bytes.clone())
}

/// An HTML page as served: the report's own policy widened, the reload script added, and
/// the policy header of [`reload::policy`].
fn html_response(
    status: u16,
    html: &str,
    origin: &str,
    generation: u64,
    scripts: &[&str],
) -> Response {
    let csp = reload::policy(origin, html, scripts);
    let page = reload::inject(&reload::widen_meta_policy(html, origin), generation);
    Response::new(status, http::content_type("x.html"), page.into_bytes())
        .with_header("Content-Security-Policy", csp)
}

/// The long poll: answers with the current generation once it differs from `since` in
/// the query, or after [`WAIT_LIMIT`].
fn wait(shared: &Shared, query: &str) -> Response {
    let since = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("since="))
        .and_then(|v| v.parse::<u64>().ok());
    let state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
    let state = match since {
        Some(since) => {
            shared
                .rebuilt
                .wait_timeout_while(state, WAIT_LIMIT, |s| s.generation == since)
                .unwrap_or_else(|e| e.into_inner())
                .0
        }
        None => state,
    };
    Response::text(200, &state.generation.to_string())
}

/// The page shown while the latest build failed: its title and diagnostics, escaped.
pub fn error_page(failure: &Failure) -> String {
    use crate::render::escape::html_string;
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Build failed: {title}</title>\n<style>{style}</style>\n</head>\n<body>\n<main>\n<h1>The model could not be built</h1>\n<p class=\"title\">{title}</p>\n<p>This page shows the latest build; it reloads by itself when the files are fixed.</p>\n<pre class=\"diagnostics\">{text}</pre>\n</main>\n</body>\n</html>\n",
        title = html_string(&failure.title),
        text = html_string(&failure.text),
        style = ERROR_STYLE,
    )
}

const ERROR_STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b}h1{color:#a40000;font-size:1.4rem}.title{font-weight:600}pre{background:#f6f6f6;border:1px solid #ddd;padding:1rem;overflow:auto;white-space:pre-wrap}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_listens_on_the_loopback_interface_only() {
        let server = Server::bind(0).unwrap();
        let addr = server.local_addr().unwrap();
        assert_eq!(addr.ip(), std::net::IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_ne!(addr.port(), 0, "port 0 took a free port");
        assert_eq!(
            server.url().unwrap(),
            format!("http://127.0.0.1:{}/", addr.port())
        );
    }

    #[test]
    fn the_error_page_escapes_the_diagnostics() {
        let page = error_page(&Failure {
            title: "m <b> could not be loaded".into(),
            text: "error[invalid-toml]: <script>alert(1)</script> & more".into(),
        });
        assert!(page.contains("m &lt;b&gt; could not be loaded"), "{page}");
        assert!(
            page.contains(
                "error[invalid-toml]: &lt;script&gt;alert(1)&lt;&#x2F;script&gt; &amp; more"
            ) || page
                .contains("error[invalid-toml]: &lt;script&gt;alert(1)&lt;/script&gt; &amp; more"),
            "{page}"
        );
        assert!(!page.contains("<script"), "{page}");
    }

    #[test]
    fn requests_for_another_host_are_refused() {
        assert!(allowed_host("127.0.0.1:8000", 8000));
        assert!(allowed_host("localhost:8000", 8000));
        assert!(!allowed_host("evil.example:8000", 8000));
        assert!(!allowed_host("127.0.0.1:8001", 8000));
        assert!(!allowed_host("127.0.0.1", 8000));
    }
}
