//! `threatbook lsp` spoken to as an editor does: the binary spawned, Content-Length framed
//! JSON-RPC over its standard input and output. A Neovim session does the same through
//! a real editor's client when `nvim` is installed (always in CI).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::root;

const TIMEOUT: Duration = Duration::from_secs(30);

/// A language client over the server's pipes.
pub struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    pending: Vec<Value>,
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    pub fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_threatbook"))
            .args(["lsp", "--today", "2026-12-01"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("threatbook lsp starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(m) = read_message(&mut reader) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            messages,
            next_id: 1,
            pending: Vec::new(),
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response's `result`.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let m = self
                .messages
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("no answer to {method}"));
            if m.get("id") == Some(&json!(id)) && m.get("method").is_none() {
                assert!(m.get("error").is_none(), "{method} failed: {m}");
                return m["result"].clone();
            }
            self.pending.push(m);
        }
    }

    /// Waits for diagnostics of `uri` that satisfy `wanted`, and returns them.
    pub fn diagnostics(&mut self, uri: &str, wanted: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + TIMEOUT;
        let mut last = None;
        loop {
            let m = if self.pending.is_empty() {
                match self
                    .messages
                    .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                {
                    Ok(m) => m,
                    Err(_) => panic!("no matching diagnostics for {uri}; last: {last:#?}"),
                }
            } else {
                self.pending.remove(0)
            };
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                let list = m["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if wanted(&list) {
                    return list;
                }
                last = Some(list);
            }
        }
    }

    /// Waits for the first message from the server that satisfies `wanted`.
    pub fn message(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&wanted) {
            return self.pending.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let m = self
                .messages
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("the awaited message");
            if wanted(&m) {
                return m;
            }
            self.pending.push(m);
        }
    }

    /// shutdown, exit, and the process's exit status.
    pub fn stop(mut self) -> std::process::ExitStatus {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The fixture model copied into a fresh folder.
fn shop() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for name in ["threatbook.toml", "model.toml"] {
        std::fs::copy(
            root().join("tests/fixtures/lsp/shop").join(name),
            dir.path().join(name),
        )
        .unwrap();
    }
    let path = dir.path().join("model.toml");
    (dir, path)
}

/// The line and UTF-16 column of the `nth` occurrence of `needle` (plus `shift`).
fn pos(text: &str, needle: &str, nth: usize, shift: usize) -> Value {
    let at = text
        .match_indices(needle)
        .nth(nth)
        .expect("needle present")
        .0
        + shift;
    let line = text[..at].matches('\n').count();
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": column})
}

fn codes(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn initialize(client: &mut Client, dir: &Path) {
    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(dir), "capabilities": {}}),
    );
    let caps = &init["capabilities"];
    for cap in [
        "definitionProvider",
        "referencesProvider",
        "hoverProvider",
        "completionProvider",
        "codeActionProvider",
    ] {
        assert!(!caps[cap].is_null(), "{cap} missing from {caps}");
    }
    client.notify("initialized", json!({}));
}

#[test]
fn lsp_session_diagnoses_navigates_completes_and_fixes() {
    let (dir, path) = shop();
    let file = uri(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut client = Client::start();
    initialize(&mut client, dir.path());
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": file, "languageId": "toml", "version": 1, "text": text}}),
    );
    let first = client.diagnostics(&file, |_| true);
    assert!(
        codes(&first).iter().all(|c| c == "unmitigated-threat"),
        "{first:#?}"
    );

    // A typo in a reference: the error appears where it is, with the help's fix.
    let broken = text.replacen("zone = \"dmz\"", "zone = \"dzm\"", 1);
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": file, "version": 2},
               "contentChanges": [{"text": broken}]}),
    );
    let errors = client.diagnostics(&file, |l| {
        codes(l).contains(&"dangling-reference".to_string())
    });
    let error = errors
        .iter()
        .find(|d| d["code"] == "dangling-reference")
        .unwrap();
    assert_eq!(error["severity"], 1);
    assert_eq!(error["source"], "threatbook");
    let typo = pos(&broken, "dzm", 0, 0);
    // The diagnostic covers the string, quotes included; the fix replaces the id.
    assert_eq!(error["range"]["start"], pos(&broken, "\"dzm\"", 0, 0));
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `dmz`?"),
        "{error}"
    );
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": file}, "range": error["range"],
               "context": {"diagnostics": [error]}}),
    );
    let fix = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Replace `dzm` with `dmz`")
        .unwrap_or_else(|| panic!("no replacement in {actions:#}"));
    let edit = &fix["edit"]["changes"][&file][0];
    assert_eq!(edit["newText"], "dmz");
    assert_eq!(edit["range"]["start"], typo);

    // The fix, typed in as an incremental change: the error goes.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": file, "version": 3},
               "contentChanges": [{"range": edit["range"], "text": "dmz"}]}),
    );
    let fixed = client.diagnostics(&file, |l| {
        !codes(l).contains(&"dangling-reference".to_string())
    });
    assert!(!fixed.is_empty());

    // Go to definition: from a component's zone to the zone's id, and from a flow's
    // `to` to the component.
    let at = |needle: &str, nth: usize| json!({"textDocument": {"uri": file}, "position": pos(&text, needle, nth, 1)});
    let definition = client.request("textDocument/definition", at("\"dmz\"", 1));
    assert_eq!(definition[0]["uri"], file);
    assert_eq!(definition[0]["range"]["start"], pos(&text, "dmz", 0, 0));
    let definition = client.request("textDocument/definition", at("\"api\"", 1));
    assert_eq!(definition[0]["range"]["start"], pos(&text, "\"api\"", 0, 1));

    // Find references of the component `api`: its id, the flow's `to`, the threat's target.
    let mut params = at("\"api\"", 0);
    params["context"] = json!({"includeDeclaration": true});
    let refs = client.request("textDocument/references", params);
    let starts: Vec<&Value> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["range"]["start"])
        .collect();
    assert_eq!(
        starts,
        [
            &pos(&text, "\"api\"", 0, 1),
            &pos(&text, "\"api\"", 1, 1),
            &pos(&text, "\"api\"", 2, 1)
        ]
    );

    // Completion in `zone = "…"` offers the zones and nothing else.
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": file}, "position": pos(&text, "zone = \"dmz\"", 0, 8)}),
    );
    let mut labels: Vec<&str> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    labels.sort();
    assert_eq!(labels, ["dmz", "internet"]);
    // `kind = "…"` offers the component kinds.
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": file}, "position": pos(&text, "kind = \"process\"", 0, 8)}),
    );
    let kinds: Vec<&str> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"data-store") && kinds.contains(&"process"),
        "{kinds:?}"
    );

    // Hover on a component: what it is, and the threats it gets with their state.
    let hover = client.request("textDocument/hover", at("\"api\"", 0));
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains("**component** `api`: API"), "{shown}");
    assert!(shown.contains("zone `dmz` (DMZ, trust 5)"), "{shown}");
    assert!(shown.contains("`spoofing-process@api`"), "{shown}");
    assert!(shown.contains("Proposed only"), "{shown}");
    assert!(
        shown.contains("`sqli` SQL injection (high): Mitigated"),
        "{shown}"
    );

    // A knowledge-base threat without an implemented mitigation can be marked not
    // applicable, or accepted.
    let warning = fixed
        .iter()
        .find(|d| {
            d["code"] == "unmitigated-threat"
                && d["message"]
                    .as_str()
                    .unwrap()
                    .contains("spoofing-process@api")
        })
        .unwrap();
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": file}, "range": warning["range"],
               "context": {"diagnostics": [warning]}}),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Mark `spoofing-process` not applicable to `api`"),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"Accept `spoofing-process@api` until 2027-03-01"),
        "{titles:?}"
    );
    let skeleton = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Mark `spoofing-process` not applicable to `api`")
        .unwrap();
    let inserted = skeleton["edit"]["changes"][&file][0]["newText"]
        .as_str()
        .unwrap();
    assert!(
        inserted.contains("[[not-applicable]]\nelement = \"api\"\npattern = \"spoofing-process\""),
        "{inserted}"
    );

    // `technology` offers the knowledge bases' technology words, not their tags.
    let typing = text.replacen(
        "kind = \"process\"\n",
        "kind = \"process\"\ntechnology = \"fa\"\n",
        1,
    );
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": file, "version": 4},
               "contentChanges": [{"text": typing}]}),
    );
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": file}, "position": pos(&typing, "\"fa\"", 0, 3)}),
    );
    let words: Vec<&str> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        words.contains(&"fastapi") && words.contains(&"starlette"),
        "{words:?}"
    );
    assert!(!words.contains(&"routing"), "{words:?}");
    let fastapi = completion
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "fastapi")
        .unwrap();
    // The edit replaces the two letters typed.
    assert_eq!(
        fastapi["textEdit"]["range"]["start"],
        pos(&typing, "\"fa\"", 0, 1)
    );
    assert_eq!(fastapi["textEdit"]["newText"], "fastapi");

    assert!(client.stop().success());
}

#[test]
fn lsp_clears_diagnostics_of_a_file_that_no_longer_has_any() {
    let (dir, path) = shop();
    let file = uri(&path);
    let manifest = uri(&dir.path().join("threatbook.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut client = Client::start();
    initialize(&mut client, dir.path());
    // A name missing from the manifest's project: the error is the manifest's, and the
    // code action adds the name.
    let broken_manifest = "[project]\n\n[knowledge]\nbases = [\"stride\", \"fastapi\"]\n";
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": manifest, "languageId": "toml", "version": 1,
                                "text": broken_manifest}}),
    );
    let errors = client.diagnostics(&manifest, |l| codes(l).contains(&"missing-field".into()));
    let missing = errors
        .iter()
        .find(|d| d["code"] == "missing-field")
        .unwrap();
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": manifest}, "range": missing["range"],
               "context": {"diagnostics": [missing]}}),
    );
    assert_eq!(actions[0]["title"], "Add `name = \"\"`", "{actions:#}");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": manifest, "version": 2},
               "contentChanges": [{"text": "[project]\nname = \"Shop\"\n\n[knowledge]\nbases = [\"stride\", \"fastapi\"]\n"}]}),
    );
    assert!(client.diagnostics(&manifest, |l| l.is_empty()).is_empty());
    // Closing the model file of an unsaved error goes back to the disk's text.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": file, "languageId": "toml", "version": 1,
                                "text": text.replace("to = \"api\"", "to = \"nowhere\"")}}),
    );
    client.diagnostics(&file, |l| {
        codes(l).contains(&"unknown-flow-endpoint".into())
    });
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": file}}),
    );
    client.diagnostics(&file, |l| {
        !codes(l).contains(&"unknown-flow-endpoint".into())
    });
    assert!(client.stop().success());
}

/// The Lua the Neovim test runs: open the file, start `threatbook lsp` for it, wait for
/// diagnostics and write them one a line (`code line:column message`). It uses
/// `vim.lsp.start` where Neovim has it (0.8 and later) and `start_client` before.
const NVIM_SCRIPT: &str = r#"
local bin, file, out = os.getenv('TB_BIN'), os.getenv('TB_FILE'), os.getenv('TB_OUT')
vim.cmd('edit ' .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local config = {
  name = 'threatbook',
  cmd = { bin, 'lsp', '--today', '2026-12-01' },
  root_dir = vim.fn.fnamemodify(file, ':h'),
}
if vim.lsp.start then
  vim.lsp.start(config)
else
  vim.lsp.buf_attach_client(buf, vim.lsp.start_client(config))
end
vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local lines = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or ''
  local first = d.message:gsub('\n.*', '')
  table.insert(lines, string.format('%s %d:%d %s', code, d.lnum + 1, d.col + 1, first))
end
table.sort(lines)
vim.fn.writefile(lines, out)
vim.cmd('qall!')
"#;

fn nvim() -> Option<PathBuf> {
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        let candidate = dir.join("nvim");
        if candidate.is_file() {
            return Some(candidate);
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("CI must install Neovim for the editor test of `threatbook lsp` (see .ci/run)");
    }
    eprintln!("nvim not found: the Neovim session of `threatbook lsp` is skipped");
    None
}

#[test]
fn lsp_diagnostics_reach_neovim() {
    let Some(nvim) = nvim() else { return };
    let (dir, path) = shop();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("zone = \"dmz\"", "zone = \"dzm\"", 1)).unwrap();
    let script = dir.path().join("session.lua");
    std::fs::write(&script, NVIM_SCRIPT).unwrap();
    let out = dir.path().join("diagnostics.txt");
    let mut child = Command::new(nvim)
        .args(["--headless", "--clean", "-u", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("TB_BIN", env!("CARGO_BIN_EXE_threatbook"))
        .env("TB_FILE", &path)
        .env("TB_OUT", &out)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nvim starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("nvim did not finish the session");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let written = std::fs::read_to_string(&out).expect("the session wrote the diagnostics");
    let lines: Vec<&str> = written.lines().collect();
    assert!(
        lines.contains(&"dangling-reference 21:8 `zone` names `dzm`, but no zone has that id"),
        "{written}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn lsp_navigates_between_a_model_and_its_local_knowledge_base() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("catalog/fastapi"), dir.path());
    // The example uses the bundled copy of its knowledge base; this one uses the folder.
    let manifest = dir.path().join("threatbook.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("bases = [\"fastapi\"]"));
    std::fs::write(
        &manifest,
        text.replace("bases = [\"fastapi\"]", "bases = [\"./kb\"]"),
    )
    .unwrap();
    let status = dir.path().join("status.toml");
    let kb = dir.path().join("kb/mitigations.toml");
    let (status_text, kb_text) = (
        std::fs::read_to_string(&status).unwrap(),
        std::fs::read_to_string(&kb).unwrap(),
    );
    let mut client = Client::start();
    initialize(&mut client, dir.path());
    for (path, text) in [(&status, &status_text), (&kb, &kb_text)] {
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "toml", "version": 1,
                                    "text": text}}),
        );
    }
    // From `[[mitigation-status]] mitigation` to the knowledge base's declaration.
    let definition = client.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri(&status)},
               "position": pos(&status_text, "\"route-auth-dependencies\"", 0, 3)}),
    );
    assert_eq!(definition[0]["uri"], uri(&kb).as_str(), "{definition}");
    assert_eq!(
        definition[0]["range"]["start"],
        pos(&kb_text, "\"route-auth-dependencies\"", 0, 1)
    );
    // And back: the knowledge base's mitigation is referred to from the model.
    let refs = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&kb)},
               "position": pos(&kb_text, "\"route-auth-dependencies\"", 0, 3),
               "context": {"includeDeclaration": false}}),
    );
    let files: Vec<&str> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(files, [uri(&status).as_str()], "{refs:#}");
    // Hover on a knowledge-base mitigation says what it mitigates.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&status)},
               "position": pos(&status_text, "\"route-auth-dependencies\"", 0, 3)}),
    );
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.starts_with("**knowledge-base mitigation** `route-auth-dependencies`"),
        "{shown}"
    );
    assert!(
        shown.contains("`router-permissive-route-access`"),
        "{shown}"
    );
    assert!(client.stop().success());
}

#[test]
fn lsp_reads_a_file_changed_on_disk_again_when_the_client_reports_it() {
    let (dir, path) = shop();
    let manifest = dir.path().join("threatbook.toml");
    let mut client = Client::start();
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(dir.path()),
               "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}}),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&manifest), "languageId": "toml", "version": 1,
                                "text": std::fs::read_to_string(&manifest).unwrap()}}),
    );
    // The server asked to hear of changes to TOML files.
    let registration = client.message(|m| m["method"] == "client/registerCapability");
    let registration = &registration["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        registration["registerOptions"]["watchers"][0]["globPattern"],
        "**/*.toml"
    );
    // The first analysis is done (model.toml has warnings) before the disk changes.
    let before = client.diagnostics(&uri(&path), |_| true);
    assert!(!codes(&before).contains(&"unknown-flow-endpoint".into()));
    // model.toml is not open; another tool breaks it on disk.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("from = \"browser\"", "from = \"nobody\""),
    )
    .unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&path), "type": 2}]}),
    );
    client.diagnostics(&uri(&path), |l| {
        codes(l).contains(&"unknown-flow-endpoint".into())
    });
    assert!(client.stop().success());
}
