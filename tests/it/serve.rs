//! `threatbook serve` over real HTTP: it listens on 127.0.0.1 only, serves the same files
//! `site` writes (pages with the reload script added, nothing else changed), refuses what
//! it must, shows a broken model's diagnostics and recovers, and the files `site` and
//! `render` write never carry the reload script. The browser half is in `browser.rs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::html::{build_site, files_under, html_report};
use crate::support::{TODAY, root};

/// A running `threatbook serve`, stopped when dropped.
pub struct Served {
    child: Child,
    pub port: u16,
    pub url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `threatbook serve ARGS --port 0 --today TODAY` and waits for its URL.
pub fn serve(args: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_threatbook"))
        .arg("serve")
        .args(args)
        .args(["--port", "0", "--today", TODAY])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    let port = url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches('/')
        .parse()
        .unwrap_or_else(|_| panic!("the URL {url} is not on 127.0.0.1"));
    Served { child, port, url }
}

/// An HTTP answer.
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `request` (a whole request head) to the server and reads the answer.
pub fn raw(port: u16, request: &str) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(40)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    Answer {
        status,
        head,
        body: bytes[split + 4..].to_vec(),
    }
}

pub fn get(port: u16, target: &str) -> Answer {
    raw(
        port,
        &format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"),
    )
}

/// Waits for a build after `since` and returns its number.
pub fn next_build(port: u16, since: u64) -> u64 {
    for _ in 0..3 {
        let n: u64 = get(port, &format!("/__threatbook/wait?since={since}"))
            .text()
            .trim()
            .parse()
            .unwrap();
        if n != since {
            return n;
        }
    }
    panic!("no build after {since}");
}

/// A copy of a fixture model in a temp folder, as `<tmp>/model`.
pub fn copy_model(fixture: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    std::fs::create_dir(&dir).unwrap();
    for entry in std::fs::read_dir(root().join(fixture)).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    (tmp, dir)
}

const SCRIPT_ELEMENT: &str =
    "<script src=\"/__threatbook/reload.js\" data-generation=\"1\"></script>\n";

#[test]
fn serve_listens_on_the_loopback_interface_only() {
    let served = serve(&["tests/fixtures/valid/minimal"]);
    assert!(
        served.url.starts_with("http://127.0.0.1:"),
        "{}",
        served.url
    );
    assert_eq!(get(served.port, "/").status, 200);
    #[cfg(target_os = "linux")]
    {
        // Every listening socket on the port, by local address (hex, as the kernel
        // lists it): only 127.0.0.1, and nothing on IPv6.
        let port = format!(":{:04X}", served.port);
        let listening = |table: &str| -> Vec<String> {
            std::fs::read_to_string(table)
                .unwrap_or_default()
                .lines()
                .skip(1)
                .filter_map(|l| {
                    let fields: Vec<&str> = l.split_whitespace().collect();
                    let local = *fields.get(1)?;
                    (local.ends_with(&port) && fields.get(3) == Some(&"0A"))
                        .then(|| local.to_string())
                })
                .collect()
        };
        assert_eq!(listening("/proc/net/tcp"), vec![format!("0100007F{port}")]);
        assert_eq!(listening("/proc/net/tcp6"), Vec::<String>::new());
    }
}

#[test]
fn serve_answers_with_the_files_site_writes_and_the_reload_script_on_pages_only() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_site(&["catalog/fastapi"], &out);
    let written = files_under(&out);
    let served = serve(&["catalog/fastapi"]);
    let mut pages = 0;
    for (path, bytes) in &written {
        if path == threatbook::output::TREE_MARKER {
            continue;
        }
        let answer = get(served.port, &format!("/{path}"));
        assert_eq!(answer.status, 200, "{path}");
        if path.ends_with(".html") {
            pages += 1;
            assert_eq!(
                answer.header("content-type"),
                Some("text/html; charset=utf-8")
            );
            let html = String::from_utf8(bytes.clone()).unwrap();
            let at = html.rfind("</body>").unwrap();
            let expected = format!("{}{SCRIPT_ELEMENT}{}", &html[..at], &html[at..]);
            assert!(
                answer.text() == expected,
                "{path}: more than the script differs"
            );
            let csp = answer.header("content-security-policy").unwrap();
            assert!(
                csp.contains(&format!(
                    "http://127.0.0.1:{}/__threatbook/reload.js",
                    served.port
                )),
                "{path}: {csp}"
            );
        } else {
            assert_eq!(&answer.body, bytes, "{path}");
        }
    }
    assert!(pages > 90, "{pages} pages");
    let css = get(served.port, "/assets/style.css");
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    let js = get(served.port, "/__threatbook/reload.js");
    assert_eq!(
        js.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(js.text().contains("location.reload()"));
    // The root and a model's folder are their index pages.
    assert_eq!(
        get(served.port, "/").body,
        get(served.port, "/index.html").body
    );
    let folder = get(served.port, "/fastapi");
    assert_eq!(folder.status, 301);
    assert_eq!(folder.header("location"), Some("/fastapi/"));
    assert_eq!(
        get(served.port, "/fastapi/").body,
        get(served.port, "/fastapi/index.html").body
    );
}

#[test]
fn serve_refuses_other_methods_paths_outside_the_site_and_other_hosts() {
    let served = serve(&["tests/fixtures/valid/minimal"]);
    let port = served.port;
    let head = raw(
        port,
        &format!("HEAD /index.html HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n"),
    );
    let full = get(port, "/index.html");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "HEAD has no body");
    assert_eq!(head.header("content-length"), full.header("content-length"));
    for method in ["POST", "PUT", "DELETE", "OPTIONS"] {
        let answer = raw(
            port,
            &format!("{method} / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\r\n"),
        );
        assert_eq!(answer.status, 405, "{method}");
        assert_eq!(answer.header("allow"), Some("GET, HEAD"));
    }
    for target in [
        "/../Cargo.toml",
        "/assets/../../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/..%2fCargo.toml",
        "/assets%5c..%5c..%5cCargo.toml",
        "/index.html%00",
    ] {
        let answer = get(port, target);
        assert_eq!(answer.status, 400, "{target}: {}", answer.text());
    }
    for target in [
        "/Cargo.toml",
        "/nope.html",
        "/assets/nope.css",
        "/etc/passwd",
    ] {
        let answer = get(port, target);
        assert_eq!(answer.status, 404, "{target}");
        assert!(answer.text().starts_with("no such file in the site"));
    }
    let elsewhere = raw(
        port,
        &format!("GET / HTTP/1.1\r\nHost: rebinding.example:{port}\r\n\r\n"),
    );
    assert_eq!(elsewhere.status, 403);
    let garbage = raw(port, "hello\r\n\r\n");
    assert_eq!(garbage.status, 400);
}

#[test]
fn a_model_that_fails_to_load_shows_its_diagnostics_in_the_page_and_recovers() {
    let (_tmp, dir) = copy_model("tests/fixtures/valid/minimal");
    let served = serve(&[dir.to_str().unwrap()]);
    let port = served.port;
    assert_eq!(next_build(port, 0), 1);
    let page = get(port, "/model/index.html");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Fixture"));

    let model = dir.join("model.toml");
    let good = std::fs::read_to_string(&model).unwrap();
    std::fs::write(
        &model,
        format!("{good}\n[[component]]\nid = \"x\"\nname = [\"<b>x</b>\",\n"),
    )
    .unwrap();
    assert_eq!(next_build(port, 1), 2);
    for target in ["/model/index.html", "/", "/model/components/api.html"] {
        let page = get(port, target);
        assert_eq!(page.status, 500, "{target}");
        let text = page.text();
        assert!(text.contains("The model could not be built"), "{text}");
        assert!(text.contains("error[toml-syntax]"), "{text}");
        assert!(text.contains("model.toml:"), "the file and line: {text}");
        assert!(text.contains("&lt;b&gt;x&lt;"), "escaped: {text}");
        assert!(!text.contains("<b>x"), "escaped: {text}");
        assert!(
            text.contains("<script src=\"/__threatbook/reload.js\" data-generation=\"2\">"),
            "the error page reloads too"
        );
    }
    // The assets of the last good build are still served.
    assert_eq!(get(port, "/assets/style.css").status, 200);

    std::fs::write(
        &model,
        good.replace("name = \"API\"", "name = \"Fixed API\""),
    )
    .unwrap();
    assert_eq!(next_build(port, 2), 3);
    let page = get(port, "/model/components/api.html");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Fixed API"));
}

#[test]
fn serve_report_serves_the_html_report_with_its_policy_widened_by_the_reload_script_only() {
    let served = serve(&["--report", "tests/fixtures/valid/minimal"]);
    let port = served.port;
    let page = get(port, "/").text();
    let written = html_report("tests/fixtures/valid/minimal");
    let origin = format!("http://127.0.0.1:{port}");
    let widened = written.replacen(
        "base-uri 'none'; form-action 'none'\"",
        &format!(
            "base-uri 'none'; form-action 'none'; script-src {origin}/__threatbook/reload.js; connect-src {origin}/__threatbook/wait\""
        ),
        1,
    );
    assert_ne!(
        widened, written,
        "the report has the policy this test expects"
    );
    let at = widened.rfind("</body>").unwrap();
    let expected = format!("{}{SCRIPT_ELEMENT}{}", &widened[..at], &widened[at..]);
    assert!(
        page == expected,
        "the served report differs beyond the script and policy"
    );
    let two = Command::new(env!("CARGO_BIN_EXE_threatbook"))
        .args(["serve", "--report", "--port", "0"])
        .args(["tests/fixtures/valid/minimal", "catalog/fastapi"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(two.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&two.stderr).contains("--report serves one model"));
}

#[test]
fn files_written_by_site_and_render_carry_no_reload_script() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_site(&["catalog/fastapi"], &out);
    let mut texts: Vec<(String, String)> = files_under(&out)
        .into_iter()
        .map(|(p, b)| (p, String::from_utf8_lossy(&b).into_owned()))
        .collect();
    assert!(texts.len() > 100);
    texts.push(("report.html".into(), html_report("catalog/fastapi")));
    for (path, text) in &texts {
        assert!(!text.contains("__threatbook"), "{path}");
        assert!(!text.contains("reload.js"), "{path}");
        assert!(!text.contains("data-generation"), "{path}");
    }
    assert!(!Path::new(&out.join("__threatbook")).exists());
}
