//! The shared renderer: every command hands back a typed result and this module prints it as
//! JSON (`--json`, `--fields`) or as human text and tables. Diagnostics go to stderr elsewhere;
//! stdout carries only data.

use std::io::{self, IsTerminal, Write};

use serde_json::{Map, Value};

use crate::error::CliError;

pub mod format;
mod table;
pub use table::{display_width, Table};

/// How the result of one command is printed; decided once from flags and environment.
#[derive(Debug, Clone, Default)]
pub struct OutputOptions {
    pub json: bool,
    /// `--fields a,b.c`, already split, trimmed and de-duplicated.
    pub fields: Option<Vec<String>>,
    /// Colour and styling allowed (see [`rich_output`]).
    pub rich: bool,
    /// `--jq`, compiled once; applied to the JSON value after `--fields`.
    pub jq: Option<std::rc::Rc<crate::jq::JqFilter>>,
}

/// A command's result. `json` is the machine shape (field names match upstream); `human`
/// renders the same data for a person.
pub trait Report {
    fn json(&self) -> Value;
    fn human(&self, out: &mut Human) -> io::Result<()>;
    /// The JSON with `--fields` applied. Most reports keep the generic selection; one whose
    /// fields also name server-side attributes (`trace view`) shapes its own.
    fn json_fields(&self, fields: &[String]) -> Value {
        select_fields(&self.json(), fields)
    }
}

/// Human output being built; styling is applied only in rich mode.
pub struct Human {
    buf: Vec<u8>,
    pub rich: bool,
    pub width: u16,
}

impl Human {
    pub fn new(rich: bool) -> Self {
        Self {
            buf: Vec::new(),
            rich,
            width: terminal_width(),
        }
    }
    pub fn line(&mut self, s: impl AsRef<str>) -> io::Result<()> {
        self.buf.extend_from_slice(s.as_ref().as_bytes());
        self.buf.push(b'\n');
        Ok(())
    }
    pub fn blank(&mut self) -> io::Result<()> {
        self.buf.push(b'\n');
        Ok(())
    }
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    pub fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
    pub fn red(&self, s: &str) -> String {
        self.paint("31", s)
    }
    pub fn blue(&self, s: &str) -> String {
        self.paint("34", s)
    }
    fn paint(&self, code: &str, s: &str) -> String {
        if self.rich {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    /// A heading followed by a `━` underline as wide as the title but at most 30 columns, as
    /// upstream prints section titles.
    pub fn heading(&mut self, title: &str) -> io::Result<()> {
        let underline = "━".repeat(display_width(title).min(30));
        let t = self.bold(title);
        self.line(t)?;
        self.line(underline)
    }
    /// A box-drawn table (kept in plain mode too, like upstream), fitted to the terminal.
    pub fn table(&mut self, header: Option<&[&str]>, rows: Vec<Vec<String>>) -> io::Result<()> {
        self.table_aligned(header, rows, &[])
    }
    /// [`Human::table`] with per-column alignment (columns past the end of `align` are
    /// left-aligned). Count columns are right-aligned so magnitudes line up, as upstream prints
    /// them; a header follows its column's alignment like upstream's, which only shows when the
    /// header is the narrower text.
    pub fn table_aligned(
        &mut self,
        header: Option<&[&str]>,
        rows: Vec<Vec<String>>,
        align: &[Align],
    ) -> io::Result<()> {
        let mut t = Table::new(header, rows);
        t.align = align.to_vec();
        self.print_table(&t)
    }
    /// Prints a table laid out for this terminal's width (see [`Table`] for the rules).
    /// Header cells are plain, as upstream prints them.
    pub fn print_table(&mut self, t: &Table) -> io::Result<()> {
        let s = t.render(self.width as usize);
        if s.is_empty() {
            return Ok(());
        }
        self.line(s)
    }
    /// The colour upstream draws separated tables' borders in (rich output only).
    pub fn border_colour(&self) -> Option<String> {
        self.rich.then(|| "\x1b[38;2;137;130;148m".to_string())
    }
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

fn terminal_width() -> u16 {
    if let Some(w) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<u16>().ok())
    {
        return w.max(20);
    }
    #[cfg(unix)]
    {
        if io::stdout().is_terminal() {
            // SAFETY: TIOCGWINSZ only writes into the winsize struct we pass.
            unsafe {
                let mut ws: libc::winsize = std::mem::zeroed();
                if libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) == 0 && ws.ws_col > 0
                {
                    return ws.ws_col;
                }
            }
        }
    }
    80
}

/// Horizontal alignment of a table column's body cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Writes one diagnostic line (a warning, note, progress or tail line) to stderr. Besides
/// the renderer this is the only way the binary writes to the terminal (`clippy::print_*`
/// are denied everywhere else): stdout stays data, and a closed stderr is not an error.
#[macro_export]
macro_rules! diag {
    ($($arg:tt)*) => {
        $crate::output::diag_line(format_args!($($arg)*))
    };
}

/// See [`diag!`].
pub fn diag_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let captured = CAPTURE.with(|c| {
        c.borrow_mut().as_mut().map(|cap| {
            let _ = writeln!(cap.stderr, "{args}");
        })
    });
    if captured.is_none() {
        let _ = writeln!(io::stderr(), "{args}");
    }
}

/// What a command printed while [`capture`] ran it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Captured {
    pub stdout: Vec<u8>,
    /// Diagnostics written through [`diag!`].
    pub stderr: Vec<u8>,
}

#[cfg(test)]
impl Captured {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

thread_local! {
    static CAPTURE: std::cell::RefCell<Option<Captured>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's output (the renderer's stdout and `diag!` lines) captured
/// instead of written: how a command's `run` is unit-tested beside it.
#[cfg(test)]
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Captured) {
    CAPTURE.with(|c| *c.borrow_mut() = Some(Captured::default()));
    let result = f();
    let captured = CAPTURE.with(|c| c.borrow_mut().take()).unwrap_or_default();
    (result, captured)
}

/// Prints a report according to the options. Writing to a closed pipe (`| head`) is success.
pub fn emit(report: &dyn Report, opts: &OutputOptions) -> Result<(), CliError> {
    let bytes = if opts.json {
        let value = match &opts.fields {
            Some(fields) if !fields.is_empty() => report.json_fields(fields),
            _ => report.json(),
        };
        match &opts.jq {
            Some(jq) => return emit_jq(jq, &value),
            None => json_bytes(&value),
        }
    } else {
        let mut h = Human::new(opts.rich);
        report.human(&mut h).map_err(CliError::from)?;
        h.into_bytes()
    };
    write_stdout(&bytes)
}

/// Prints the `--jq` outputs; those produced before a runtime error are still printed.
pub fn emit_jq(jq: &crate::jq::JqFilter, value: &Value) -> Result<(), CliError> {
    let (bytes, err) = jq.render(value);
    write_stdout(&bytes)?;
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Pretty JSON with 2-space indentation and a trailing newline, as upstream prints it.
pub fn json_bytes(value: &Value) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(&JsNumbers(value)).unwrap_or_default();
    v.push(b'\n');
    v
}

/// Serializes a value with numbers as JavaScript writes them: a float with no fraction is a
/// whole number (`2250`, not `2250.0`). Upstream is JavaScript, so scripts comparing output
/// byte for byte see the same text; the value is the same number either way.
pub struct JsNumbers<'a>(pub &'a Value);

impl serde::Serialize for JsNumbers<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Value::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 => {
                    s.serialize_i64(f as i64)
                }
                _ => n.serialize(s),
            },
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&JsNumbers(item))?;
                }
                seq.end()
            }
            Value::Object(map) => {
                let mut m = s.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k, &JsNumbers(v))?;
                }
                m.end()
            }
            other => other.serialize(s),
        }
    }
}

/// Writes to stdout; a reader that went away is not an error for a CLI.
pub fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let captured = CAPTURE.with(|c| {
        c.borrow_mut()
            .as_mut()
            .map(|cap| cap.stdout.extend_from_slice(bytes))
    });
    if captured.is_some() {
        return Ok(());
    }
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(CliError::new(
            crate::error::exit::OUTPUT,
            format!("Failed to write output: {e}"),
        )),
    }
}

/// Splits `--fields a, b.c,a` into unique trimmed paths, keeping first-seen order. A comma
/// inside balanced `[…]` or `(…)` or a `"…"` string does not split (`tags[x,number]`,
/// `count_if(a,b)`), as upstream's field-list grammar reads it; an unclosed bracket or
/// quote is an ordinary character.
pub fn parse_fields(raw: &str) -> Vec<String> {
    let chars: Vec<char> = raw.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i <= chars.len() {
        if i == chars.len() || chars[i] == ',' {
            let f: String = chars[start..i].iter().collect();
            let f = f.trim();
            if !f.is_empty() && !out.iter().any(|o| o == f) {
                out.push(f.to_string());
            }
            start = i + 1;
            i += 1;
            continue;
        }
        i = group_end(&chars, i).unwrap_or(i + 1);
    }
    out
}

/// The end (exclusive) of the balanced group or string that opens at `i`, if one does.
fn group_end(chars: &[char], i: usize) -> Option<usize> {
    match chars[i] {
        '"' => {
            let mut j = i + 1;
            while j < chars.len() {
                match chars[j] {
                    '\\' if j + 1 < chars.len() => j += 2,
                    '\\' => return None,
                    '"' => return Some(j + 1),
                    _ => j += 1,
                }
            }
            None
        }
        open @ ('[' | '(') => {
            let close = if open == '[' { ']' } else { ')' };
            let mut j = i + 1;
            while j < chars.len() {
                match chars[j] {
                    c if c == close => return Some(j + 1),
                    '[' | '(' | '"' => j = group_end(chars, j)?,
                    ']' | ')' => return None,
                    _ => j += 1,
                }
            }
            None
        }
        _ => None,
    }
}

/// Applies `--fields`: to each element of an array, to each element of `data` in a list
/// envelope, else to the object itself.
pub fn select_fields(value: &Value, fields: &[String]) -> Value {
    match value {
        Value::Object(map)
            if map.get("data").is_some_and(Value::is_array) && map.contains_key("hasMore") =>
        {
            let mut out = map.clone();
            if let Some(Value::Array(items)) = map.get("data") {
                out.insert(
                    "data".into(),
                    Value::Array(items.iter().map(|v| select(v, fields)).collect()),
                );
            }
            Value::Object(out)
        }
        // Time series (`explore -b`): the fields pick keys of each bucket, as upstream's do.
        Value::Object(map) if map.get("timeSeries").is_some_and(Value::is_array) => {
            let mut out = map.clone();
            if let Some(Value::Array(series)) = out.get_mut("timeSeries") {
                for s in series.iter_mut() {
                    if let Some(Value::Array(values)) = s.get_mut("values") {
                        for v in values.iter_mut() {
                            *v = select(v, fields);
                        }
                    }
                }
            }
            Value::Object(out)
        }
        other => select(other, fields),
    }
}

/// Upstream's field selection of one value: arrays element by element, an object by
/// [`pick`] (`{}` when no path matched), anything else unchanged.
pub fn select(value: &Value, fields: &[String]) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(|v| select(v, fields)).collect()),
        Value::Object(_) => pick(value, fields).unwrap_or_else(|| Value::Object(Map::new())),
        other => other.clone(),
    }
}

/// The part of `value` the paths select, or `None` when none matched. At each level a key
/// that literally equals the (rest of the) path wins (keys may contain dots: `data.http.method`
/// reaches `{"data": {"http.method": …}}`); otherwise the path splits at its first dot. Keys
/// come out in the order the paths first name them. An array applies non-numeric paths to
/// every element (an element without a match keeps its shape, emptied); `N` / `N.rest` pick
/// element N, and the others are emptied.
pub fn pick(value: &Value, paths: &[String]) -> Option<Value> {
    match value {
        Value::Array(items) => pick_array(items, paths),
        Value::Object(map) => {
            // key → None (the whole value) or the sub-paths under it.
            let mut groups: Vec<(String, Option<Vec<String>>)> = Vec::new();
            for p in paths {
                let slot = |groups: &mut Vec<(String, Option<Vec<String>>)>, k: &str| {
                    groups.iter().position(|(g, _)| g == k).unwrap_or_else(|| {
                        groups.push((k.to_string(), Some(Vec::new())));
                        groups.len() - 1
                    })
                };
                if map.contains_key(p) {
                    let i = slot(&mut groups, p);
                    groups[i].1 = None;
                    continue;
                }
                let Some((head, rest)) = p.split_once('.') else {
                    continue;
                };
                if !map.contains_key(head) {
                    continue;
                }
                let i = slot(&mut groups, head);
                if let Some(subs) = &mut groups[i].1 {
                    subs.push(rest.to_string());
                }
            }
            let mut out = Map::new();
            for (k, subs) in groups {
                let v = &map[&k];
                let got = match subs {
                    None => Some(v.clone()),
                    Some(subs) => pick(v, &subs),
                };
                if let Some(got) = got {
                    out.insert(k, got);
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        _ => None,
    }
}

fn pick_array(items: &[Value], paths: &[String]) -> Option<Value> {
    let mut every: Vec<String> = Vec::new();
    // index → None (the whole element) or the sub-paths under it.
    let mut by_index: Vec<(usize, Option<Vec<String>>)> = Vec::new();
    for p in paths {
        let (head, rest) = match p.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (p.as_str(), None),
        };
        let numeric = !head.is_empty()
            && head.bytes().all(|b| b.is_ascii_digit())
            && (head == "0" || !head.starts_with('0'));
        if !numeric {
            every.push(p.clone());
            continue;
        }
        // An index past the end (however large) selects nothing.
        let Some(idx) = head.parse::<usize>().ok().filter(|i| *i < items.len()) else {
            continue;
        };
        let pos = by_index.iter().position(|(i, _)| *i == idx);
        match (pos, rest) {
            (Some(pos), None) => by_index[pos].1 = None,
            (None, None) => by_index.push((idx, None)),
            (Some(pos), Some(r)) => {
                if let Some(subs) = &mut by_index[pos].1 {
                    subs.push(r.to_string());
                }
            }
            (None, Some(r)) => by_index.push((idx, Some(vec![r.to_string()]))),
        }
    }
    if every.is_empty() && by_index.is_empty() {
        return None;
    }
    Some(Value::Array(
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let own = by_index.iter().find(|(j, _)| *j == i).map(|(_, s)| s);
                if let Some(None) = own {
                    return item.clone();
                }
                let mut subs = every.clone();
                if let Some(Some(more)) = own {
                    subs.extend(more.iter().cloned());
                }
                pick(item, &subs).unwrap_or_else(|| emptied(item))
            })
            .collect(),
    ))
}

/// A value's shape with nothing selected: arrays element by element, objects `{}`, else null.
fn emptied(v: &Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().map(emptied).collect()),
        Value::Object(_) => Value::Object(Map::new()),
        _ => Value::Null,
    }
}

/// Prints a failure on stderr: `Error: …` for people, one JSON object with `--json` (decisions #11).
pub fn emit_error(err: &CliError, json: bool) {
    let mut stderr = io::stderr().lock();
    if json {
        let mut e = Map::new();
        e.insert("message".into(), Value::String(err.full_message()));
        if let Some(h) = &err.hint {
            e.insert("hint".into(), Value::String(h.clone()));
        }
        e.insert("exitCode".into(), Value::from(err.exit_code));
        let obj = serde_json::json!({ "error": Value::Object(e) });
        let _ = writeln!(stderr, "{obj}");
    } else {
        let _ = writeln!(stderr, "Error: {}", err.full_message());
        if let Some(h) = &err.hint {
            let _ = writeln!(stderr, "\n{h}");
        }
    }
}

/// Plain vs rich output by the rule settings resolution uses ([`sentry_config::color_mode`]:
/// `SENTRY_PLAIN_OUTPUT`, then `NO_COLOR`, then `FORCE_COLOR` on a terminal, then whether
/// stdout is a terminal), decided from the environment alone.
pub fn rich_output(env: &dyn Fn(&str) -> Option<String>) -> bool {
    use sentry_config::{color_mode, ColorMode, Origin, Setting};
    let lookup = |name: &str| env(name).map(|v| Setting::new(v, Origin::Env(name.to_string())));
    color_mode(lookup, io::stdout().is_terminal()).value == ColorMode::Rich
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(s: &str) -> Vec<String> {
        parse_fields(s)
    }

    #[test]
    fn aligned_table_right_aligns_count_columns() {
        let mut h = Human::new(false);
        h.width = 80;
        let rows = vec![
            vec!["a".to_string(), "7".to_string(), "x".to_string()],
            vec!["bb".to_string(), "1.2k".to_string(), "y".to_string()],
        ];
        h.table_aligned(
            Some(&["NAME", "EVENTS", "Z"]),
            rows,
            &[Align::Left, Align::Right],
        )
        .unwrap();
        let got = String::from_utf8(h.into_bytes()).unwrap();
        assert_eq!(
            got,
            "╭──────┬────────┬───╮\n\
             │ NAME │ EVENTS │ Z │\n\
             ├──────┼────────┼───┤\n\
             │ a    │      7 │ x │\n\
             │ bb   │   1.2k │ y │\n\
             ╰──────┴────────┴───╯\n"
        );
    }

    #[test]
    fn fields_are_split_trimmed_and_deduplicated() {
        assert_eq!(f(" a, b.c ,a,,"), vec!["a", "b.c"]);
    }

    #[test]
    fn fields_rebuild_nested_objects_and_skip_missing() {
        let v = json!({"source":"env","token":{"display":"x","expiresAt":1},"verification":{"organizations":[1]},"other":2});
        let got = select_fields(
            &v,
            &f("source, token.display,verification.organizations,nonexistent"),
        );
        assert_eq!(
            got,
            json!({"source":"env","token":{"display":"x"},"verification":{"organizations":[1]}})
        );
    }

    #[test]
    fn literal_dotted_key_wins_over_path() {
        let v = json!({"a.b": 1, "a": {"b": 2}});
        assert_eq!(select_fields(&v, &f("a.b")), json!({"a.b": 1}));
        // At every level: `spans.data.http.method` reaches a `http.method` key.
        let v = json!({"spans": [{"span_id": "1", "data": {"http.method": "GET", "x": 1}}, {"span_id": "2"}]});
        assert_eq!(
            select_fields(&v, &f("spans.span_id,spans.data.http.method")),
            json!({"spans": [{"span_id": "1", "data": {"http.method": "GET"}}, {"span_id": "2"}]})
        );
        // Keys come out in the order the paths name them.
        let v = json!({"a": 1, "b": 2});
        let got = select_fields(&v, &f("b,a"));
        assert_eq!(
            got.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["b", "a"]
        );
    }

    #[test]
    fn fields_keep_commas_inside_brackets_and_quotes() {
        assert_eq!(
            f("id, tags[x,number] ,count_if(a,b),\"a,b\",,id"),
            vec!["id", "tags[x,number]", "count_if(a,b)", "\"a,b\""]
        );
        // Unclosed groups are plain characters.
        assert_eq!(f("a[b,c"), vec!["a[b", "c"]);
        assert_eq!(f("a\"b,c"), vec!["a\"b", "c"]);
    }

    #[test]
    fn fields_reach_into_arrays_of_objects_like_upstream() {
        let v = json!({"version": "1.0", "projects": [
            {"slug": "app", "name": "App", "id": 1},
            {"slug": "web", "name": "Web", "id": 2}
        ]});
        assert_eq!(
            select_fields(&v, &f("projects.slug,version,projects.id")),
            json!({"projects": [{"slug": "app", "id": 1}, {"slug": "web", "id": 2}], "version": "1.0"})
        );
        // A numeric segment picks one element; the others keep their place, emptied.
        assert_eq!(
            select_fields(&v, &f("projects.1.slug")),
            json!({"projects": [{}, {"slug": "web"}]})
        );
        assert_eq!(
            select_fields(&v, &f("projects.0,projects.1.id")),
            json!({"projects": [{"slug": "app", "name": "App", "id": 1}, {"id": 2}]})
        );
        assert_eq!(
            select_fields(&v, &f("projects.nope")),
            json!({"projects": [{}, {}]})
        );
    }

    #[test]
    fn fields_apply_per_element_of_arrays_and_envelopes() {
        let arr = json!([{"id":1,"x":2},{"id":3}]);
        assert_eq!(select_fields(&arr, &f("id")), json!([{"id":1},{"id":3}]));
        let env = json!({"data":[{"id":1,"x":2}],"hasMore":false});
        assert_eq!(
            select_fields(&env, &f("id")),
            json!({"data":[{"id":1}],"hasMore":false})
        );
    }

    #[test]
    fn whole_floats_print_like_javascript() {
        let v: Value = serde_json::from_str(r#"{"a":2250.0,"b":[1.5,-0.0,3],"c":1e300}"#).unwrap();
        assert_eq!(
            String::from_utf8(json_bytes(&v)).unwrap(),
            "{\n  \"a\": 2250,\n  \"b\": [\n    1.5,\n    0,\n    3\n  ],\n  \"c\": 1e+300\n}\n"
        );
    }

    #[test]
    fn json_is_pretty_with_trailing_newline() {
        assert_eq!(
            String::from_utf8(json_bytes(&json!({"a":1}))).unwrap(),
            "{\n  \"a\": 1\n}\n"
        );
    }
}
