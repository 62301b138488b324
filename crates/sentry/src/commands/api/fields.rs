//! `-F/--field` and `-f/--raw-field` parsing for `sentry api`, with `gh api`'s key syntax:
//! `a[b]=c` builds nested objects, `a[]=1` appends to an array, `a[]` alone makes an empty
//! array and `a[][b]=1` fills an array of objects.
//!
//! Kept free of I/O: reading `@file`/`@-` values is the caller's job (through the `read`
//! callback), so the parsing rules can be unit-tested exhaustively.

use serde_json::{Map, Value};

use crate::error::{CliError, CliResult};

/// One `--field`/`--raw-field` argument as given on the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub key: String,
    /// `None` for the bare `key[]` form (an empty array).
    pub value: Option<Value>,
}

/// A key segment: `name` / `[name]`, or `[]` (append).
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Name(String),
    Push,
}

/// Splits `key=value`. Typed values (`-F`) are JSON when they parse as JSON (`5`, `true`,
/// `null`, `1.2`, `[1,2]`), else strings; `@path` is the text of a file, `@-` standard input,
/// obtained through `read`. Raw values (`-f`) are always strings.
pub fn parse_field(
    raw: &str,
    typed: bool,
    read: &mut dyn FnMut(&str) -> CliResult<String>,
) -> CliResult<Field> {
    let Some((key, value)) = raw.split_once('=') else {
        if raw.ends_with("[]") {
            parse_key(raw)?;
            return Ok(Field {
                key: raw.to_string(),
                value: None,
            });
        }
        return Err(CliError::validation(format!(
            "Invalid field format: {raw}. Expected key=value"
        )));
    };
    parse_key(key)?;
    let value = if !typed {
        Value::String(value.to_string())
    } else if let Some(path) = value.strip_prefix('@') {
        Value::String(read(path)?)
    } else {
        serde_json::from_str::<Value>(value).unwrap_or_else(|_| Value::String(value.to_string()))
    };
    Ok(Field {
        key: key.to_string(),
        value: Some(value),
    })
}

fn parse_key(key: &str) -> CliResult<Vec<Seg>> {
    let bad = || CliError::validation(format!("Invalid field key format: {key}"));
    let (base, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    if base.is_empty() || base.contains(']') {
        return Err(bad());
    }
    let mut segs = vec![Seg::Name(base.to_string())];
    while !rest.is_empty() {
        let inner_end = rest.find(']').ok_or_else(bad)?;
        if !rest.starts_with('[') {
            return Err(bad());
        }
        let inner = &rest[1..inner_end];
        if inner.contains('[') {
            return Err(bad());
        }
        let seg = if inner.is_empty() {
            Seg::Push
        } else {
            Seg::Name(inner.to_string())
        };
        // `a[][]` has no meaning: after an append only a named key may follow.
        if seg == Seg::Push && segs.last() == Some(&Seg::Push) {
            return Err(bad());
        }
        segs.push(seg);
        rest = &rest[inner_end + 1..];
    }
    Ok(segs)
}

/// Builds the JSON body from fields, in order; later fields overwrite earlier ones at the
/// same key.
pub fn build_body(fields: &[Field]) -> CliResult<Map<String, Value>> {
    let mut root = Map::new();
    for f in fields {
        let segs = parse_key(&f.key)?;
        insert(&mut root, &segs, f.value.clone(), &f.key)?;
    }
    Ok(root)
}

fn conflict(key: &str, name: &str, want: &str) -> CliError {
    CliError::validation(format!(
        "Field '{key}' conflicts with an earlier field: '{name}' is not {want}."
    ))
}

fn insert(
    map: &mut Map<String, Value>,
    segs: &[Seg],
    value: Option<Value>,
    key: &str,
) -> CliResult<()> {
    let Some(Seg::Name(name)) = segs.first() else {
        return Err(CliError::validation(format!(
            "Invalid field key format: {key}"
        )));
    };
    match segs.get(1) {
        None => {
            map.insert(name.clone(), value.unwrap_or(Value::Null));
            Ok(())
        }
        Some(Seg::Name(_)) => {
            let entry = map
                .entry(name.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(inner) = entry else {
                return Err(conflict(key, name, "an object"));
            };
            insert(inner, &segs[1..], value, key)
        }
        Some(Seg::Push) => {
            let entry = map
                .entry(name.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            let Value::Array(items) = entry else {
                return Err(conflict(key, name, "an array"));
            };
            let rest = &segs[2..];
            match rest.first() {
                None => {
                    if let Some(v) = value {
                        items.push(v);
                    }
                    Ok(())
                }
                Some(Seg::Name(next)) => {
                    // `a[][b]=1 a[][c]=2` fills one object; repeating `b` starts the next.
                    let reuse =
                        matches!(items.last(), Some(Value::Object(o)) if !o.contains_key(next));
                    if !reuse {
                        items.push(Value::Object(Map::new()));
                    }
                    match items.last_mut() {
                        Some(Value::Object(o)) => insert(o, rest, value, key),
                        _ => Err(conflict(key, name, "an array of objects")),
                    }
                }
                Some(Seg::Push) => Err(CliError::validation(format!(
                    "Invalid field key format: {key}"
                ))),
            }
        }
    }
}

/// Query parameters for GET: keys verbatim (`a[b]` stays `a[b]`), a JSON array value becomes
/// a repeated key, objects are sent as compact JSON and scalars as their text.
pub fn query_pairs(fields: &[Field]) -> CliResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for f in fields {
        let Some(v) = &f.value else {
            return Err(CliError::validation(format!(
                "Invalid field format: {}. Expected key=value",
                f.key
            )));
        };
        match v {
            Value::Array(items) => {
                for item in items {
                    out.push((f.key.clone(), scalar_text(item)));
                }
            }
            other => out.push((f.key.clone(), scalar_text(other))),
        }
    }
    Ok(out)
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_files(p: &str) -> CliResult<String> {
        Err(CliError::validation(format!("unexpected read of {p}")))
    }

    fn typed(raw: &str) -> Field {
        parse_field(raw, true, &mut no_files).unwrap()
    }
    fn rawf(raw: &str) -> Field {
        parse_field(raw, false, &mut no_files).unwrap()
    }

    #[test]
    fn typed_values_are_json_when_they_parse() {
        assert_eq!(typed("n=5").value, Some(json!(5)));
        assert_eq!(typed("f=1.2").value, Some(json!(1.2)));
        assert_eq!(typed("b=true").value, Some(json!(true)));
        assert_eq!(typed("z=null").value, Some(Value::Null));
        assert_eq!(typed("s=hello").value, Some(json!("hello")));
        assert_eq!(typed("a=[1,2]").value, Some(json!([1, 2])));
        assert_eq!(
            typed("q=is:unresolved level:error").value,
            Some(json!("is:unresolved level:error"))
        );
        assert_eq!(typed("eq=a=b").value, Some(json!("a=b")));
    }

    #[test]
    fn raw_values_are_strings() {
        assert_eq!(rawf("n=5").value, Some(json!("5")));
        assert_eq!(rawf("b=true").value, Some(json!("true")));
        assert_eq!(rawf("f=@file").value, Some(json!("@file")));
    }

    #[test]
    fn at_values_are_read_through_the_callback() {
        let mut read = |p: &str| -> CliResult<String> { Ok(format!("contents of {p}")) };
        let f = parse_field("body=@notes.txt", true, &mut read).unwrap();
        assert_eq!(f.value, Some(json!("contents of notes.txt")));
        let f = parse_field("body=@-", true, &mut read).unwrap();
        assert_eq!(f.value, Some(json!("contents of -")));
    }

    #[test]
    fn upstream_example_body() {
        let fields = vec![
            typed("version=1.2"),
            typed("projects[]=a"),
            typed("projects[]=b"),
            typed("n=5"),
            rawf("s=5"),
        ];
        assert_eq!(
            Value::Object(build_body(&fields).unwrap()),
            json!({"version":1.2,"projects":["a","b"],"n":5,"s":"5"})
        );
    }

    #[test]
    fn nested_objects_and_arrays_of_objects() {
        let fields = vec![
            typed("user[name]=jane"),
            typed("user[address][city]=Vienna"),
            typed("tags[]"),
            typed("items[][id]=1"),
            typed("items[][name]=x"),
            typed("items[][id]=2"),
        ];
        assert_eq!(
            Value::Object(build_body(&fields).unwrap()),
            json!({
                "user": {"name":"jane","address":{"city":"Vienna"}},
                "tags": [],
                "items": [{"id":1,"name":"x"},{"id":2}]
            })
        );
    }

    #[test]
    fn bad_keys_and_formats_are_validation_errors() {
        for bad in ["=1", "a[=1", "a]=1", "a[b=1", "a[][]=1", "[x]=1", "a[b]c=1"] {
            let e = parse_field(bad, true, &mut no_files).unwrap_err();
            assert_eq!(e.exit_code, 21, "{bad}");
            assert!(
                e.message.starts_with("Invalid field key format: "),
                "{bad}: {}",
                e.message
            );
        }
        let e = parse_field("novalue", true, &mut no_files).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid field format: novalue. Expected key=value"
        );
    }

    #[test]
    fn type_conflicts_are_reported() {
        let e = build_body(&[typed("a=1"), typed("a[b]=2")]).unwrap_err();
        assert_eq!(
            e.message,
            "Field 'a[b]' conflicts with an earlier field: 'a' is not an object."
        );
        let e = build_body(&[typed("a[b]=1"), typed("a[]=2")]).unwrap_err();
        assert_eq!(
            e.message,
            "Field 'a[]' conflicts with an earlier field: 'a' is not an array."
        );
    }

    #[test]
    fn query_pairs_keep_keys_and_repeat_arrays() {
        let fields = vec![
            typed("query=is:unresolved"),
            typed("limit=5"),
            typed("project=[1,2]"),
            typed("obj={\"a\":1}"),
            rawf("x[y]=z"),
        ];
        assert_eq!(
            query_pairs(&fields).unwrap(),
            vec![
                ("query".to_string(), "is:unresolved".to_string()),
                ("limit".into(), "5".into()),
                ("project".into(), "1".into()),
                ("project".into(), "2".into()),
                ("obj".into(), "{\"a\":1}".into()),
                ("x[y]".into(), "z".into()),
            ]
        );
        assert!(query_pairs(&[typed("tags[]")]).is_err());
    }
}
