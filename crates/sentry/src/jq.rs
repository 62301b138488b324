//! `--jq <expr>`: a built-in jq (the jaq interpreter) so scripts and agents can shape JSON
//! output without installing `jq`, the way `gh --jq` works.
//!
//! The expression is compiled once, when the context is built, so a typo fails with exit 21
//! before any request is made; it then runs on the exact value the renderer would print
//! (after `--fields`).

use std::fmt;

use jaq_core::load::{self, Arena, File, Loader};
use jaq_core::{data, unwrap_valr, Compiler, Ctx, Vars};
use jaq_json::Val;
use serde_json::Value;

use crate::error::{CliError, CliResult};

type Data = data::JustLut<Val>;

/// A compiled `--jq` program.
pub struct JqFilter {
    expr: String,
    filter: jaq_core::Filter<Data>,
}

impl fmt::Debug for JqFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JqFilter")
            .field("expr", &self.expr)
            .finish()
    }
}

impl JqFilter {
    /// Parses and compiles `expr` with jq's standard library. Syntax errors and unknown
    /// filters or variables are validation errors (exit 21) that say where the problem is.
    pub fn compile(expr: &str) -> CliResult<JqFilter> {
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let arena = Arena::default();
        let loader = Loader::new(defs);
        let program = File {
            code: expr,
            path: (),
        };
        let modules = loader
            .load(&arena, program)
            .map_err(|errs| invalid(expr, load_messages(expr, errs)))?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errs| {
                let msgs = errs
                    .into_iter()
                    .flat_map(|(_, es)| es)
                    .map(|(name, undef)| {
                        format!(
                            "undefined {} '{name}' at position {}",
                            undef.as_str(),
                            load::span(expr, name).start + 1
                        )
                    })
                    .collect();
                invalid(expr, msgs)
            })?;
        Ok(JqFilter {
            expr: expr.to_string(),
            filter,
        })
    }

    /// Runs the program on `input` and renders every output like `gh --jq`: strings raw,
    /// anything else as compact JSON, one per line. Outputs produced before a runtime error
    /// are returned along with it so the caller can print them first.
    pub fn render(&self, input: &Value) -> (Vec<u8>, Option<CliError>) {
        let mut out = Vec::new();
        let bytes = serde_json::to_vec(input).unwrap_or_default();
        let val = match jaq_json::read::parse_single(&bytes) {
            Ok(v) => v,
            Err(e) => {
                return (
                    out,
                    Some(CliError::general(format!(
                        "jq: cannot read the JSON output: {e}"
                    ))),
                )
            }
        };
        let ctx = Ctx::<Data>::new(&self.filter.lut, Vars::new([]));
        for result in self.filter.id.run((ctx, val)).map(unwrap_valr) {
            match result {
                Ok(v) => {
                    render_val(&v, &mut out);
                    out.push(b'\n');
                }
                Err(e) => {
                    // `error("boom")` should read `jq error: boom`, not a quoted JSON string.
                    let msg = match e.into_val() {
                        Val::TStr(s) => String::from_utf8_lossy(&s).into_owned(),
                        other => other.to_string(),
                    };
                    return (out, Some(CliError::validation(format!("jq error: {msg}"))));
                }
            }
        }
        (out, None)
    }
}

fn render_val(v: &Val, out: &mut Vec<u8>) {
    match v {
        Val::TStr(s) => out.extend_from_slice(s),
        other => out.extend_from_slice(other.to_string().as_bytes()),
    }
}

fn invalid(expr: &str, msgs: Vec<String>) -> CliError {
    let detail = if msgs.is_empty() {
        "syntax error".to_string()
    } else {
        msgs.join("; ")
    };
    CliError::validation(format!("Invalid --jq expression '{expr}': {detail}"))
}

fn load_messages(expr: &str, errs: load::Errors<&str, ()>) -> Vec<String> {
    let mut msgs = Vec::new();
    for (_, err) in errs {
        match err {
            load::Error::Io(es) => {
                msgs.extend(es.into_iter().map(|(path, e)| format!("{path}: {e}")))
            }
            load::Error::Lex(es) => {
                for (expect, rest) in es {
                    msgs.push(format!(
                        "expected {} at position {}",
                        expect.as_str(),
                        load::span(expr, rest).start + 1
                    ));
                }
            }
            load::Error::Parse(es) => {
                for (expect, found) in es {
                    let found_text = if found.is_empty() {
                        "end of input".to_string()
                    } else {
                        format!("'{found}'")
                    };
                    msgs.push(format!(
                        "expected {}, found {found_text} at position {}",
                        expect.as_str(),
                        load::span(expr, found).start + 1
                    ));
                }
            }
        }
    }
    msgs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(expr: &str, input: Value) -> String {
        let (out, err) = JqFilter::compile(expr).unwrap().render(&input);
        assert!(err.is_none(), "{err:?}");
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_raw_and_other_values_compact() {
        let input = json!([{"slug":"a","n":1,"o":{"x":[1,2]}},{"slug":"b","n":2.5,"o":null}]);
        assert_eq!(run(".[].slug", input.clone()), "a\nb\n");
        assert_eq!(run(".[0].o", input.clone()), "{\"x\":[1,2]}\n");
        assert_eq!(run("[.[].n]", input.clone()), "[1,2.5]\n");
        assert_eq!(run("length", input.clone()), "2\n");
        assert_eq!(run("map(select(.n > 1)) | .[].slug", input), "b\n");
    }

    #[test]
    fn std_library_is_available() {
        assert_eq!(run("keys | join(\",\")", json!({"b":1,"a":2})), "a,b\n");
        assert_eq!(run("@base64", json!("hi")), "aGk=\n");
        assert_eq!(run("test(\"^a+$\")", json!("aaa")), "true\n");
    }

    #[test]
    fn syntax_errors_are_validation_errors_with_a_position() {
        let e = JqFilter::compile(".[").unwrap_err();
        assert_eq!(e.exit_code, 21);
        assert!(
            e.message
                .starts_with("Invalid --jq expression '.[': expected"),
            "{}",
            e.message
        );
        assert!(e.message.contains("position"), "{}", e.message);
    }

    #[test]
    fn unknown_filters_are_reported_by_name() {
        let e = JqFilter::compile("nosuchfn(1)").unwrap_err();
        assert_eq!(e.exit_code, 21);
        assert!(
            e.message.contains("undefined filter 'nosuchfn'"),
            "{}",
            e.message
        );
    }

    #[test]
    fn runtime_errors_keep_earlier_outputs() {
        let f = JqFilter::compile(".[] | .a").unwrap();
        let (out, err) = f.render(&json!([{"a":1}, 5]));
        assert_eq!(String::from_utf8(out).unwrap(), "1\n");
        let err = err.unwrap();
        assert_eq!(err.exit_code, 21);
        assert!(err.message.starts_with("jq error: "), "{}", err.message);
    }
}
