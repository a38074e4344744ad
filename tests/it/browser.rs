//! The HTML report and the site in a real browser (headless Chromium): pages load without
//! console messages, search works from `file://`, hostile input runs nowhere, and a
//! screenshot of the FastAPI report is left in `target/artifacts/` for a person to see;
//! and a page of `threatbook serve`, left open in a live browser driven over the DevTools
//! protocol, shows an edit of the model, then its diagnostics, then the fix.
//!
//! Chromium is found on PATH (or in `$CHROMIUM`). Without it these tests only say so,
//! except under CI (`CI` set), where a missing browser is a failure.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use crate::html::{build_site, files_under, html_report};
use crate::support::root;

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("CI must install Chromium for the browser tests (see .ci/run)");
    }
    eprintln!("Chromium not found: browser tests skipped");
    None
}

struct Page {
    dom: String,
    console: Vec<String>,
}

/// Loads `url` headless and returns the DOM after scripts ran, and the console lines.
fn load(browser: &Path, url: &str, extra: &[&str]) -> Page {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("Chromium runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    Page {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_string)
            .collect(),
    }
}

fn dump(browser: &Path, url: &str) -> Page {
    load(browser, url, &["--dump-dom"])
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

/// The attributes of the document element as the browser left them.
fn html_tag(dom: &str) -> &str {
    let start = dom.find("<html").unwrap_or(0);
    let end = dom[start..].find('>').map_or(dom.len(), |e| start + e);
    &dom[start..end]
}

fn artifacts() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from);
    let dir = target.join("artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_report_loads_cleanly_and_leaves_a_screenshot() {
    let Some(browser) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("fastapi.html");
    std::fs::write(&report, html_report("catalog/fastapi")).unwrap();
    let page = dump(&browser, &file_url(&report));
    assert!(page.console.is_empty(), "console: {:?}", page.console);
    assert!(
        page.dom.contains("FastAPI service: threat model"),
        "the page rendered"
    );
    let shot = artifacts().join("fastapi-report.png");
    let _ = std::fs::remove_file(&shot);
    let arg = format!("--screenshot={}", shot.display());
    load(
        &browser,
        &file_url(&report),
        &[&arg, "--window-size=1280,2400"],
    );
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 20_000,
        "screenshot {} is {size} bytes",
        shot.display()
    );
    eprintln!("screenshot of the FastAPI report: {}", shot.display());
}

#[test]
fn site_pages_load_without_console_messages() {
    let Some(browser) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_site(&["catalog/fastapi"], &out);
    for page in [
        "index.html",
        "fastapi/index.html",
        "fastapi/flows.html",
        "fastapi/coverage.html",
        "fastapi/components/router.html",
        "fastapi/patterns/fastapi.router-starlette-routing-flaws.html",
        "fastapi/recommendations/fastapi.route-auth-dependencies.html",
        "search.html?q=cors",
    ] {
        let (path, query) = page.split_once('?').map_or((page, ""), |(p, q)| (p, q));
        let mut url = file_url(&out.join(path));
        if !query.is_empty() {
            url = format!("{url}?{query}");
        }
        let loaded = dump(&browser, &url);
        assert!(
            loaded.console.is_empty(),
            "{page}: console {:?}",
            loaded.console
        );
        assert!(loaded.dom.contains("</main>"), "{page} rendered");
    }
}

#[test]
fn search_finds_a_threat_pattern_by_a_word_of_its_description() {
    let Some(browser) = chromium() else { return };
    let model = crate::catalog_model();
    // A word from a description that its title does not contain.
    let threat = model
        .threats
        .iter()
        .find(|t| t.id == "router-starlette-routing-flaws@router")
        .unwrap();
    let description = threat.description.as_deref().unwrap();
    let word = description
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 8 && !threat.title.to_lowercase().contains(&w.to_lowercase()))
        .max_by_key(|w| w.len())
        .expect("a long word")
        .to_lowercase();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_site(&["catalog/fastapi"], &out);
    let url = format!("{}?q={word}", file_url(&out.join("search.html")));
    let page = dump(&browser, &url);
    // An instance is found through its pattern, whose page lists the elements.
    let href = "fastapi/patterns/fastapi.router-starlette-routing-flaws.html";
    assert!(
        page.dom.contains(&format!("href=\"{href}\"")),
        "searching {word:?} did not list {href}: {}",
        &page.dom[page.dom.find("<main").unwrap_or(0)..]
    );
    assert!(page.console.is_empty(), "console: {:?}", page.console);
}

#[test]
fn hostile_payloads_run_nowhere_in_a_browser() {
    let Some(browser) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    // The control: a page where the payload does run must be caught.
    let control = tmp.path().join("control.html");
    std::fs::write(
        &control,
        "<html><body><main><script>document.documentElement.setAttribute('data-pwned','control')</script></main></body></html>",
    )
    .unwrap();
    assert!(
        html_tag(&dump(&browser, &file_url(&control)).dom).contains("data-pwned"),
        "the marker is seen"
    );
    let report = tmp.path().join("hostile.html");
    std::fs::write(&report, html_report("tests/fixtures/valid/hostile")).unwrap();
    let out = tmp.path().join("site");
    build_site(&["tests/fixtures/valid/hostile"], &out);
    let mut urls = vec![file_url(&report)];
    for (path, _) in files_under(&out)
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
    {
        urls.push(file_url(&out.join(path)));
    }
    urls.push(format!("{}?q=script", file_url(&out.join("search.html"))));
    for url in urls {
        let page = dump(&browser, &url);
        assert!(page.dom.contains("</main>"), "{url} rendered");
        let tag = html_tag(&page.dom);
        assert!(!tag.contains("data-pwned"), "{url}: a payload ran: {tag}");
    }
}

/// `html` with its Content Security Policy removed and a script added that writes, into a
/// `<pre id="measure">`, the viewport's width and the right edge and width of the
/// diagram's figure and SVG, with and without the full-size view open. Only for
/// measuring: the report itself runs no script.
fn with_measuring_script(html: &str) -> String {
    let start = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .expect("the report has a CSP");
    let end = start + html[start..].find('>').unwrap() + 1;
    let mut page = format!("{}{}", &html[..start], &html[end..]);
    let script = r#"<script>
var fig = document.querySelector('figure.diagram'), svg = fig.querySelector('svg');
var out = ['viewport ' + window.innerWidth, 'page ' + document.documentElement.scrollWidth,
  'figure ' + Math.round(fig.getBoundingClientRect().right) + ' ' + fig.scrollWidth + ' ' + fig.clientWidth,
  'svg ' + Math.round(svg.getBoundingClientRect().right) + ' ' + Math.round(svg.getBoundingClientRect().width)];
fig.querySelector('details').open = true;
out.push('open ' + Math.round(svg.getBoundingClientRect().width) + ' ' + fig.scrollWidth + ' ' + fig.clientWidth);
var p = document.createElement('pre'); p.id = 'measure'; p.textContent = out.join('\n');
document.body.appendChild(p);
</script></body>"#;
    page = page.replace("</body>", script);
    page
}

#[test]
fn the_fastapi_diagram_fits_a_1400_px_page_and_opens_at_full_size() {
    let Some(browser) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("measure.html");
    std::fs::write(
        &page,
        with_measuring_script(&html_report("catalog/fastapi")),
    )
    .unwrap();
    let dom = load(
        &browser,
        &file_url(&page),
        &["--dump-dom", "--window-size=1400,1000"],
    )
    .dom;
    let start = dom.find("<pre id=\"measure\">").expect("the script ran") + 18;
    let text = &dom[start..start + dom[start..].find("</pre>").unwrap()];
    let value = |key: &str, i: usize| -> f64 {
        let line = text.lines().find(|l| l.starts_with(key)).unwrap();
        let field = line[key.len()..].split_whitespace().nth(i).unwrap();
        field
            .parse()
            .unwrap_or_else(|_| panic!("{key} {i}: {field} in {text}"))
    };
    let viewport = value("viewport", 0);
    assert_eq!(viewport, 1400.0);
    // Nothing on the page (long ids in tables included) makes it scroll sideways.
    assert!(value("page", 0) <= viewport, "{text}");
    assert!(value("figure", 0) <= viewport, "{text}");
    assert!(
        value("figure", 1) <= value("figure", 2),
        "no scrolling: {text}"
    );
    assert!(value("svg", 0) <= viewport, "{text}");
    // Opened, the drawing has its natural width (about 1,300 px, top to bottom), wider
    // than the column, and scrolls.
    assert!(value("open", 0) > value("figure", 2), "{text}");
    assert!(value("open", 0) > value("svg", 1), "{text}");
    assert!(value("open", 1) > value("open", 2), "{text}");
}

/// A live headless Chromium driven over the DevTools protocol on a pipe
/// (`--remote-debugging-pipe`: commands in on fd 3, answers out on fd 4, each a JSON
/// message ended by a NUL), so that a page can stay open while the test edits files.
struct Devtools {
    child: Child,
    to: ChildStdin,
    from: BufReader<ChildStdout>,
    next: u64,
    /// The console and log entries seen so far (`level: text`).
    log: Vec<String>,
    _profile: tempfile::TempDir,
}

impl Devtools {
    fn launch(browser: &Path) -> Devtools {
        let profile = tempfile::tempdir().unwrap();
        // The shell moves our pipes to the descriptors Chromium reads and writes.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null"#)
            .arg(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Chromium runs");
        let to = child.stdin.take().unwrap();
        let from = BufReader::new(child.stdout.take().unwrap());
        Devtools {
            child,
            to,
            from,
            next: 1,
            log: Vec::new(),
            _profile: profile,
        }
    }

    /// Sends a command (to a page when `session` is given) and returns its result.
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: serde_json::Value,
    ) -> serde_json::Value {
        let id = self.next;
        self.next += 1;
        let mut message = serde_json::json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            message["sessionId"] = s.into();
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        self.to.flush().unwrap();
        loop {
            let mut raw = Vec::new();
            let n = self.from.read_until(0, &mut raw).unwrap();
            assert!(n > 0, "Chromium closed the pipe while {method} was pending");
            raw.pop();
            let answer: serde_json::Value = serde_json::from_slice(&raw).unwrap();
            if answer["method"] == "Log.entryAdded" {
                let entry = &answer["params"]["entry"];
                self.log
                    .push(format!("{}: {}", entry["level"], entry["text"]));
            } else if answer["method"] == "Runtime.consoleAPICalled" {
                let params = &answer["params"];
                self.log
                    .push(format!("{}: {}", params["type"], params["args"]));
            }
            if answer["id"] == id {
                assert!(answer["error"].is_null(), "{method}: {answer}");
                return answer["result"].clone();
            }
        }
    }

    /// Opens `url` in a new page; returns the page's session.
    fn open(&mut self, url: &str) -> String {
        let target = self.call(
            None,
            "Target.createTarget",
            serde_json::json!({ "url": url }),
        );
        let attached = self.call(
            None,
            "Target.attachToTarget",
            serde_json::json!({ "targetId": target["targetId"], "flatten": true }),
        );
        let session = attached["sessionId"].as_str().unwrap().to_string();
        self.call(Some(&session), "Log.enable", serde_json::json!({}));
        self.call(Some(&session), "Runtime.enable", serde_json::json!({}));
        session
    }

    /// The page's text as the user sees it now.
    fn text(&mut self, session: &str) -> String {
        let result = self.call(
            Some(session),
            "Runtime.evaluate",
            serde_json::json!({
                "expression": "document.body ? document.body.innerText : ''",
                "returnByValue": true
            }),
        );
        result["result"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits until the page's text contains `wanted`; its text then.
    fn wait_for_text(&mut self, session: &str, wanted: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.text(session);
            if text.contains(wanted) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "the page never showed {wanted:?}; it shows: {text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Devtools {
    fn drop(&mut self) {
        let mut close =
            serde_json::to_vec(&serde_json::json!({ "id": 0, "method": "Browser.close" })).unwrap();
        close.push(0);
        let _ = self.to.write_all(&close);
        let _ = self.to.flush();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_served_page_shows_each_edit_of_the_model_by_itself() {
    let Some(browser) = chromium() else { return };
    let (_tmp, dir) = crate::serve::copy_model("tests/fixtures/valid/minimal");
    let served = crate::serve::serve(&[dir.to_str().unwrap()]);
    let mut devtools = Devtools::launch(&browser);
    let page = devtools.open(&format!("{}model/components/api.html", served.url));
    devtools.wait_for_text(&page, "API");
    // The test never navigates again: every change below is the page reloading itself.
    let model = dir.join("model.toml");
    let good = std::fs::read_to_string(&model).unwrap();
    std::fs::write(
        &model,
        good.replace("name = \"API\"", "name = \"Edited API\""),
    )
    .unwrap();
    devtools.wait_for_text(&page, "Edited API");

    std::fs::write(&model, format!("{good}\nbroken = [\n")).unwrap();
    let text = devtools.wait_for_text(&page, "The model could not be built");
    assert!(text.contains("error[toml-syntax]"), "{text}");
    assert!(text.contains("model.toml:"), "{text}");

    std::fs::write(
        &model,
        good.replace("name = \"API\"", "name = \"Fixed API\""),
    )
    .unwrap();
    devtools.wait_for_text(&page, "Fixed API");
    let blocked: Vec<&String> = devtools
        .log
        .iter()
        .filter(|l| l.contains("Content Security Policy") || l.contains("Refused"))
        .collect();
    assert!(
        blocked.is_empty(),
        "the policy blocked something: {blocked:?}"
    );
}
