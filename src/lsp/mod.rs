//! `threatbook lsp`: a language server for model files, over any [`Connection`] (the
//! command line gives it standard input and output).
//!
//! The server keeps the text of the files the editor has open, and for each model
//! folder (the nearest folder above an open file that holds `threatbook.toml`) an
//! [`Analysis`]: the project loaded by the same loader as `check`, with the editor's
//! unsaved text laid over the files on disk, checked by the same rules, and an index of
//! every id. Edits mark their folder stale; the folder is analysed again once the editor
//! has been quiet for [`DEBOUNCE`], or at once when a request needs it; so do changes on
//! disk that a client watching files reports. The protocol's
//! messages are written by `lsp-server`'s transport: this module never prints.

mod actions;
mod analysis;
mod complete;
mod index;
mod navigate;
pub mod text;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, HoverProviderCapability, OneOf,
    PublishDiagnosticsParams, ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind,
    Uri,
};

pub use self::analysis::Analysis;
use crate::model::Date;

/// How long the editor must be quiet after a change before its folder is analysed again.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// What the server tells the client it can do.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["\"".into(), "@".into(), "=".into()]),
            ..CompletionOptions::default()
        }),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

/// Runs the server on `connection` until the client shuts it down. `today` is the day
/// acceptances are judged on, as in `check`.
/// The error is the protocol's (a client that breaks it, or goes away mid-handshake).
pub fn run(connection: &Connection, today: Date) -> Result<(), String> {
    let capabilities = serde_json::to_value(capabilities())
        .map_err(|e| format!("cannot encode the capabilities: {e}"))?;
    let client = connection
        .initialize(capabilities)
        .map_err(|e| e.to_string())?;
    watch_toml_files(connection, &client);
    let mut server = Server::new(today);
    loop {
        let message = match server.deadline {
            Some(at) => {
                let wait = at.saturating_duration_since(Instant::now());
                match connection.receiver.recv_timeout(wait) {
                    Ok(m) => Some(m),
                    Err(e) if e.is_timeout() => None,
                    Err(_) => return Ok(()),
                }
            }
            None => match connection.receiver.recv() {
                Ok(m) => Some(m),
                Err(_) => return Ok(()),
            },
        };
        let Some(message) = message else {
            server.flush(connection);
            continue;
        };
        match message {
            Message::Request(request) => {
                if connection
                    .handle_shutdown(&request)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(());
                }
                let response = server.request(connection, request);
                send(connection, response.into());
            }
            Message::Notification(n) => server.notification(n),
            Message::Response(_) => {}
        }
    }
}

/// Asks a client that can watch files for us to report changes to TOML files, so that
/// a model file changed on disk (a checkout, another tool) is read again.
fn watch_toml_files(connection: &Connection, client: &serde_json::Value) {
    let can = &client["capabilities"]["workspace"]["didChangeWatchedFiles"]["dynamicRegistration"];
    if can != &serde_json::Value::Bool(true) {
        return;
    }
    let options = lsp_types::DidChangeWatchedFilesRegistrationOptions {
        watchers: vec![lsp_types::FileSystemWatcher {
            glob_pattern: lsp_types::GlobPattern::String("**/*.toml".into()),
            kind: None,
        }],
    };
    let params = lsp_types::RegistrationParams {
        registrations: vec![lsp_types::Registration {
            id: "threatbook-toml-files".into(),
            method: notif::DidChangeWatchedFiles::METHOD.into(),
            register_options: serde_json::to_value(options).ok(),
        }],
    };
    send(
        connection,
        Request::new(
            "threatbook-watch".to_string().into(),
            req::RegisterCapability::METHOD.into(),
            params,
        )
        .into(),
    );
}

fn send(connection: &Connection, message: Message) {
    // The client has gone when its channel is closed; the read loop ends then too.
    let _ = connection.sender.send(message);
}

/// The nearest folder at or above `path`'s folder that holds a manifest, on disk or
/// among the open files.
fn model_dir(path: &Path, open: &HashMap<PathBuf, String>) -> Option<PathBuf> {
    path.ancestors().skip(1).find_map(|dir| {
        let manifest = dir.join(crate::load::MANIFEST);
        (open.contains_key(&manifest) || manifest.is_file()).then(|| dir.to_path_buf())
    })
}

struct Server {
    today: Date,
    /// The text of every open file, by path.
    open: HashMap<PathBuf, String>,
    /// Every model folder an open file belongs to (or belonged to), analysed.
    folders: HashMap<PathBuf, Folder>,
    /// Folders whose files changed since they were last analysed.
    stale: HashSet<PathBuf>,
    /// When to analyse the stale folders.
    deadline: Option<Instant>,
}

struct Folder {
    analysis: Analysis,
    /// Files the last analysis published diagnostics for.
    published: HashSet<PathBuf>,
}

impl Server {
    fn new(today: Date) -> Server {
        Server {
            today,
            open: HashMap::new(),
            folders: HashMap::new(),
            stale: HashSet::new(),
            deadline: None,
        }
    }

    fn touch(&mut self, path: &Path) {
        if let Some(dir) = model_dir(path, &self.open) {
            self.stale.insert(dir);
            self.deadline = Some(Instant::now() + DEBOUNCE);
        }
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidOpenTextDocumentParams>(
                    notif::DidOpenTextDocument::METHOD,
                ) && let Some(path) = text::uri_to_path(&p.text_document.uri)
                {
                    self.open.insert(path.clone(), p.text_document.text);
                    self.touch(&path);
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidChangeTextDocumentParams>(
                    notif::DidChangeTextDocument::METHOD,
                ) && let Some(path) = text::uri_to_path(&p.text_document.uri)
                {
                    let doc = self.open.entry(path.clone()).or_default();
                    for change in p.content_changes {
                        apply_change(doc, change);
                    }
                    self.touch(&path);
                }
            }
            notif::DidSaveTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidSaveTextDocumentParams>(
                    notif::DidSaveTextDocument::METHOD,
                ) && let Some(path) = text::uri_to_path(&p.text_document.uri)
                {
                    if let Some(text) = p.text {
                        self.open.insert(path.clone(), text);
                    }
                    self.touch(&path);
                }
            }
            notif::DidCloseTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidCloseTextDocumentParams>(
                    notif::DidCloseTextDocument::METHOD,
                ) && let Some(path) = text::uri_to_path(&p.text_document.uri)
                {
                    // Its folder is read from disk again: the editor dropped its text.
                    self.touch(&path);
                    self.open.remove(&path);
                }
            }
            notif::DidChangeWatchedFiles::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidChangeWatchedFilesParams>(
                    notif::DidChangeWatchedFiles::METHOD,
                ) {
                    for change in p.changes {
                        // An open file's text is the editor's, whatever the disk says.
                        if let Some(path) = text::uri_to_path(&change.uri)
                            && !self.open.contains_key(&path)
                        {
                            self.touch(&path);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Analyses every stale folder and publishes its diagnostics.
    fn flush(&mut self, connection: &Connection) {
        self.deadline = None;
        let mut stale: Vec<PathBuf> = self.stale.drain().collect();
        stale.sort();
        for dir in stale {
            self.analyse(connection, &dir);
        }
    }

    fn analyse(&mut self, connection: &Connection, dir: &Path) {
        let overlay: crate::load::Overlay = self
            .open
            .iter()
            .filter(|(path, _)| model_dir(path, &self.open).as_deref() == Some(dir))
            .map(|(p, t)| (p.clone(), t.clone()))
            .collect();
        let analysis = Analysis::new(dir, &overlay, self.today);
        let now: HashSet<PathBuf> = analysis.diagnostics.keys().cloned().collect();
        let before = self
            .folders
            .remove(dir)
            .map(|f| f.published)
            .unwrap_or_default();
        let mut paths: Vec<&PathBuf> = now.union(&before).collect();
        paths.sort();
        for path in paths {
            let Some(uri) = text::path_to_uri(path) else {
                continue;
            };
            let diagnostics = analysis
                .diagnostics
                .get(path)
                .map(|list| list.iter().map(|d| d.lsp.clone()).collect())
                .unwrap_or_default();
            let params = PublishDiagnosticsParams::new(uri, diagnostics, None);
            send(
                connection,
                Notification::new(notif::PublishDiagnostics::METHOD.into(), params).into(),
            );
        }
        self.folders.insert(
            dir.to_path_buf(),
            Folder {
                analysis,
                published: now,
            },
        );
    }

    /// The analysis of the folder `uri` is in, brought up to date first.
    fn analysis_of(&mut self, connection: &Connection, uri: &Uri) -> Option<(&Analysis, PathBuf)> {
        let path = text::uri_to_path(uri)?;
        let dir = model_dir(&path, &self.open)?;
        if self.stale.remove(&dir) || !self.folders.contains_key(&dir) {
            self.analyse(connection, &dir);
            if self.stale.is_empty() {
                self.deadline = None;
            }
        }
        Some((&self.folders.get(&dir)?.analysis, path))
    }

    fn request(&mut self, connection: &Connection, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            req::GotoDefinition::METHOD => self.handle::<req::GotoDefinition>(
                connection,
                request,
                |p| &p.text_document_position_params.text_document.uri,
                |a, path, p| {
                    navigate::definition(a, path, p.text_document_position_params.position)
                },
            ),
            req::References::METHOD => self.handle::<req::References>(
                connection,
                request,
                |p| &p.text_document_position.text_document.uri,
                |a, path, p| {
                    navigate::references(
                        a,
                        path,
                        p.text_document_position.position,
                        p.context.include_declaration,
                    )
                },
            ),
            req::HoverRequest::METHOD => self.handle::<req::HoverRequest>(
                connection,
                request,
                |p| &p.text_document_position_params.text_document.uri,
                |a, path, p| navigate::hover(a, path, p.text_document_position_params.position),
            ),
            req::Completion::METHOD => self.handle::<req::Completion>(
                connection,
                request,
                |p| &p.text_document_position.text_document.uri,
                |a, path, p| complete::complete(a, path, p.text_document_position.position),
            ),
            req::CodeActionRequest::METHOD => self.handle::<req::CodeActionRequest>(
                connection,
                request,
                |p| &p.text_document.uri,
                |a, path, p| actions::code_actions(a, path, p.range),
            ),
            _ => Err((
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("threatbook lsp does not handle `{}`", request.method),
            )),
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code, message),
        }
    }

    /// Decodes a request's parameters, brings its folder's analysis up to date and
    /// answers with `answer` (null for a file outside any model folder).
    fn handle<R: req::Request>(
        &mut self,
        connection: &Connection,
        request: Request,
        uri: impl Fn(&R::Params) -> &Uri,
        answer: impl Fn(&Analysis, &Path, &R::Params) -> R::Result,
    ) -> Result<serde_json::Value, (i32, String)> {
        let params: R::Params = serde_json::from_value(request.params).map_err(|e| {
            (
                lsp_server::ErrorCode::InvalidParams as i32,
                format!("invalid parameters for `{}`: {e}", R::METHOD),
            )
        })?;
        let result = match self.analysis_of(connection, uri(&params)) {
            Some((analysis, path)) => serde_json::to_value(answer(analysis, &path, &params)),
            None => Ok(serde_json::Value::Null),
        };
        result.map_err(|e| {
            (
                lsp_server::ErrorCode::InternalError as i32,
                format!("cannot encode the answer: {e}"),
            )
        })
    }
}

/// Applies one change the editor sent to a document's text.
fn apply_change(doc: &mut String, change: lsp_types::TextDocumentContentChangeEvent) {
    match change.range {
        None => *doc = change.text,
        Some(range) => {
            let lines = text::Lines::new(doc);
            let start = lines.offset(range.start);
            let end = lines.offset(range.end).max(start);
            doc.replace_range(start..end, &change.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_position_of_an_odd_file_makes_any_answer_panic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("threatbook.toml"),
            "[project]\nname = \"Café — “x”\"\n[knowledge]\nbases = [\"stride\"]\n",
        )
        .unwrap();
        let broken = "[[zone]]\nid = \"z\"\nname = \"Zoné\"\ntrust = 3\n\n[[component]]\n\
                      id = \"a\"\nname = \"—\"\nkind = \"process\"\nzone = \"z\"\ntags = [\"é—\", \n\n\
                      [[threat]]\nid = \"t\"\ntargets = [\"a\", \"x@a\", \"@\", \"a@\"]\nmitigates = \"“\"\n";
        // Resolves, with a knowledge-base instance and odd characters.
        let resolving = "[[zone]]\nid = \"z\"\nname = \"Zoné —\"\ntrust = 3\n\n[[component]]\n\
                         id = \"a\"\nname = \"“a”\"\nkind = \"process\"\nzone = \"z\"\ntags = [\"é—\"]\n\n\
                         [[mitigation]]\nid = \"m\"\ntitle = \"é\"\nstatus = \"planned\"\n\
                         description = \"“é” —\"\nmitigates = [\"spoofing-process@a\"]\n";
        let path = dir.path().join("model.toml");
        for (model, resolves) in [(broken, false), (resolving, true)] {
            let mut overlay = crate::load::Overlay::new();
            overlay.insert(path.clone(), model.to_string());
            let analysis = Analysis::new(dir.path(), &overlay, Date::new(2026, 12, 1).unwrap());
            assert_eq!(analysis.project.model.is_some(), resolves);
            let lines = text::Lines::new(model);
            let mut answered = 0;
            for offset in 0..=model.len() + 2 {
                let p = lines.position(offset);
                answered += usize::from(complete::complete(&analysis, &path, p).is_some());
                answered += usize::from(navigate::hover(&analysis, &path, p).is_some());
                answered += usize::from(navigate::definition(&analysis, &path, p).is_some());
                answered += usize::from(navigate::references(&analysis, &path, p, true).is_some());
                let _ = actions::code_actions(&analysis, &path, lsp_types::Range::new(p, p));
            }
            assert!(answered > 0);
            assert!(!analysis.diagnostics[&path].is_empty());
        }
    }

    #[test]
    fn incremental_changes_replace_their_range() {
        let mut doc = "zone = \"dmz\"\nname = \"x\"\n".to_string();
        let change = |l1, c1, l2, c2, text: &str| lsp_types::TextDocumentContentChangeEvent {
            range: Some(lsp_types::Range::new(
                lsp_types::Position::new(l1, c1),
                lsp_types::Position::new(l2, c2),
            )),
            range_length: None,
            text: text.into(),
        };
        apply_change(&mut doc, change(0, 8, 0, 11, "internal"));
        assert_eq!(doc, "zone = \"internal\"\nname = \"x\"\n");
        apply_change(&mut doc, change(0, 17, 1, 0, " "));
        assert_eq!(doc, "zone = \"internal\" name = \"x\"\n");
    }
}
