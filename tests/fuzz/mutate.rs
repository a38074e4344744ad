//! Seeded structural mutations of model folders and of files to import.
//!
//! A model file is parsed into a TOML value tree and edited the way a careless or hostile
//! author would edit it (keys renamed or dropped, values of the wrong type, ids pointed at
//! other kinds of entity, entities duplicated or deleted, deep nesting, long strings,
//! control characters), then written back; some cases are then edited as text (CRLF, lone
//! CR, BOM, a cut, a stray byte). Files to import get the same edits on their JSON tree.
//! Every choice comes from [`Rng`], so a case is reproduced from its seed alone.

use serde_json::Value as Json;
use toml::Value;

/// Whether cases may be large (the long campaign) or must stay small (`cargo test`,
/// which runs unoptimised): sizes are picked from the first or from all entries of each
/// size list.
pub static LARGE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// One of `sizes`: any of them in a large campaign, else one of the first two.
fn size(rng: &mut Rng, sizes: &[usize]) -> usize {
    let n = if LARGE.load(std::sync::atomic::Ordering::Relaxed) {
        sizes.len()
    } else {
        sizes.len().min(2)
    };
    sizes[rng.below(n)]
}

/// A small deterministic generator (SplitMix64): the same seed gives the same case.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

/// Strings that have broken tools before: markup, script, control characters, bidi
/// overrides, separators, very long words.
const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><svg onload=alert(1)>",
    "javascript:alert(1)",
    "]]></text><script>x</script>",
    "{{ 7*7 }} {% raw %}",
    "`code` *em* [link](javascript:alert(1)) <b>",
    "a\u{0}b\u{1}c\u{7f}d",
    "line\rcarriage\r\nreturn\n",
    "\u{202e}reversed\u{2028}sep\u{2029}",
    "\u{feff}bom",
    "' OR 1=1 --",
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "\\\\\\\"",
    "# not a heading\n---\n| a | b |",
    "<!-- comment --> &amp; &#0; &#x110000;",
    "x@y@z",
    "",
    " ",
];

/// What one mutation did, for the case's description.
pub type Step = String;

/// Mutates a model folder's files in place: one to four steps.
pub fn model(rng: &mut Rng, files: &mut [(String, Vec<u8>)]) -> Vec<Step> {
    let mut steps = Vec::new();
    if files.is_empty() {
        return steps;
    }
    let ids = ids_of(files);
    // Mostly one step, so that many cases still load and reach every command.
    let count = [1, 1, 1, 1, 2, 2, 3, 4][rng.below(8)];
    for _ in 0..count {
        let f = rng.below(files.len());
        let (name, bytes) = &mut files[f];
        if !name.ends_with(".toml") {
            continue;
        }
        let text = String::from_utf8_lossy(bytes).into_owned();
        let step = if rng.chance(6) {
            let (t, s) = text_edit(rng, &text);
            *bytes = t;
            s
        } else {
            match toml::from_str::<toml::Table>(&text) {
                Ok(mut table) => {
                    let s = structural(rng, &mut table, &ids);
                    match toml::to_string(&table) {
                        Ok(t) => *bytes = t.into_bytes(),
                        Err(_) => continue,
                    }
                    s
                }
                Err(_) => {
                    let (t, s) = text_edit(rng, &text);
                    *bytes = t;
                    s
                }
            }
        };
        steps.push(format!("{name}: {step}"));
    }
    steps
}

/// Every `id` value in the files, and every `pattern@element`-looking reference, for
/// re-pointing references.
fn ids_of(files: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut ids = Vec::new();
    for (_, bytes) in files {
        let text = String::from_utf8_lossy(bytes);
        for line in text.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("id = \"") {
                if let Some(id) = rest.strip_suffix('"') {
                    ids.push(id.to_string());
                }
            }
        }
    }
    let n = ids.len();
    for i in 0..n.min(20) {
        let j = (i * 7 + 3) % n.max(1);
        ids.push(format!("{}@{}", ids[i], ids[j]));
    }
    ids
}

fn structural(rng: &mut Rng, table: &mut toml::Table, ids: &[String]) -> Step {
    match rng.below(12) {
        0 => deep_zones(rng, table),
        1 => many_entities(rng, table),
        2 => duplicate_or_delete(rng, table),
        _ => {
            // Edit a value somewhere in the tree.
            let mut path = Vec::new();
            edit_somewhere(rng, table, ids, &mut path)
        }
    }
}

/// A chain of zones, each inside the previous one, and a component in the deepest.
fn deep_zones(rng: &mut Rng, table: &mut toml::Table) -> Step {
    let depth = size(rng, &[50, 300, 5_000, 20_000]);
    let zones = table
        .entry("zone")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(zones) = zones else {
        return "zone is not an array: left".into();
    };
    for i in 0..depth {
        let mut z = toml::Table::new();
        z.insert("id".into(), Value::String(format!("deep-{i}")));
        z.insert("name".into(), Value::String(format!("Deep {i}")));
        z.insert("trust".into(), Value::Integer((i % 11) as i64));
        if i > 0 {
            z.insert("inside".into(), Value::String(format!("deep-{}", i - 1)));
        }
        zones.push(Value::Table(z));
    }
    let components = table
        .entry("component")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(components) = components {
        let mut c = toml::Table::new();
        c.insert("id".into(), Value::String("deepest".into()));
        c.insert("name".into(), Value::String("Deepest".into()));
        c.insert("kind".into(), Value::String("process".into()));
        c.insert("zone".into(), Value::String(format!("deep-{}", depth - 1)));
        components.push(Value::Table(c));
    }
    format!("{depth} nested zones")
}

/// The most bytes of TOML that copies of one entity may add to a case.
const COPY_BUDGET: usize = 16 << 20;

/// Copies of an entity with fresh ids: a model far larger than its seed.
fn many_entities(rng: &mut Rng, table: &mut toml::Table) -> Step {
    let keys: Vec<String> = arrays_of_tables(table);
    let Some(key) = rng.pick(&keys).cloned() else {
        return "no entity to copy".into();
    };
    let n = size(rng, &[10, 100, 2_000]);
    copies(table, &key, n)
}

/// Adds up to `n` copies of the first `[[key]]`, as many as [`COPY_BUDGET`] allows.
fn copies(table: &mut toml::Table, key: &str, n: usize) -> Step {
    let Some(Value::Array(items)) = table.get_mut(key) else {
        return "not an array".into();
    };
    let Some(Value::Table(first)) = items.first().cloned() else {
        return "empty".into();
    };
    // A case stays within a budget, whatever other steps made of the entity: 2,000
    // copies of a component holding a megabyte string would be a 2 GB case, which
    // tests the harness's memory rather than threatbook's.
    let each = toml::to_string(&first).map_or(1, |t| t.len().max(1));
    let n = n.min(COPY_BUDGET / each).max(1);
    for i in 0..n {
        let mut copy = first.clone();
        if let Some(Value::String(id)) = copy.get_mut("id") {
            *id = format!("{id}-copy-{i}");
        }
        items.push(Value::Table(copy));
    }
    format!("{n} copies of the first [[{key}]]")
}

fn arrays_of_tables(table: &toml::Table) -> Vec<String> {
    table
        .iter()
        .filter(
            |(_, v)| matches!(v, Value::Array(a) if a.iter().all(Value::is_table) && !a.is_empty()),
        )
        .map(|(k, _)| k.clone())
        .collect()
}

fn duplicate_or_delete(rng: &mut Rng, table: &mut toml::Table) -> Step {
    let keys = arrays_of_tables(table);
    let Some(key) = rng.pick(&keys).cloned() else {
        return "no entity".into();
    };
    let Some(Value::Array(items)) = table.get_mut(&key) else {
        return "not an array".into();
    };
    let i = rng.below(items.len());
    if rng.chance(2) {
        let copy = items[i].clone();
        items.insert(rng.below(items.len() + 1), copy);
        format!("duplicated [[{key}]] #{i}")
    } else {
        items.remove(i);
        format!("deleted [[{key}]] #{i}")
    }
}

/// Walks down to a random value (iteratively) and edits it or its key.
fn edit_somewhere(
    rng: &mut Rng,
    root: &mut toml::Table,
    ids: &[String],
    path: &mut Vec<String>,
) -> Step {
    let mut table = root;
    loop {
        let keys: Vec<String> = table.keys().cloned().collect();
        let Some(key) = rng.pick(&keys).cloned() else {
            // An empty table: give it something.
            table.insert("unexpected".into(), Value::Boolean(true));
            return format!("{}: added a key to an empty table", path.join("."));
        };
        path.push(key.clone());
        // Descend into tables and arrays of tables most of the time.
        let descend = match &table[&key] {
            Value::Table(_) => !rng.chance(4),
            Value::Array(a) => !a.is_empty() && a.iter().all(Value::is_table) && !rng.chance(4),
            _ => false,
        };
        if descend {
            let next = match table.get_mut(&key) {
                Some(Value::Table(t)) => t,
                Some(Value::Array(a)) => {
                    let i = rng.below(a.len());
                    path.push(i.to_string());
                    match &mut a[i] {
                        Value::Table(t) => t,
                        _ => return "not a table".into(),
                    }
                }
                _ => return "vanished".into(),
            };
            table = next;
            continue;
        }
        let at = path.join(".");
        return match [0, 1, 2, 3, 4, 5, 5, 6, 6, 6, 7][rng.below(11)] {
            0 => {
                let v = table.remove(&key).unwrap_or(Value::Boolean(false));
                let typo = typo(rng, &key);
                table.insert(typo.clone(), v);
                format!("{at}: key renamed to `{typo}`")
            }
            1 => {
                table.remove(&key);
                format!("{at}: key dropped")
            }
            2 => {
                let v = wrong_type(rng, &table[&key]);
                table.insert(key, v);
                format!("{at}: value of another type")
            }
            3 | 4 => {
                let v = repoint(rng, &table[&key], ids);
                table.insert(key, v);
                format!("{at}: reference re-pointed")
            }
            5 => {
                let n = size(rng, &[1_000, 50_000, 1_100_000]);
                let s = "név ".repeat(n / 4);
                table.insert(key, Value::String(s));
                format!("{at}: {n}-byte string")
            }
            6 => {
                let h = rng.pick(HOSTILE).copied().unwrap_or("");
                let v = match &table[&key] {
                    Value::Array(a) if !a.is_empty() => {
                        let mut a = a.clone();
                        let i = rng.below(a.len());
                        a[i] = Value::String(h.to_string());
                        Value::Array(a)
                    }
                    _ => Value::String(h.to_string()),
                };
                table.insert(key, v);
                format!("{at}: hostile text {h:?}")
            }
            _ => {
                let depth = size(rng, &[10, 100, 1_000]);
                let mut v = Value::String("deep".into());
                for _ in 0..depth {
                    v = if rng.chance(2) {
                        Value::Array(vec![v])
                    } else {
                        let mut t = toml::Table::new();
                        t.insert("x".into(), v);
                        Value::Table(t)
                    };
                }
                table.insert(key, v);
                format!("{at}: nested {depth} deep")
            }
        };
    }
}

fn typo(rng: &mut Rng, key: &str) -> String {
    let mut chars: Vec<char> = key.chars().collect();
    match rng.below(4) {
        0 if !chars.is_empty() => {
            chars.remove(rng.below(chars.len()));
        }
        1 if chars.len() > 1 => {
            let i = rng.below(chars.len() - 1);
            chars.swap(i, i + 1);
        }
        2 => {
            return key.replace('_', "-").replace('-', "_")
                + if key.contains(['_', '-']) { "" } else { "s" };
        }
        _ => chars.push('s'),
    }
    let s: String = chars.into_iter().collect();
    if s.is_empty() { "x".into() } else { s }
}

fn wrong_type(rng: &mut Rng, v: &Value) -> Value {
    let s = v.to_string();
    match (rng.below(6), v) {
        (0, Value::String(_)) | (0, Value::Boolean(_)) => Value::Integer(7),
        (0, _) => Value::String(s),
        (1, _) => Value::Boolean(true),
        (2, _) => Value::Array(vec![v.clone(), Value::Integer(-1)]),
        (3, _) => {
            let mut t = toml::Table::new();
            t.insert("value".into(), v.clone());
            Value::Table(t)
        }
        (4, _) => Value::Float(f64::NAN),
        _ => Value::Integer([i64::MIN, -1, 0, 11, 256, i64::MAX][rng.below(6)]),
    }
}

fn repoint(rng: &mut Rng, v: &Value, ids: &[String]) -> Value {
    let other = match rng.below(6) {
        0 => "no-such-id".to_string(),
        1 => format!("{}@no-such-element", rng.pick(ids).map_or("x", |s| s)),
        _ => rng.pick(ids).cloned().unwrap_or_default(),
    };
    match v {
        Value::Array(a) if !a.is_empty() => {
            let mut a = a.clone();
            let i = rng.below(a.len());
            a[i] = Value::String(other);
            Value::Array(a)
        }
        _ => Value::String(other),
    }
}

/// Edits of the text itself: what a TOML tree cannot express.
pub fn text_edit(rng: &mut Rng, text: &str) -> (Vec<u8>, Step) {
    let mut bytes = text.as_bytes().to_vec();
    let at = |rng: &mut Rng, b: &[u8]| rng.below(b.len() + 1);
    let step = match rng.below(9) {
        0 => {
            bytes = text.replace('\n', "\r\n").into_bytes();
            "CRLF line ends".to_string()
        }
        1 => {
            let i = at(rng, &bytes);
            bytes.insert(i, b'\r');
            format!("lone CR at byte {i}")
        }
        2 => {
            let mut b = "\u{feff}".as_bytes().to_vec();
            b.extend_from_slice(&bytes);
            bytes = b;
            "BOM".to_string()
        }
        3 => {
            let i = at(rng, &bytes);
            bytes.truncate(i);
            format!("cut at byte {i}")
        }
        4 => {
            let i = at(rng, &bytes);
            let b = [0u8, 1, 0x1b, 0x7f, 0xff, 0xc3, b'"', b'[', b'\'', b'\\'][rng.below(10)];
            bytes.insert(i, b);
            format!("byte {b:#04x} at {i}")
        }
        5 | 6 => {
            let mut lines: Vec<&str> = text.split('\n').collect();
            if !lines.is_empty() {
                let i = rng.below(lines.len());
                if rng.chance(2) {
                    lines.insert(i, lines[i]);
                } else {
                    lines.remove(i);
                }
            }
            bytes = lines.join("\n").into_bytes();
            "line duplicated or removed".to_string()
        }
        7 => {
            let depth = size(rng, &[100, 1_000, 100_000]);
            let mut s = String::from("deep = ");
            s.push_str(&"[".repeat(depth));
            s.push_str(&"]".repeat(depth));
            s.push('\n');
            bytes.splice(0..0, s.into_bytes());
            format!("array nested {depth} deep")
        }
        _ => {
            let n = size(rng, &[100, 1_000, 100_000]);
            let key = (0..n)
                .map(|i| format!("k{i}"))
                .collect::<Vec<_>>()
                .join(".");
            bytes.splice(0..0, format!("{key} = 1\n").into_bytes());
            format!("dotted key of {n} parts")
        }
    };
    (bytes, step)
}

/// Mutates a JSON document (OTM, Threat Dragon, or Threagile read as JSON).
pub fn json(rng: &mut Rng, doc: &mut Json) -> Vec<Step> {
    let mut steps = Vec::new();
    for _ in 0..1 + rng.below(4) {
        // Choose a value by walking down (a read-only walk; then one mutable look-up).
        let mut path = String::new();
        let mut node = &*doc;
        loop {
            let go_on = !rng.chance(4);
            match node {
                Json::Object(m) if go_on && !m.is_empty() => {
                    let (k, v) = m.iter().nth(rng.below(m.len())).expect("in range");
                    path.push('/');
                    path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    node = v;
                }
                Json::Array(a) if go_on && !a.is_empty() => {
                    let i = rng.below(a.len());
                    path.push_str(&format!("/{i}"));
                    node = &a[i];
                }
                _ => break,
            }
        }
        let Some(at) = doc.pointer_mut(&path) else {
            continue;
        };
        let step = match rng.below(7) {
            0 => {
                *at = Json::Null;
                "null"
            }
            1 => {
                *at = Json::String(rng.pick(HOSTILE).copied().unwrap_or("").to_string());
                "hostile text"
            }
            2 => {
                *at = serde_json::json!(-1);
                "number"
            }
            3 => {
                *at = Json::String("x".repeat(size(rng, &[10, 10_000, 1_100_000])));
                "long string"
            }
            4 => {
                if let Json::Array(a) = at {
                    if let Some(first) = a.first().cloned() {
                        for _ in 0..size(rng, &[1, 20, 1_000]) {
                            a.push(first.clone());
                        }
                    }
                }
                "duplicated items"
            }
            5 => {
                if let Json::Object(m) = at {
                    let k = m.keys().next().cloned();
                    if let Some(k) = k {
                        m.remove(&k);
                    }
                }
                "key dropped"
            }
            _ => {
                *at = serde_json::json!({"id": "x", "name": "y", "parent": {"trustZone": "x"}});
                "object"
            }
        };
        steps.push(format!("{path}: {step}"));
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by a campaign: a 1.1 MB string in a component, then 2,000 copies of it,
    /// made a 2.7 GB case that ended the worker for want of memory.
    #[test]
    fn copies_of_a_large_entity_stay_within_the_budget() {
        let mut table: toml::Table =
            toml::from_str("[[component]]\nid = \"a\"\nkind = \"process\"\n").unwrap();
        let Some(Value::Array(items)) = table.get_mut("component") else {
            unreachable!()
        };
        if let Some(Value::Table(c)) = items.first_mut() {
            c.insert("zone".into(), Value::String("z".repeat(1_100_000)));
        }
        let step = copies(&mut table, "component", 2_000);
        assert_eq!(step, "15 copies of the first [[component]]");
        let bytes = toml::to_string(&table).unwrap().len();
        assert!(bytes <= COPY_BUDGET + 1_200_000, "{bytes}");
        // Small entities are copied as many times as asked.
        let mut small: toml::Table =
            toml::from_str("[[component]]\nid = \"a\"\nkind = \"process\"\n").unwrap();
        assert_eq!(
            copies(&mut small, "component", 2_000),
            "2000 copies of the first [[component]]"
        );
    }
}
