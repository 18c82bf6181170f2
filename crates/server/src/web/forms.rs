//! Forms described as data: each field names the JSON path of the domain value it fills
//! (`details.certificate_number`, `doses[0].given_on`), how it is typed in, and whether it is needed.
//! A submission becomes the same JSON document the API accepts, deserialised into the domain type and
//! checked by its own `validate`, so the page and the API cannot disagree about what is valid; every
//! problem (a date that is not one, a value the domain refuses) comes back named by its field.
//!
//! This module knows no record kind: the pages that use it (`checks.rs`, `immunisations.rs`) list their
//! fields. It holds no business rule beyond "this field must be filled in".

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{Chrome, FormErrors, parse_date};

/// How a field is typed in.
#[derive(Debug, Clone, Copy)]
pub enum Input {
    Text,
    /// A date as `D/M/YYYY` (or `YYYY-MM-DD`), stored as `YYYY-MM-DD`.
    Date,
    /// A decimal number.
    Number,
    /// One of a few values, as radios (`options` are (value, label)).
    Choice(&'static [(&'static str, &'static str)]),
    /// Several of a few values, as checkboxes: a list.
    Many(&'static [(&'static str, &'static str)]),
    /// A textarea with one item a line: a list.
    Lines,
    /// A textarea: one text.
    Area,
    /// A checkbox: `true` when ticked.
    YesNo,
}

/// One field of a form.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// JSON path in the domain value: `details.update_service.subscription_id`, `doses[0].batch`.
    pub path: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub input: Input,
    /// Must be filled in (within its group, when the group is filled in at all).
    pub required: bool,
    /// An optional part of the value (`details.update_service`, `doses[1]`): when every field of the
    /// group is empty the part is left out.
    pub group: Option<&'static str>,
    /// A heading shown above the first field of a section.
    pub section: &'static str,
}

impl Field {
    pub const fn new(path: &'static str, label: &'static str, input: Input) -> Self {
        Field { path, label, hint: "", input, required: false, group: None, section: "" }
    }

    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub const fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }

    pub const fn group(mut self, group: &'static str) -> Self {
        self.group = Some(group);
        self
    }

    pub const fn section(mut self, section: &'static str) -> Self {
        self.section = section;
        self
    }

    /// The input's HTML id: the path with `.`, `[` and `]` as `-` (`doses-0-given_on`).
    pub fn id(&self) -> String {
        html_id(self.path)
    }
}

pub fn html_id(path: &str) -> String {
    let mut id = String::new();
    for c in path.chars() {
        match c {
            '.' | '[' => id.push('-'),
            ']' => {}
            c => id.push(c),
        }
    }
    id
}

/// A submitted form: every (name, value) pair, repeated names kept (checkboxes).
#[derive(Debug, Clone, Default)]
pub struct Submitted(pub Vec<(String, String)>);

impl Submitted {
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default()
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    fn is_blank(&self, field: &Field) -> bool {
        match field.input {
            Input::Many(_) => self.all(field.path).is_empty(),
            Input::YesNo => true,
            _ => self.get(field.path).trim().is_empty(),
        }
    }

    /// The form filled in from a stored value (to correct it): the reverse of [`parse`].
    pub fn from_value(fields: &[Field], value: &Value) -> Self {
        let mut pairs = Vec::new();
        for field in fields {
            let Some(v) = lookup(value, field.path) else { continue };
            let name = field.path.to_owned();
            match (field.input, v) {
                (Input::Date, Value::String(s)) => {
                    let shown = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map(|d| d.format("%-d/%-m/%Y").to_string())
                        .unwrap_or_else(|_| s.clone());
                    pairs.push((name, shown));
                }
                (Input::Many(_), Value::Array(items)) => {
                    pairs.extend(items.iter().filter_map(Value::as_str).map(|s| (name.clone(), s.to_owned())));
                }
                (Input::Lines, Value::Array(items)) => {
                    let lines: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                    pairs.push((name, lines.join("\n")));
                }
                (Input::YesNo, Value::Bool(true)) => pairs.push((name, "yes".into())),
                (_, Value::String(s)) => pairs.push((name, s.clone())),
                (_, Value::Number(n)) => pairs.push((name, n.to_string())),
                _ => {}
            }
        }
        Submitted(pairs)
    }
}

/// A path's segments: `a.b[1].c` → a, b, 1, c.
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_once('[').unwrap_or((part, ""));
        out.push(Segment::Key(key));
        for index in rest.split('[') {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                out.push(Segment::Index(i));
            }
        }
    }
    out
}

fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    segments(path).into_iter().try_fold(value, |v, s| match s {
        Segment::Key(k) => v.get(k),
        Segment::Index(i) => v.get(i),
    })
}

fn set(root: &mut Value, path: &str, value: Value) {
    let mut at = root;
    let segs = segments(path);
    for (n, seg) in segs.iter().enumerate() {
        let last = n + 1 == segs.len();
        let next_is_index = matches!(segs.get(n + 1), Some(Segment::Index(_)));
        let empty = || if next_is_index { Value::Array(Vec::new()) } else { Value::Object(Map::new()) };
        at = match seg {
            Segment::Key(k) => {
                if !at.is_object() {
                    *at = Value::Object(Map::new());
                }
                let map = at.as_object_mut().expect("object");
                if last {
                    map.insert((*k).to_owned(), value);
                    return;
                }
                map.entry((*k).to_owned()).or_insert_with(empty)
            }
            Segment::Index(i) => {
                if !at.is_array() {
                    *at = Value::Array(Vec::new());
                }
                let list = at.as_array_mut().expect("array");
                while list.len() <= *i {
                    list.push(Value::Null);
                }
                if last {
                    list[*i] = value;
                    return;
                }
                if list[*i].is_null() {
                    list[*i] = empty();
                }
                &mut list[*i]
            }
        };
    }
}

/// The id of the field a domain error path names: that field, the first field under it, or the field
/// of the nearest enclosing path; the first field when nothing matches.
fn field_for(fields: &[Field], path: &str) -> usize {
    let mut path = path.to_owned();
    loop {
        if let Some(i) = fields.iter().position(|f| f.path == path) {
            return i;
        }
        if let Some(i) = fields
            .iter()
            .position(|f| f.path.starts_with(&format!("{path}.")) || f.path.starts_with(&format!("{path}[")))
        {
            return i;
        }
        match path.rfind(['.', '[']) {
            Some(cut) if cut > 0 => path.truncate(cut),
            _ => return 0,
        }
    }
}

/// Records a problem the domain (or the JSON shape) found at `path`, named by the field's label.
pub fn add_domain_error(errors: &mut FormErrors, fields: &[Field], path: &str, problem: &str) {
    let field = &fields[field_for(fields, path)];
    if !errors.has(&field.id()) {
        errors.add(&field.id(), format!("{}: {problem}", field.label));
    }
}

/// Reads the submission into `base` (fixed parts such as `details.kind`) and deserialises it into `T`;
/// every field that is missing, not a date, not a number or not one of its options is named. The
/// caller then runs the domain's `validate` and maps its errors with [`add_domain_error`].
pub fn parse<T: DeserializeOwned>(fields: &[Field], form: &Submitted, base: Value) -> Result<T, FormErrors> {
    let mut errors = FormErrors::default();
    let mut doc = base;
    for field in fields {
        let group_empty =
            field.group.is_some_and(|g| fields.iter().filter(|f| f.group == Some(g)).all(|f| form.is_blank(f)));
        if group_empty {
            continue;
        }
        let text = form.get(field.path).trim();
        let id = field.id();
        let value = match field.input {
            Input::YesNo => Some(Value::Bool(!text.is_empty())),
            Input::Many(options) => {
                let chosen: Vec<&str> = form.all(field.path);
                if chosen.iter().any(|c| !options.iter().any(|(v, _)| v == c)) {
                    errors.add(&id, format!("{}: choose from the options shown", field.label));
                    None
                } else if chosen.is_empty() && field.required {
                    errors.add(&id, format!("Select at least one: {}", field.label.to_lowercase()));
                    None
                } else {
                    Some(Value::Array(chosen.into_iter().map(|c| Value::String(c.to_owned())).collect()))
                }
            }
            Input::Lines => {
                let lines: Vec<Value> =
                    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| Value::String(l.into())).collect();
                if lines.is_empty() && field.required {
                    errors.add(&id, format!("Enter {}", field.label.to_lowercase()));
                }
                Some(Value::Array(lines))
            }
            _ if text.is_empty() => {
                if field.required {
                    let verb = if matches!(field.input, Input::Choice(_)) { "Select" } else { "Enter" };
                    errors.add(&id, format!("{verb} {}", field.label.to_lowercase()));
                }
                None
            }
            Input::Text | Input::Area => Some(Value::String(text.to_owned())),
            Input::Date => match parse_date(text) {
                Ok(date) => Some(Value::String(date.format("%Y-%m-%d").to_string())),
                Err(message) => {
                    errors.add(&id, format!("{}: {}", field.label, message.to_lowercase()));
                    None
                }
            },
            Input::Number => match text.parse::<f64>() {
                Ok(n) if n.is_finite() => serde_json::Number::from_f64(n).map(Value::Number),
                _ => {
                    errors.add(&id, format!("{}: enter a number, for example 12.5", field.label));
                    None
                }
            },
            Input::Choice(options) => {
                if options.iter().any(|(v, _)| *v == text) {
                    Some(Value::String(text.to_owned()))
                } else {
                    errors.add(&id, format!("{}: choose from the options shown", field.label));
                    None
                }
            }
        };
        if let Some(value) = value {
            set(&mut doc, field.path, value);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    serde_path_to_error::deserialize::<_, T>(doc).map_err(|e| {
        let path = e.path().to_string();
        let problem = e.into_inner().to_string();
        let (path, problem) = newtype_field(fields, &path, &problem).unwrap_or((path, problem));
        let mut errors = FormErrors::default();
        add_domain_error(&mut errors, fields, &path, &problem);
        errors
    })
}

/// A value the domain's newtypes refuse while deserialising says `name: problem` (`FieldError`'s
/// display) at the path serde reached, which inside an internally tagged enum is the enum itself:
/// the field under that path whose name is `name`, and the problem alone.
fn newtype_field(fields: &[Field], path: &str, problem: &str) -> Option<(String, String)> {
    let (name, rest) = problem.split_once(": ")?;
    if name.is_empty() || name.contains(' ') {
        return None;
    }
    let path = path.trim_start_matches('.');
    let field = fields.iter().find(|f| f.path.starts_with(path) && f.path.ends_with(&format!(".{name}")))?;
    Some((field.path.to_owned(), rest.to_owned()))
}

/// A page with one form of fields for a person's record.
#[derive(askama::Template)]
#[template(path = "record_form.html")]
pub struct RecordFormPage {
    pub chrome: Chrome,
    pub errors: FormErrors,
    pub person_id: String,
    pub name: String,
    pub heading: String,
    pub intro: String,
    /// `post`, or `get` for a form that only chooses what comes next.
    pub method: &'static str,
    pub action: String,
    pub hidden: Vec<(&'static str, String)>,
    pub fields: Vec<FieldView>,
    pub save: &'static str,
}

/// One field as the template shows it.
pub struct FieldView {
    pub id: String,
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    /// `text`, `date`, `number`, `radios`, `checkboxes`, `lines`, `area` or `yesno`.
    pub kind: &'static str,
    pub value: String,
    /// Options as (value, label, chosen, input id).
    pub options: Vec<(&'static str, &'static str, bool, String)>,
    pub error: Option<String>,
    /// The section heading to show above this field, when a new section starts here.
    pub heading: Option<&'static str>,
}

/// The fields with what was typed (or stored) and their errors, ready to render.
pub fn views(fields: &[Field], form: &Submitted, errors: &FormErrors) -> Vec<FieldView> {
    let mut section = "";
    fields
        .iter()
        .map(|f| {
            let id = f.id();
            let heading = (f.section != section && !f.section.is_empty()).then_some(f.section);
            section = f.section;
            let chosen = form.all(f.path);
            let options = match f.input {
                Input::Choice(o) | Input::Many(o) => o
                    .iter()
                    .enumerate()
                    .map(|(i, (v, l))| {
                        (*v, *l, chosen.contains(v), if i == 0 { id.clone() } else { format!("{id}-{v}") })
                    })
                    .collect(),
                _ => Vec::new(),
            };
            FieldView {
                error: errors.get(&id).map(str::to_owned),
                kind: match f.input {
                    Input::Text => "text",
                    Input::Date => "date",
                    Input::Number => "number",
                    Input::Choice(_) => "radios",
                    Input::Many(_) => "checkboxes",
                    Input::Lines => "lines",
                    Input::Area => "area",
                    Input::YesNo => "yesno",
                },
                value: form.get(f.path).to_owned(),
                id,
                name: f.path,
                label: f.label,
                hint: f.hint,
                options,
                heading,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Dose {
        given_on: chrono::NaiveDate,
        #[serde(default)]
        batch: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Thing {
        kind: String,
        #[serde(default)]
        doses: Vec<Dose>,
        ok: bool,
    }

    const FIELDS: &[Field] = &[
        Field::new("kind", "Kind", Input::Choice(&[("a", "A"), ("b", "B")])).required(),
        Field::new("doses[0].given_on", "Date given", Input::Date).required().group("doses[0]"),
        Field::new("doses[0].batch", "Batch", Input::Text).group("doses[0]"),
        Field::new("doses[1].given_on", "Second date given", Input::Date).required().group("doses[1]"),
        Field::new("ok", "OK", Input::YesNo),
    ];

    fn form(pairs: &[(&str, &str)]) -> Submitted {
        Submitted(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn filled_groups_are_read_and_empty_ones_left_out() {
        let thing: Thing =
            parse(FIELDS, &form(&[("kind", "a"), ("doses[0].given_on", "3/2/2024"), ("ok", "yes")]), Value::Null)
                .unwrap();
        assert_eq!(thing.doses, vec![Dose { given_on: "2024-02-03".parse().unwrap(), batch: None }]);
        assert!(thing.ok);
        assert_eq!(thing.kind, "a");
    }

    #[test]
    fn each_bad_field_is_named_by_its_id() {
        let errors =
            parse::<Thing>(FIELDS, &form(&[("kind", "z"), ("doses[0].batch", "X1")]), Value::Null).unwrap_err();
        assert!(errors.has("kind") && errors.has("doses-0-given_on"), "{errors:?}");
        assert!(!errors.has("doses-1-given_on"));
        let errors = parse::<Thing>(FIELDS, &form(&[("kind", "a"), ("doses[1].given_on", "31/2/2024")]), Value::Null)
            .unwrap_err();
        assert_eq!(errors.items.len(), 1);
        assert!(errors.get("doses-1-given_on").unwrap().contains("real date"));
    }

    #[test]
    fn a_stored_value_fills_the_form_back() {
        let stored = serde_json::json!({"kind": "b", "doses": [{"given_on": "2024-02-03", "batch": "X1"}], "ok": true});
        let form = Submitted::from_value(FIELDS, &stored);
        assert_eq!(form.get("doses[0].given_on"), "3/2/2024");
        assert_eq!(form.get("doses[0].batch"), "X1");
        let again: Thing = parse(FIELDS, &form, Value::Null).unwrap();
        assert_eq!(again.kind, "b");
        assert!(again.ok);
    }

    #[test]
    fn domain_paths_find_their_field() {
        assert_eq!(field_for(FIELDS, "doses[1].given_on"), 3);
        assert_eq!(field_for(FIELDS, "doses[0]"), 1);
        assert_eq!(field_for(FIELDS, "doses[0].product"), 1);
        assert_eq!(field_for(FIELDS, "nowhere"), 0);
    }
}
