//! Markdown from the model (descriptions, objectives, justifications) as HTML that is safe
//! to put in a page: pulldown-cmark renders it, ammonia keeps only harmless markup.
//!
//! Whatever a model says, the result has no script, no event handler, no `javascript:`
//! or other unsafe URL, no `style` attribute or element, and no image that would load from
//! the network: reports must open offline and under a strict Content-Security-Policy.

use std::sync::OnceLock;

use pulldown_cmark::{Options, Parser, html};

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        // Images would load from the network (or be blocked by the report's CSP).
        b.rm_tags(["img"]);
        b.link_rel(Some("noopener noreferrer"));
        b
    })
}

/// Markdown `text` as sanitised HTML.
pub fn to_html(text: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    // Characters an HTML parser rejects would pass through both steps as they are.
    let text = super::escape::without_rejected(text);
    let mut raw = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(&text, options));
    cleaner().clean(&raw).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = to_html("Some *emphasis*, `code` and a [link](https://example.com).");
        assert!(html.contains("<em>emphasis</em>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
        assert!(html.contains(r#"href="https://example.com""#), "{html}");
        assert!(html.contains("noopener"), "{html}");
    }

    #[test]
    fn hostile_markup_is_neutralised() {
        let hostile = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<svg onload=alert(1)><circle/></svg>",
            "</style><style>body{display:none}</style>",
            "<div style=\"position:fixed\" onclick=\"x()\">unbalanced <b>bold",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<a href=\"data:text/html,<script>alert(1)</script>\">d</a>",
        ];
        for input in hostile {
            let html = to_html(input).to_lowercase();
            for bad in [
                "<script",
                "onerror",
                "onload",
                "onclick",
                "javascript:",
                "<style",
                "style=",
                "<iframe",
                "<img",
                "<svg",
                "data:text",
            ] {
                assert!(!html.contains(bad), "{input:?} gave {html:?}");
            }
        }
    }

    #[test]
    fn unbalanced_tags_are_closed() {
        let html = to_html("<div>open <b>bold");
        assert_eq!(
            html.matches("<b>").count(),
            html.matches("</b>").count(),
            "{html}"
        );
        assert_eq!(
            html.matches("<div>").count(),
            html.matches("</div>").count(),
            "{html}"
        );
    }
}
