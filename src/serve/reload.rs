//! Live reload: the one script `serve` adds to the pages it sends, and the policy that
//! lets that script, and no other, run.
//!
//! The script is served at [`SCRIPT_PATH`]; [`inject`] puts one `<script src>` element
//! for it before a page's `</body>`, carrying the build generation the page came from.
//! The script long-polls [`WAIT_PATH`] with that generation; the server answers when a
//! newer build is ready (or after a while with the same one), and the script reloads the
//! page when the number changed. Nothing here is ever part of what `site` or `render`
//! write: injection happens on the way out of the server only.
//!
//! [`policy`] is the `Content-Security-Policy` header of a served page: styles from the
//! site and the page's own inline `<style>` elements (by hash), images from the site,
//! the site's own script files and the reload script by full URL, and fetches only to
//! the wait endpoint. A page that carries its own policy in a `<meta>` element (the HTML
//! report's, which allows no script) gets that policy widened by exactly the reload
//! script and its endpoint ([`widen_meta_policy`]), since a browser enforces both.

/// Where the server serves the reload script.
pub const SCRIPT_PATH: &str = "__threatbook/reload.js";
/// The long-poll endpoint: `?since=GENERATION` answers with the current generation.
pub const WAIT_PATH: &str = "__threatbook/wait";

/// The reload script. It uses no `eval`, builds no HTML, and only reloads its own page.
pub const SCRIPT: &str = r#"// threatbook serve: reloads this page after the model is rebuilt. Served by
// `threatbook serve` only; files written by `threatbook site` and `render` never load it.
(function () {
  "use strict";
  var me = document.currentScript;
  var seen = (me && me.getAttribute("data-generation")) || "0";
  var wait = me ? new URL("/__threatbook/wait", me.src).href : "/__threatbook/wait";
  function poll() {
    fetch(wait + "?since=" + encodeURIComponent(seen), { cache: "no-store" })
      .then(function (r) {
        if (!r.ok) { throw new Error("status " + r.status); }
        return r.text();
      })
      .then(function (text) {
        var now = text.trim();
        if (now !== seen) {
          window.location.reload();
        } else {
          poll();
        }
      })
      .catch(function () {
        // The server is restarting or gone: try again in a moment.
        window.setTimeout(poll, 1000);
      });
  }
  poll();
})();
"#;

/// `html` with the reload script's element added before its last `</body>` (at the end
/// when it has none). `generation` is the build the page belongs to.
pub fn inject(html: &str, generation: u64) -> String {
    let element =
        format!("<script src=\"/{SCRIPT_PATH}\" data-generation=\"{generation}\"></script>\n");
    let at = html
        .rfind("</body>")
        .or_else(|| html.rfind("</BODY>"))
        .unwrap_or(html.len());
    let mut out = String::with_capacity(html.len() + element.len());
    out.push_str(&html[..at]);
    out.push_str(&element);
    out.push_str(&html[at..]);
    out
}

/// The `Content-Security-Policy` of a served page. `origin` is `http://HOST:PORT` as the
/// browser addressed the server, `scripts` the site's own script files (paths inside the
/// site), `html` the page (for the hashes of its inline styles).
pub fn policy(origin: &str, html: &str, scripts: &[&str]) -> String {
    let inline_styles = crate::render::content_security_policy(html)
        .split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("style-src "))
        .filter(|s| *s != "'none'")
        .map(|s| format!(" {s}"))
        .unwrap_or_default();
    let mut script_src: Vec<String> = scripts.iter().map(|s| format!("{origin}/{s}")).collect();
    script_src.push(format!("{origin}/{SCRIPT_PATH}"));
    format!(
        "default-src 'none'; style-src 'self'{inline_styles}; img-src 'self' data:; script-src {}; connect-src {origin}/{WAIT_PATH}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        script_src.join(" ")
    )
}

/// `html` with the policy of each `<meta http-equiv="Content-Security-Policy">` element
/// widened by the reload script (`script-src`) and its endpoint (`connect-src`), and
/// nothing else.
pub fn widen_meta_policy(html: &str, origin: &str) -> String {
    const MARKER: &str = "http-equiv=\"Content-Security-Policy\"";
    let mut out = String::with_capacity(html.len() + 200);
    let mut rest = html;
    while let Some(at) = rest.find(MARKER) {
        // The element's end, and its content="..." attribute inside it.
        let Some(end) = rest[at..].find('>').map(|e| at + e) else {
            break;
        };
        let element = &rest[..end];
        let start = element[..at].rfind("<meta").unwrap_or(at);
        let content = element[start..]
            .find("content=\"")
            .map(|c| start + c + "content=\"".len());
        let Some(value_start) = content else {
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        };
        let Some(value_end) = element[value_start..].find('"').map(|e| value_start + e) else {
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        };
        out.push_str(&rest[..value_start]);
        out.push_str(&widen(&rest[value_start..value_end], origin));
        out.push_str(&rest[value_end..end]);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A policy with the reload script added to `script-src` and its endpoint to
/// `connect-src` (each directive created when absent).
fn widen(policy: &str, origin: &str) -> String {
    let additions = [
        ("script-src", format!("{origin}/{SCRIPT_PATH}")),
        ("connect-src", format!("{origin}/{WAIT_PATH}")),
    ];
    let mut directives: Vec<String> = policy
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect();
    for (name, source) in additions {
        match directives
            .iter_mut()
            .find(|d| d.split_whitespace().next() == Some(name))
        {
            Some(d) => {
                // 'none' cannot be combined with a source.
                let kept: Vec<&str> = d
                    .split_whitespace()
                    .skip(1)
                    .filter(|s| *s != "'none'")
                    .collect();
                *d = std::iter::once(name)
                    .chain(kept)
                    .chain(std::iter::once(source.as_str()))
                    .collect::<Vec<_>>()
                    .join(" ");
            }
            None => directives.push(format!("{name} {source}")),
        }
    }
    directives.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://127.0.0.1:4000";

    #[test]
    fn the_script_goes_before_the_body_ends() {
        let page = inject("<html><body><main>x</main></body></html>", 7);
        assert_eq!(
            page,
            "<html><body><main>x</main><script src=\"/__threatbook/reload.js\" data-generation=\"7\"></script>\n</body></html>"
        );
        assert!(inject("<p>no body", 1).starts_with("<p>no body<script"));
    }

    #[test]
    fn a_served_page_may_run_the_site_scripts_and_the_reload_script_only() {
        let html = "<html><head><style>p{}</style></head><body></body></html>";
        let csp = policy(ORIGIN, html, &["assets/search.js"]);
        assert!(
            csp.starts_with("default-src 'none'; style-src 'self' 'sha256-"),
            "{csp}"
        );
        assert!(
            csp.contains(
                "; script-src http://127.0.0.1:4000/assets/search.js http://127.0.0.1:4000/__threatbook/reload.js;"
            ),
            "{csp}"
        );
        assert!(
            csp.contains("; connect-src http://127.0.0.1:4000/__threatbook/wait;"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe"), "{csp}");
        assert!(!csp.contains("script-src 'self'"), "{csp}");
        let plain = policy(ORIGIN, "<p>", &[]);
        assert!(plain.contains("style-src 'self'; img-src"), "{plain}");
    }

    #[test]
    fn the_report_policy_is_widened_by_the_reload_script_alone() {
        let html = "<head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-x'; img-src data:; base-uri 'none'\"><title>t</title>";
        let widened = widen_meta_policy(html, ORIGIN);
        assert_eq!(
            widened,
            "<head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-x'; img-src data:; base-uri 'none'; script-src http://127.0.0.1:4000/__threatbook/reload.js; connect-src http://127.0.0.1:4000/__threatbook/wait\"><title>t</title>"
        );
        assert_eq!(
            widen("script-src 'none'", ORIGIN),
            "script-src http://127.0.0.1:4000/__threatbook/reload.js; connect-src http://127.0.0.1:4000/__threatbook/wait"
        );
        assert_eq!(widen_meta_policy("<p>plain</p>", ORIGIN), "<p>plain</p>");
    }
}
