//! The little HTTP/1.1 that `serve` speaks, on `std::net` alone: read one request's head,
//! answer it, close the connection.
//!
//! Only `GET` and `HEAD` are answered (anything else gets 405); a request target is
//! percent-decoded and split into segments, and one that is not a plain path inside the
//! site (a `..` or `.` segment, a backslash, a NUL, bytes that are not UTF-8) is a 400, so
//! no request can name anything outside the in-memory site. Every answer closes the
//! connection (`Connection: close`), has a `Content-Length`, is never cached, and is not
//! sniffed by the browser. It knows nothing of models or sites: [`super`] decides what
//! each path holds.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;

/// The most a request's head (request line and headers) may take.
const MAX_HEAD: usize = 16 * 1024;

/// What was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// The path inside the site: segments joined by `/`, without a leading `/`
    /// (`""` is the root). A path that asked for a folder ends in `/`.
    pub path: String,
    /// The query string after `?`, undecoded (empty when there was none).
    pub query: String,
    /// The `Host` header, when one was sent.
    pub host: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
}

/// Why a request is not answered as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A method other than GET and HEAD.
    Method(String),
    /// A malformed request or a path outside the site.
    Bad(&'static str),
}

/// Reads and parses one request's head from `stream`. `Ok(None)` when the client closed
/// the connection before sending anything.
pub fn read_request(stream: &TcpStream) -> io::Result<Option<Result<Request, Refusal>>> {
    let mut reader = BufReader::new(stream.take(MAX_HEAD as u64));
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let n = reader.read_until(b'\n', &mut head)?;
        if n == 0 {
            if head.is_empty() {
                return Ok(None);
            }
            return Ok(Some(Err(Refusal::Bad("the request's head is cut short"))));
        }
        let line = &head[before..];
        if line == b"\r\n" || line == b"\n" {
            if before == 0 {
                // A blank line before the request line is tolerated (RFC 9112, 2.2).
                head.clear();
                continue;
            }
            break;
        }
    }
    Ok(Some(parse_head(&head)))
}

/// Parses a request's head: the request line, then headers, each line ending in CRLF.
pub fn parse_head(head: &[u8]) -> Result<Request, Refusal> {
    let text = std::str::from_utf8(head).map_err(|_| Refusal::Bad("the head is not UTF-8"))?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::Bad(
            "the request line is not METHOD TARGET VERSION",
        ));
    };
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(Refusal::Bad("only HTTP/1.0 and HTTP/1.1 are spoken"));
    }
    let mut host = None;
    for line in lines {
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(Refusal::Bad("a header line has no colon"));
        };
        if name.eq_ignore_ascii_case("host") {
            if host.is_some() {
                return Err(Refusal::Bad("two Host headers"));
            }
            host = Some(value.trim().to_string());
        }
    }
    let method = match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        other => return Err(Refusal::Method(other.to_string())),
    };
    let (path, query) = split_target(target)?;
    Ok(Request {
        method,
        path,
        query,
        host,
    })
}

/// The site path and the query of a request target (origin form: `/a/b?x`).
fn split_target(target: &str) -> Result<(String, String), Refusal> {
    let target = target.split_once('#').map_or(target, |(t, _)| t);
    let (raw, query) = target.split_once('?').unwrap_or((target, ""));
    let Some(raw) = raw.strip_prefix('/') else {
        return Err(Refusal::Bad("the target is not a path starting with /"));
    };
    let decoded = percent_decode(raw).ok_or(Refusal::Bad("a bad %-escape in the path"))?;
    let decoded = String::from_utf8(decoded).map_err(|_| Refusal::Bad("the path is not UTF-8"))?;
    let folder = decoded.is_empty() || decoded.ends_with('/');
    let mut segments = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" => {}
            "." | ".." => return Err(Refusal::Bad("a . or .. segment in the path")),
            s if s.contains('\\') || s.chars().any(char::is_control) => {
                return Err(Refusal::Bad("a backslash or control character in the path"));
            }
            s => segments.push(s),
        }
    }
    let mut path = segments.join("/");
    if folder && !path.is_empty() {
        path.push('/');
    }
    Ok((path, query.to_string()))
}

/// `%XX` escapes decoded; `None` for a `%` not followed by two hex digits.
fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The `Content-Type` of a file of the site, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "toml" => "application/toml",
        _ => "application/octet-stream",
    }
}

/// An answer to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Headers beyond those every answer has.
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body,
        }
    }

    /// A short plain-text answer, for errors.
    pub fn text(status: u16, message: &str) -> Response {
        Response::new(
            status,
            "text/plain; charset=utf-8",
            format!("{message}\n").into_bytes(),
        )
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Response {
        self.headers.push((name, value));
        self
    }

    /// The answer as bytes on the wire; `head` leaves the body out (its length stays).
    pub fn to_bytes(&self, head: bool) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        out.push_str("Cache-Control: no-store\r\n");
        out.push_str("X-Content-Type-Options: nosniff\r\n");
        out.push_str("Referrer-Policy: no-referrer\r\n");
        out.push_str("Connection: close\r\n\r\n");
        let mut bytes = out.into_bytes();
        if !head {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }

    pub fn send(&self, stream: &mut TcpStream, head: bool) -> io::Result<()> {
        stream.write_all(&self.to_bytes(head))?;
        stream.flush()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(target: &str) -> Result<Request, Refusal> {
        parse_head(format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n").as_bytes())
    }

    #[test]
    fn paths_are_decoded_and_kept_inside_the_site() {
        let r = get("/fastapi/threats/a%40b.html?q=x#frag").unwrap();
        assert_eq!(r.path, "fastapi/threats/a@b.html");
        assert_eq!(r.query, "q=x");
        assert_eq!(r.host.as_deref(), Some("127.0.0.1:80"));
        assert_eq!(get("/").unwrap().path, "");
        assert_eq!(get("//a//b/").unwrap().path, "a/b/");
        for bad in [
            "/../etc/passwd",
            "/a/%2e%2e/%2e%2e/x",
            "/a/./b",
            "/a%5c..%5cb",
            "/a%00",
            "/a%0d%0aSet-Cookie:x",
            "/%ff",
            "/%zz",
            "/%4",
            "http://example.com/",
            "*",
        ] {
            assert!(matches!(get(bad), Err(Refusal::Bad(_))), "{bad}");
        }
    }

    #[test]
    fn only_get_and_head_are_answered() {
        let head = parse_head(b"HEAD /x HTTP/1.0\r\n\r\n").unwrap();
        assert_eq!(head.method, Method::Head);
        assert_eq!(head.host, None);
        for method in ["POST", "PUT", "DELETE", "OPTIONS", "get"] {
            let r = parse_head(format!("{method} / HTTP/1.1\r\n\r\n").as_bytes());
            assert_eq!(r, Err(Refusal::Method(method.to_string())));
        }
        assert!(matches!(
            parse_head(b"GET / HTTP/2\r\n\r\n"),
            Err(Refusal::Bad(_))
        ));
        assert!(matches!(
            parse_head(b"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"),
            Err(Refusal::Bad(_))
        ));
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("assets/style.css"), "text/css; charset=utf-8");
        assert_eq!(
            content_type("search-index.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("a.SVG"), "image/svg+xml");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }

    #[test]
    fn a_head_answer_has_the_length_but_not_the_body() {
        let r = Response::text(404, "no such page");
        let get = String::from_utf8(r.to_bytes(false)).unwrap();
        let head = String::from_utf8(r.to_bytes(true)).unwrap();
        assert!(get.starts_with("HTTP/1.1 404 Not Found\r\n"), "{get}");
        assert!(get.ends_with("\r\n\r\nno such page\n"), "{get}");
        assert!(head.contains("Content-Length: 13\r\n"), "{head}");
        assert!(head.ends_with("\r\n\r\n"), "{head}");
    }
}
