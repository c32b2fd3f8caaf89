//! Structural validation: walk a JSON document against the schema generated from the raw EDL
//! types and report every mismatch at once (wrong types, unknown fields with a "did you mean",
//! missing fields, values outside an enumeration or range).

use serde_json::{Map, Value};

use super::diag::{join, suggestion, Diagnostic};

/// Check `doc` against `schema` (a generated JSON Schema with `$defs`).
pub fn check(doc: &Value, schema: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    Walker { root: schema }.walk(doc, schema, "", &mut out);
    out
}

/// A copy of `doc` without the values that `diags` found wrong, so that the rest can still be
/// read and checked: a bad object member is removed (its default applies), a bad array element
/// becomes `null` (so later indices keep their meaning). Diagnostics about a missing field point
/// at the object and prune nothing.
pub(crate) fn prune(doc: &Value, diags: &[Diagnostic]) -> Value {
    let mut out = doc.clone();
    for d in diags {
        if d.message.starts_with("missing field") || d.pointer.is_empty() {
            continue;
        }
        let Some((parent, last)) = d.pointer.rsplit_once('/') else {
            continue;
        };
        let key = last.replace("~1", "/").replace("~0", "~");
        match out.pointer_mut(parent) {
            Some(Value::Object(m)) => {
                m.shift_remove(&key);
            }
            Some(Value::Array(a)) => {
                if let Some(item) = key.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                    *item = Value::Null;
                }
            }
            _ => {}
        }
    }
    out
}

struct Walker<'s> {
    root: &'s Value,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn accepts_type(ty: &str, v: &Value) -> bool {
    match ty {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

fn article(ty: &str) -> &'static str {
    match ty {
        "null" => "null",
        "boolean" => "a boolean",
        "integer" => "a whole number",
        "number" => "a number",
        "string" => "a string",
        "array" => "an array",
        "object" => "an object",
        _ => "a value",
    }
}

impl<'s> Walker<'s> {
    fn resolve(&self, schema: &'s Value) -> &'s Value {
        let mut s = schema;
        for _ in 0..32 {
            match s.get("$ref").and_then(Value::as_str) {
                Some(r) => match lookup(self.root, r.trim_start_matches('#')) {
                    Some(t) => s = t,
                    None => return s,
                },
                None => return s,
            }
        }
        s
    }

    /// The JSON types a schema accepts at its top level (through `$ref` and `anyOf`).
    fn types(&self, schema: &'s Value) -> Vec<&'s str> {
        let s = self.resolve(schema);
        if let Some(branches) = s
            .get("anyOf")
            .or_else(|| s.get("oneOf"))
            .and_then(Value::as_array)
        {
            return branches.iter().flat_map(|b| self.types(b)).collect();
        }
        match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => {
                if let Some(c) = s.get("const") {
                    vec![match c {
                        Value::String(_) => "string",
                        Value::Bool(_) => "boolean",
                        Value::Number(_) => "number",
                        _ => "object",
                    }]
                } else if s.get("enum").is_some() {
                    vec!["string"]
                } else if s.get("properties").is_some() {
                    vec!["object"]
                } else {
                    vec![]
                }
            }
        }
    }

    fn walk(&self, v: &Value, schema: &'s Value, ptr: &str, out: &mut Vec<Diagnostic>) {
        let s = self.resolve(schema);
        if let Some(branches) = s
            .get("anyOf")
            .or_else(|| s.get("oneOf"))
            .and_then(Value::as_array)
        {
            self.walk_any_of(v, branches, ptr, out);
            return;
        }
        let types = self.types(s);
        if !types.is_empty() && !types.iter().any(|t| accepts_type(t, v)) {
            out.push(Diagnostic::error(
                ptr,
                format!("expected {}, found {}", expected(&types), type_name(v)),
            ));
            return;
        }
        if let Some(allowed) = s.get("enum").and_then(Value::as_array) {
            if !allowed.contains(v) {
                out.push(not_allowed(v, allowed.iter(), ptr));
            }
            return;
        }
        match v {
            Value::Object(map) => self.walk_object(map, s, ptr, out),
            Value::Array(items) => {
                if let Some(item_schema) = s.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.walk(item, item_schema, &format!("{ptr}/{i}"), out);
                    }
                }
            }
            Value::Number(n) => {
                let lo = s.get("minimum").and_then(Value::as_f64);
                let hi = s.get("maximum").and_then(Value::as_f64);
                let x = n.as_f64().unwrap_or(0.0);
                if lo.is_some_and(|lo| x < lo) || hi.is_some_and(|hi| x > hi) {
                    let range = match (lo, hi) {
                        (Some(lo), Some(hi)) => format!("between {lo} and {hi}"),
                        (Some(lo), None) => format!("at least {lo}"),
                        (None, Some(hi)) => format!("at most {hi}"),
                        (None, None) => String::new(),
                    };
                    out.push(Diagnostic::error(
                        ptr,
                        format!("{n} is out of range; use a value {range}"),
                    ));
                }
            }
            _ => {}
        }
    }

    fn walk_any_of(&self, v: &Value, branches: &'s [Value], ptr: &str, out: &mut Vec<Diagnostic>) {
        let fitting: Vec<&'s Value> = branches
            .iter()
            .filter(|b| {
                let ts = self.types(b);
                ts.is_empty() || ts.iter().any(|t| accepts_type(t, v))
            })
            .collect();
        // An enumeration written as constants (`oneOf` of `const`s, one per documented variant).
        let consts: Vec<&Value> = fitting
            .iter()
            .filter_map(|b| self.resolve(b).get("const"))
            .collect();
        if !consts.is_empty() && consts.len() == fitting.len() {
            if !consts.contains(&v) {
                out.push(not_allowed(v, consts.iter().copied(), ptr));
            }
            return;
        }
        match fitting.as_slice() {
            [] => {
                let types: Vec<&str> = branches.iter().flat_map(|b| self.types(b)).collect();
                out.push(Diagnostic::error(
                    ptr,
                    format!("expected {}, found {}", expected(&types), type_name(v)),
                ));
            }
            [one] => self.walk(v, one, ptr, out),
            many => {
                // Several object shapes (clip, title, gap): take the one whose required fields
                // the value has, preferring the most specific match. When none has its
                // required fields, say what each shape needs.
                if let Some(map) = v.as_object() {
                    let shapes: Vec<Vec<&str>> = many.iter().map(|b| self.required(b)).collect();
                    let started = shapes
                        .iter()
                        .any(|req| req.iter().any(|k| map.contains_key(*k)));
                    if !started && shapes.iter().all(|r| !r.is_empty()) {
                        let options: Vec<String> = shapes
                            .iter()
                            .map(|r| {
                                r.iter()
                                    .map(|k| format!("`{k}`"))
                                    .collect::<Vec<_>>()
                                    .join(" and ")
                            })
                            .collect();
                        out.push(Diagnostic::error(
                            ptr,
                            format!("cannot tell what this is: give {}", options.join(", or ")),
                        ));
                        return;
                    }
                }
                let best = many
                    .iter()
                    .max_by_key(|b| self.fit_score(v, b))
                    .copied()
                    .unwrap_or(many[0]);
                self.walk(v, best, ptr, out);
            }
        }
    }

    fn required(&self, branch: &'s Value) -> Vec<&'s str> {
        self.resolve(branch)
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    fn fit_score(&self, v: &Value, branch: &'s Value) -> i64 {
        let s = self.resolve(branch);
        let Some(map) = v.as_object() else { return 0 };
        let props = s.get("properties").and_then(Value::as_object);
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let have_required = required.iter().filter(|k| map.contains_key(**k)).count() as i64;
        let known = map
            .keys()
            .filter(|k| props.is_some_and(|p| p.contains_key(k.as_str())))
            .count() as i64;
        have_required * 100 + known
    }

    fn walk_object(
        &self,
        map: &Map<String, Value>,
        s: &'s Value,
        ptr: &str,
        out: &mut Vec<Diagnostic>,
    ) {
        let props = s.get("properties").and_then(Value::as_object);
        let additional = s.get("additionalProperties");
        if let Some(req) = s.get("required").and_then(Value::as_array) {
            for k in req.iter().filter_map(Value::as_str) {
                if !map.contains_key(k) {
                    out.push(Diagnostic::error(ptr, format!("missing field `{k}`")));
                }
            }
        }
        for (k, val) in map {
            let child = join(ptr, k);
            if let Some(p) = props.and_then(|p| p.get(k)) {
                self.walk(val, p, &child, out);
                continue;
            }
            match additional {
                Some(Value::Bool(false)) => {
                    let names: Vec<&str> = props
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    let hint = suggestion(k, names.iter().copied());
                    let msg = if hint.is_empty() {
                        format!(
                            "unknown field `{k}`; known fields here: {}",
                            names.join(", ")
                        )
                    } else {
                        format!("unknown field `{k}`{hint}")
                    };
                    out.push(Diagnostic::error(child, msg));
                }
                Some(schema @ Value::Object(_)) => self.walk(val, schema, &child, out),
                _ => {}
            }
        }
    }
}

/// "`x` is not allowed here; use one of: …" with a "did you mean" when one is close.
fn not_allowed<'v>(v: &Value, allowed: impl Iterator<Item = &'v Value>, ptr: &str) -> Diagnostic {
    let names: Vec<&str> = allowed.filter_map(Value::as_str).collect();
    let shown = v
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string());
    Diagnostic::error(
        ptr,
        format!(
            "`{shown}` is not allowed here; use one of: {}{}",
            names.join(", "),
            suggestion(&shown, names.iter().copied())
        ),
    )
}

fn expected(types: &[&str]) -> String {
    let mut names: Vec<&str> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| article(t))
        .collect();
    names.dedup();
    // "a whole number or a number" says no more than "a number".
    if names.contains(&"a number") {
        names.retain(|n| *n != "a whole number");
    }
    match names.as_slice() {
        [] => "a value".into(),
        [one] => (*one).into(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Keys that appear twice in one object. JSON parsers keep only the last value, so the first
/// would be lost without a word; roughcut reports it instead.
pub(crate) fn duplicate_keys(text: &str) -> Vec<Diagnostic> {
    let found = std::cell::RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_str(text);
    let _ = serde::de::DeserializeSeed::deserialize(
        Dups {
            ptr: String::new(),
            found: &found,
        },
        &mut de,
    );
    found.into_inner()
}

struct Dups<'a> {
    ptr: String,
    found: &'a std::cell::RefCell<Vec<Diagnostic>>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Dups<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Dups<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let child = join(&self.ptr, &key);
            if !seen.insert(key.clone()) {
                self.found.borrow_mut().push(Diagnostic::error(
                    child.clone(),
                    format!("`{key}` appears twice in this object; only the last would count, so remove or rename one"),
                ));
            }
            map.next_value_seed(Dups {
                ptr: child,
                found: self.found,
            })?;
        }
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        while seq
            .next_element_seed(Dups {
                ptr: format!("{}/{i}", self.ptr),
                found: self.found,
            })?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// The value at a JSON pointer, without the allocations of `Value::pointer` (which unescapes
/// every part into a new string): resolving the schema's `$ref`s once per event was most of the
/// time a 100,000-event EDL took to check.
fn lookup<'v>(root: &'v Value, pointer: &str) -> Option<&'v Value> {
    let mut v = root;
    for part in pointer.split('/').skip(1) {
        v = if part.contains('~') {
            let key = part.replace("~1", "/").replace("~0", "~");
            match v {
                Value::Object(m) => m.get(&key)?,
                Value::Array(a) => a.get(key.parse::<usize>().ok()?)?,
                _ => return None,
            }
        } else {
            match v {
                Value::Object(m) => m.get(part)?,
                Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
                _ => return None,
            }
        };
    }
    Some(v)
}
