//! Typed reading of one spanned TOML table, collecting every problem.
//!
//! Why not `#[derive(Deserialize)]` with `deny_unknown_fields`? Serde stops at the first
//! error of a struct and reports it as text. A model author wants every problem at once,
//! each with its own code: all unknown keys (with a "did you mean"), every bad enum value
//! (with the allowed list), every wrong type. So entities are read from the parser's
//! spanned tree by [`TableReader`], which asks for each key by name and type, records
//! what it asked for, and in [`TableReader::finish`] reports whatever it was never asked
//! about. The keys it asks for are the contract; a test compares them with the JSON
//! Schema derived from the raw types, so the two cannot drift apart.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Code, Diagnostic, Diagnostics, quoted_list, suggest};
use crate::kinds::{Choice, Date, ModelState};
use crate::source::{Origin, Sp, Span};

/// The TOML type name of a value, as messages say it.
pub fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// A value that can be read from one TOML value.
pub trait FromToml: Sized {
    /// "a string", for "expected a string, found an integer".
    const EXPECTED: &'static str;

    /// Reads the value or explains why not.
    fn from_toml(value: &DeValue<'_>) -> Result<Self, Mismatch>;
}

/// Why a value could not be read.
pub enum Mismatch {
    /// Wrong TOML type.
    Type { help: Option<String> },
    /// Right type, value not allowed.
    Value { message: String, help: Vec<String> },
}

impl FromToml for String {
    const EXPECTED: &'static str = "a string";
    fn from_toml(value: &DeValue<'_>) -> Result<Self, Mismatch> {
        match value {
            DeValue::String(s) => Ok(s.to_string()),
            _ => Err(Mismatch::Type { help: None }),
        }
    }
}

impl FromToml for bool {
    const EXPECTED: &'static str = "a boolean (`true` or `false`)";
    fn from_toml(value: &DeValue<'_>) -> Result<Self, Mismatch> {
        match value {
            DeValue::Boolean(b) => Ok(*b),
            DeValue::String(s) if s == "true" || s == "false" => Err(Mismatch::Type {
                help: Some(format!("write {s} without quotes")),
            }),
            _ => Err(Mismatch::Type { help: None }),
        }
    }
}

impl FromToml for i64 {
    const EXPECTED: &'static str = "an integer";
    fn from_toml(value: &DeValue<'_>) -> Result<Self, Mismatch> {
        match value {
            DeValue::Integer(i) => {
                i64::from_str_radix(i.as_str(), i.radix()).map_err(|_| Mismatch::Value {
                    message: format!("{} does not fit in a 64-bit integer", i.as_str()),
                    help: Vec::new(),
                })
            }
            DeValue::String(s) if s.parse::<i64>().is_ok() => Err(Mismatch::Type {
                help: Some(format!("write {s} without quotes")),
            }),
            _ => Err(Mismatch::Type { help: None }),
        }
    }
}

impl FromToml for Date {
    const EXPECTED: &'static str = "a date (such as 2027-03-31)";
    fn from_toml(value: &DeValue<'_>) -> Result<Self, Mismatch> {
        match value {
            DeValue::Datetime(dt) => match (dt.date, dt.time) {
                (Some(d), None) => {
                    Date::new(i32::from(d.year), d.month, d.day).ok_or_else(|| Mismatch::Value {
                        message: format!("{dt} is not a date of the calendar"),
                        help: Vec::new(),
                    })
                }
                _ => Err(Mismatch::Type {
                    help: Some("give the day only, without a time: 2027-03-31".into()),
                }),
            },
            DeValue::String(s) if Date::parse(s).is_some() => Err(Mismatch::Type {
                help: Some(format!("write the date without quotes: {s}")),
            }),
            _ => Err(Mismatch::Type { help: None }),
        }
    }
}

impl FromToml for ModelState {
    const EXPECTED: &'static str = "a string (`sha256:` and 64 hex digits)";
    fn from_toml(value: &DeValue<'_>) -> Result<Self, Mismatch> {
        let DeValue::String(s) = value else {
            return Err(Mismatch::Type { help: None });
        };
        ModelState::parse(s).ok_or_else(|| Mismatch::Value {
            message: format!("`{s}` is not a model state"),
            help: vec![
                "a state is `sha256:` and 64 lower-case hex digits; `threatbook review` writes it"
                    .into(),
            ],
        })
    }
}

/// Wraps a [`Choice`] so that it reads as one of its names.
pub struct OneOf<T>(pub T);

impl<T: Choice> FromToml for OneOf<T> {
    const EXPECTED: &'static str = "a string";
    fn from_toml(value: &DeValue<'_>) -> Result<Self, Mismatch> {
        let DeValue::String(s) = value else {
            return Err(Mismatch::Type {
                help: Some(format!("one of {}", quoted_list(&T::names()))),
            });
        };
        T::from_name(s).map(OneOf).ok_or_else(|| {
            let mut help = vec![format!("allowed values: {}", quoted_list(&T::names()))];
            if let Some(best) = suggest(s, T::names()).first() {
                help.insert(0, format!("did you mean `{best}`?"));
            }
            Mismatch::Value {
                message: format!("`{s}` is not {}", crate::diag::with_article(T::WHAT)),
                help,
            }
        })
    }
}

/// Reads the keys of one TOML table and reports the ones nobody asked for.
pub struct TableReader<'t, 'i> {
    origin: Origin,
    table: &'t DeTable<'i>,
    span: Span,
    /// "component", for messages.
    what: &'static str,
    requested: Vec<&'static str>,
    /// How many of the requested keys the table has: when that is all of its keys,
    /// none is unknown and `finish` has nothing to look for.
    found: usize,
}

impl<'t, 'i> TableReader<'t, 'i> {
    pub fn new(
        origin: impl Into<Origin>,
        table: &'t DeTable<'i>,
        span: Span,
        what: &'static str,
    ) -> Self {
        TableReader {
            origin: origin.into(),
            table,
            span,
            what,
            // Enough for every kind of entity without growing.
            requested: Vec::with_capacity(16),
            found: 0,
        }
    }

    /// Reads a table value, or reports that the value is not a table.
    pub fn of_value(
        origin: impl Into<Origin>,
        value: &'t Spanned<DeValue<'i>>,
        what: &'static str,
        diags: &mut Diagnostics,
    ) -> Option<Self> {
        let origin = origin.into();
        let span = origin.span(value.span());
        match value.get_ref() {
            DeValue::Table(t) => Some(TableReader::new(origin, t, span, what)),
            other => {
                diags.push(
                    Diagnostic::at(
                        Code::InvalidType,
                        span,
                        format!("expected a table for a {what}, found {}", type_name(other)),
                    )
                    .with_label("not a table"),
                );
                None
            }
        }
    }

    /// The span of the whole table.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The keys asked for so far: the fields of this kind of table.
    pub fn requested(&self) -> &[&'static str] {
        &self.requested
    }

    /// A string value, looked at without counting the key as read.
    pub fn peek_str(&self, key: &str) -> Option<&'t str> {
        match self.table.get(key).map(|v| v.get_ref()) {
            Some(DeValue::String(s)) => Some(s.as_ref()),
            _ => None,
        }
    }

    /// The value of a key, unread; the key counts as known.
    pub fn optional_value(&mut self, key: &'static str) -> Option<&'t Spanned<DeValue<'i>>> {
        self.raw(key)
    }

    fn raw(&mut self, key: &'static str) -> Option<&'t Spanned<DeValue<'i>>> {
        let value = self.table.get(key);
        // A key asked for twice counts once.
        if value.is_some() && !self.requested.contains(&key) {
            self.found += 1;
        }
        self.requested.push(key);
        value
    }

    fn missing(&self, key: &str, expected: &str, diags: &mut Diagnostics) {
        diags.push(
            Diagnostic::at(
                Code::MissingField,
                self.span,
                format!("this {} has no `{key}`", self.what),
            )
            .with_label(format!("`{key}` missing here"))
            .with_help(format!("add `{key} = …` ({expected})")),
        );
    }

    fn convert<T: FromToml>(
        &self,
        key: &str,
        value: &Spanned<DeValue<'_>>,
        diags: &mut Diagnostics,
    ) -> Option<Sp<T>> {
        let span = self.origin.span(value.span());
        match T::from_toml(value.get_ref()) {
            Ok(v) => Some(Sp::new(v, span)),
            Err(Mismatch::Type { help }) => {
                let mut d = Diagnostic::at(
                    Code::InvalidType,
                    span,
                    format!(
                        "`{key}` must be {}, found {}",
                        T::EXPECTED,
                        type_name(value.get_ref())
                    ),
                )
                .with_label(format!("expected {}", T::EXPECTED));
                if let Some(h) = help {
                    d = d.with_help(h);
                }
                diags.push(d);
                None
            }
            Err(Mismatch::Value { message, help }) => {
                let mut d = Diagnostic::at(Code::InvalidValue, span, format!("{key}: {message}"))
                    .with_label("not allowed here");
                for h in help {
                    d = d.with_help(h);
                }
                diags.push(d);
                None
            }
        }
    }

    /// An optional key.
    pub fn optional<T: FromToml>(
        &mut self,
        key: &'static str,
        diags: &mut Diagnostics,
    ) -> Option<Sp<T>> {
        let value = self.raw(key)?;
        self.convert(key, value, diags)
    }

    /// A required key; reports `missing-field` when absent.
    pub fn required<T: FromToml>(
        &mut self,
        key: &'static str,
        diags: &mut Diagnostics,
    ) -> Option<Sp<T>> {
        match self.raw(key) {
            Some(value) => self.convert(key, value, diags),
            None => {
                self.missing(key, T::EXPECTED, diags);
                None
            }
        }
    }

    /// An optional array; every element that can be read is kept, the others reported.
    /// `Ok(None)` when the key is absent, `Err(())` when it is not an array.
    fn array<T: FromToml>(
        &mut self,
        key: &'static str,
        diags: &mut Diagnostics,
    ) -> Result<Option<Sp<Vec<Sp<T>>>>, ()> {
        let Some(value) = self.raw(key) else {
            return Ok(None);
        };
        let span = self.origin.span(value.span());
        let DeValue::Array(items) = value.get_ref() else {
            diags.push(
                Diagnostic::at(
                    Code::InvalidType,
                    span,
                    format!(
                        "`{key}` must be an array of {}, found {}",
                        plural(T::EXPECTED),
                        type_name(value.get_ref())
                    ),
                )
                .with_label("expected an array")
                .with_help(format!("write `{key} = [ … ]`, even for one item")),
            );
            return Err(());
        };
        let read = items
            .iter()
            .filter_map(|item| self.convert(key, item, diags))
            .collect();
        Ok(Some(Sp::new(read, span)))
    }

    /// An optional array, empty when absent.
    pub fn list<T: FromToml>(&mut self, key: &'static str, diags: &mut Diagnostics) -> Vec<Sp<T>> {
        match self.array(key, diags) {
            Ok(Some(v)) => v.value,
            _ => Vec::new(),
        }
    }

    /// An optional value written either as one value or as a non-empty array of them;
    /// empty when absent. An empty array is `invalid-value`: a condition that lists
    /// nothing could never be met.
    pub fn one_or_more<T: FromToml>(
        &mut self,
        key: &'static str,
        diags: &mut Diagnostics,
    ) -> Vec<Sp<T>> {
        let Some(value) = self.raw(key) else {
            return Vec::new();
        };
        let span = self.origin.span(value.span());
        match value.get_ref() {
            DeValue::Array(items) if items.is_empty() => {
                diags.push(
                    Diagnostic::at(
                        Code::InvalidValue,
                        span,
                        format!("`{key}` lists nothing, so it could never match"),
                    )
                    .with_label("empty list")
                    .with_help(format!("remove `{key}`, or list at least one value")),
                );
                Vec::new()
            }
            DeValue::Array(items) => items
                .iter()
                .filter_map(|item| self.convert(key, item, diags))
                .collect(),
            _ => self.convert(key, value, diags).into_iter().collect(),
        }
    }

    /// The span of a key's value, if the key is there; the key is not counted as read.
    pub fn value_span(&self, key: &str) -> Option<Span> {
        self.table.get(key).map(|v| self.origin.span(v.span()))
    }

    /// Counts `keys` as known without reading them (their errors are someone else's).
    pub fn known(&mut self, keys: &[&'static str]) {
        self.requested.extend_from_slice(keys);
    }

    /// Where the text the table was parsed from begins: spans of values read by hand
    /// go through it.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// A required array with at least one element.
    pub fn non_empty_list<T: FromToml>(
        &mut self,
        key: &'static str,
        diags: &mut Diagnostics,
    ) -> Option<Vec<Sp<T>>> {
        match self.array::<T>(key, diags) {
            Ok(Some(v)) if v.value.is_empty() => {
                diags.push(
                    Diagnostic::at(
                        Code::InvalidValue,
                        v.span,
                        format!("`{key}` must name at least one id"),
                    )
                    .with_label("empty list"),
                );
                None
            }
            Ok(Some(v)) => Some(v.value),
            Ok(None) => {
                self.missing(key, "an array", diags);
                None
            }
            Err(()) => None,
        }
    }

    /// Reports every key that was never asked for, with the closest known key.
    pub fn finish(self, diags: &mut Diagnostics) {
        self.finish_with(diags, |_| None);
    }

    /// Like [`finish`](Self::finish), with a hint of the caller's for particular keys.
    pub fn finish_with(self, diags: &mut Diagnostics, hint: impl Fn(&str) -> Option<String>) {
        if self.found == self.table.len() {
            return; // every key was asked for (keys are unique in a TOML table)
        }
        for (key, _) in self.table.iter() {
            let name: &str = key.get_ref();
            if self.requested.contains(&name) {
                continue;
            }
            let span = self.origin.span(key.span());
            let mut d = Diagnostic::at(
                Code::UnknownField,
                span,
                format!("unknown key `{name}` in a {}", self.what),
            )
            .with_label("unknown key");
            if let Some(h) = hint(name) {
                d = d.with_help(h);
            } else if let Some(best) = suggest(name, self.requested.iter().copied()).first() {
                d = d.with_help(format!("did you mean `{best}`?"));
            } else {
                d = d.with_help(format!(
                    "a {} has the keys {}",
                    self.what,
                    quoted_list(&self.requested)
                ));
            }
            diags.push(d);
        }
    }
}

fn plural(expected: &str) -> String {
    let bare = expected.trim_start_matches("an ").trim_start_matches("a ");
    match bare.split_once(' ') {
        Some((head, tail)) => format!("{head}s {tail}"),
        None => format!("{bare}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::ComponentKind;
    use crate::source::Sources;

    fn read(
        text: &str,
        f: impl FnOnce(&mut TableReader<'_, '_>, &mut Diagnostics),
    ) -> Vec<Diagnostic> {
        let mut sources = Sources::default();
        let file = sources.add("t.toml".into(), "t.toml".into(), text.into());
        let doc = DeTable::parse(text).expect("test input parses");
        let mut diags = Diagnostics::default();
        let mut r = TableReader::new(file, doc.get_ref(), Span::new(file, doc.span()), "thing");
        f(&mut r, &mut diags);
        r.finish(&mut diags);
        diags.into_vec()
    }

    #[test]
    fn every_unknown_key_is_reported_with_a_suggestion() {
        let d = read("nmae = 'x'\ndescripton = 'y'\nid = 'a'", |r, d| {
            r.required::<String>("id", d);
            r.optional::<String>("name", d);
            r.optional::<String>("description", d);
        });
        let codes: Vec<_> = d.iter().map(|d| (d.code, d.help.clone())).collect();
        assert_eq!(codes.len(), 2);
        assert!(codes.iter().all(|(c, _)| *c == Code::UnknownField));
        assert!(codes.iter().any(|(_, h)| h == &["did you mean `name`?"]));
        assert!(
            codes
                .iter()
                .any(|(_, h)| h == &["did you mean `description`?"])
        );
    }

    #[test]
    fn bad_enum_value_lists_the_allowed_values() {
        let d = read("kind = 'proces'", |r, d| {
            assert!(r.required::<OneOf<ComponentKind>>("kind", d).is_none());
        });
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Code::InvalidValue);
        assert_eq!(d[0].help[0], "did you mean `process`?");
        assert!(d[0].help[1].contains("`external-entity`, `process` or `data-store`"));
    }

    #[test]
    fn wrong_types_and_missing_keys_are_all_reported() {
        let d = read(
            "encrypted = 'true'\ntags = 'a'\nwhen = 2027-01-01T10:00:00",
            |r, d| {
                r.optional::<bool>("encrypted", d);
                r.list::<String>("tags", d);
                r.required::<Date>("when", d);
                r.required::<String>("id", d);
            },
        );
        let codes: Vec<Code> = d.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                Code::InvalidType,
                Code::InvalidType,
                Code::InvalidType,
                Code::MissingField
            ]
        );
        assert_eq!(d[0].help, ["write true without quotes"]);
        assert!(d[1].message.contains("array of strings"));
    }

    #[test]
    fn empty_reference_list_is_invalid() {
        let d = read("targets = []", |r, d| {
            assert!(r.non_empty_list::<String>("targets", d).is_none());
        });
        assert_eq!(d[0].code, Code::InvalidValue);
    }

    #[test]
    fn array_elements_of_the_wrong_type_are_reported_one_by_one() {
        let d = read("cwe = [79, 'x', 89]", |r, d| {
            assert_eq!(r.list::<i64>("cwe", d).len(), 2);
        });
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Code::InvalidType);
    }
}
