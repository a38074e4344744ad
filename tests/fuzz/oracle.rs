//! What every output must be, whatever the input: JSON that parses, CSV whose rows have
//! one width, SVG that is well-formed XML, HTML that tokenizes without errors, balances
//! its elements and can run no script of the model's making, DOT whose braces balance.

/// `Err` says what is wrong.
pub type Verdict = Result<(), String>;

pub fn json(text: &str) -> Verdict {
    serde_json::from_str::<serde_json::Value>(text)
        .map(|_| ())
        .map_err(|e| format!("JSON does not parse: {e}"))
}

/// Every record has as many fields as the header (quoted fields may hold commas,
/// doubled quotes and line breaks).
pub fn csv(text: &str) -> Verdict {
    let mut widths = Vec::new();
    let mut fields = 1;
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut empty_line = true;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields += 1,
            '\r' if !quoted => {}
            '\n' if !quoted => {
                if !empty_line || fields > 1 {
                    widths.push(fields);
                }
                fields = 1;
                empty_line = true;
                continue;
            }
            _ => {}
        }
        empty_line = false;
    }
    if quoted {
        return Err("CSV ends inside a quoted field".into());
    }
    if !empty_line {
        widths.push(fields);
    }
    match widths.first() {
        Some(w) if widths.iter().all(|x| x == w) => Ok(()),
        Some(w) => Err(format!(
            "CSV is not rectangular: header has {w} fields, a row has {}",
            widths.iter().find(|x| *x != w).unwrap_or(w)
        )),
        None => Err("CSV is empty".into()),
    }
}

pub fn svg(text: &str) -> Verdict {
    let doc = roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            nodes_limit: u32::MAX,
            ..Default::default()
        },
    )
    .map_err(|e| format!("SVG is not well-formed XML: {e}"))?;
    for node in doc.descendants() {
        let name = node.tag_name().name().to_ascii_lowercase();
        if name == "script" || name == "foreignobject" {
            return Err(format!("SVG has a <{name}> element"));
        }
        for a in node.attributes() {
            if a.name().to_ascii_lowercase().starts_with("on") {
                return Err(format!("SVG has an event handler `{}`", a.name()));
            }
            if a.value()
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("javascript:")
            {
                return Err("SVG has a javascript: URL".into());
            }
        }
    }
    Ok(())
}

/// Elements that have no end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Elements whose end tag HTML lets an author leave out; our pages close them anyway,
/// so they are balanced like the rest.
pub fn html(text: &str) -> Verdict {
    let mut emitter = html5gum::DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let mut stack: Vec<String> = Vec::new();
    let mut in_svg = 0usize;
    for token in html5gum::Tokenizer::new_with_emitter(text, emitter) {
        let Ok(token) = token;
        match token {
            html5gum::Token::Error(e) => return Err(format!("HTML parse error: {}", e.value)),
            html5gum::Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                for (key, value) in &tag.attributes {
                    let key = String::from_utf8_lossy(key).to_ascii_lowercase();
                    let value = String::from_utf8_lossy(value).trim().to_ascii_lowercase();
                    if key.starts_with("on") {
                        return Err(format!("event handler `{key}` on <{name}>"));
                    }
                    if (key == "href" || key == "src" || key == "action" || key == "xlink:href")
                        && (value.starts_with("javascript:") || value.starts_with("data:text"))
                    {
                        return Err(format!("script URL in <{name} {key}>"));
                    }
                }
                if name == "script" && !tag.attributes.contains_key(b"src".as_slice()) {
                    return Err("an inline <script>".into());
                }
                if ["iframe", "object", "embed", "foreignobject"].contains(&name.as_str()) {
                    return Err(format!("a <{name}> element"));
                }
                if name == "svg" {
                    in_svg += 1;
                }
                if !VOID.contains(&name.as_str()) && !tag.self_closing {
                    stack.push(name);
                }
            }
            html5gum::Token::EndTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                match stack.pop() {
                    Some(open) if open == name => {}
                    Some(open) => return Err(format!("</{name}> closes <{open}>")),
                    None => return Err(format!("</{name}> closes nothing")),
                }
                if name == "svg" {
                    in_svg = in_svg.saturating_sub(1);
                }
            }
            _ => {}
        }
    }
    match stack.last() {
        None => Ok(()),
        Some(open) => Err(format!("<{open}> is never closed ({} open)", stack.len())),
    }
}

/// Braces balance outside quoted strings and HTML-like labels.
pub fn dot(text: &str) -> Verdict {
    let mut depth = 0i64;
    let mut quoted = false;
    let mut angle = 0i64;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted => {
                chars.next();
            }
            '"' if angle == 0 => quoted = !quoted,
            '<' if !quoted => angle += 1,
            '>' if !quoted && angle > 0 => angle -= 1,
            '{' if !quoted && angle == 0 => depth += 1,
            '}' if !quoted && angle == 0 => {
                depth -= 1;
                if depth < 0 {
                    return Err("DOT closes a brace it never opened".into());
                }
            }
            '\n' if quoted => return Err("DOT string spans a line".into()),
            _ => {}
        }
    }
    if quoted || depth != 0 || angle != 0 {
        return Err(format!(
            "DOT does not balance (depth {depth}, in string {quoted}, in label {angle})"
        ));
    }
    Ok(())
}

#[test]
fn the_oracles_tell_good_from_bad() {
    assert!(csv("a,b\n1,\"x,\"\"y\"\"\n\"\n").is_ok());
    assert!(csv("a,b\n1,2,3\n").is_err());
    assert!(svg("<svg xmlns=\"http://www.w3.org/2000/svg\"><text>a &lt; b</text></svg>").is_ok());
    assert!(svg("<svg><text>a < b</text></svg>").is_err());
    assert!(svg("<svg><a onclick=\"x\"/></svg>").is_err());
    assert!(html("<!DOCTYPE html><html><body><p>a<br>b</p></body></html>").is_ok());
    assert!(html("<html><body><p>a</body></html>").is_err());
    assert!(html("<html><body><img src=x onerror=alert(1)></body></html>").is_err());
    assert!(html("<html><script>alert(1)</script></html>").is_err());
    assert!(html("<html><head><style>a > b { x: y }</style></head></html>").is_ok());
    assert!(dot("digraph { a [label=\"{\"]; b [label=<<b>}</b>>] }").is_ok());
    assert!(dot("digraph { a -> b").is_err());
}
