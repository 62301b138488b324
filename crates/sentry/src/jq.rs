//! `--jq <expr>`: a built-in jq (the jaq interpreter) so scripts and agents can shape JSON
//! output without installing `jq`, the way `gh --jq` works.
//!
//! The expression is compiled once, when the context is built, so a typo fails with exit 21
//! before any request is made; it then runs on the exact value the renderer would print
//! (after `--fields`).
//!
//! jq is a programming language, so an expression can recurse without end (`def f: [f]; f`),
//! generate forever (`repeat(1)`) or build a huge value (`[range(1e9)]`). Evaluation is
//! therefore bounded, and hitting a bound is an ordinary jq error (exit 21), never a crash:
//! * it runs on a worker thread with a large stack, and every context copy the interpreter
//!   makes (each filter step and call) checks how much of that stack is used, so unbounded
//!   recursion stops at [`DEPTH_STACK`] instead of overflowing;
//! * the calling thread watches the clock ([`TIME_BUDGET`]) and the process's memory
//!   ([`MEMORY_BUDGET`] over what it used before, plus a multiple of the input's size), and
//!   caps the outputs ([`MAX_OUTPUTS`], [`MAX_OUTPUT_BYTES`]);
//! * when a bound is hit the calling thread reports it and the process exits through the
//!   normal error path; a worker still running is simply abandoned (a worker that stopped
//!   itself parks), which is safe because nothing waits for it.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use jaq_core::load::{self, Arena, File, Loader};
use jaq_core::{data, unwrap_valr, Compiler, Ctx, DataT, Vars};
use jaq_json::Val;
use serde_json::Value;

use crate::error::{CliError, CliResult};

/// Wall-clock time an evaluation may take.
pub const TIME_BUDGET: Duration = Duration::from_secs(5);
/// Memory an evaluation may add to the process (plus [`MEMORY_PER_INPUT_BYTE`] per byte of
/// input JSON, since the parsed input and its copies grow with it).
pub const MEMORY_BUDGET: u64 = 512 << 20;
const MEMORY_PER_INPUT_BYTE: u64 = 16;
/// Outputs one evaluation may produce.
pub const MAX_OUTPUTS: usize = 1_000_000;
/// Bytes of output one evaluation may produce.
pub const MAX_OUTPUT_BYTES: usize = 64 << 20;
/// Stack the worker reserves (address space; only pages used become memory). It is larger
/// than the memory budget, so even recursion the depth check cannot see (dropping or printing
/// a value nested millions deep) hits the memory bound before the end of the stack.
const WORKER_STACK: usize = 1 << 30;
/// Stack use at which recursion is reported as too deep.
const DEPTH_STACK: usize = 256 << 20;
/// How often the calling thread looks at the clock and the memory.
const POLL: Duration = Duration::from_millis(10);

/// A compiled `--jq` program.
pub struct JqFilter {
    expr: String,
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
        compile::<Guarded>(expr)?;
        Ok(JqFilter {
            expr: expr.to_string(),
        })
    }

    /// Runs the program on `input` and renders every output like `gh --jq`: strings raw,
    /// anything else as compact JSON, one per line. Outputs produced before an error
    /// (including a bound being hit) are returned along with it so the caller can print them
    /// first.
    pub fn render(&self, input: &Value) -> (Vec<u8>, Option<CliError>) {
        let bytes = serde_json::to_vec(&crate::output::JsNumbers(input)).unwrap_or_default();
        let budget = MEMORY_BUDGET + MEMORY_PER_INPUT_BYTE * bytes.len() as u64;
        let shared = Arc::new(Shared::default());
        let mut spawned = false;
        // A smaller stack where the address space is short; the depth bound scales with it.
        for shrink in [1, 8, 64] {
            let (shared, expr, bytes) = (shared.clone(), self.expr.clone(), bytes.clone());
            let depth = DEPTH_STACK / shrink;
            spawned = std::thread::Builder::new()
                .name("jq".into())
                .stack_size(WORKER_STACK / shrink)
                .spawn(move || evaluate(&expr, &bytes, depth, &shared))
                .is_ok();
            if spawned {
                break;
            }
        }
        drop(bytes);
        if !spawned {
            let e = CliError::general("jq: could not start the evaluation thread");
            return (Vec::new(), Some(e));
        }
        let started = Instant::now();
        let baseline = resident_bytes();
        let mut state = shared.lock();
        let end = loop {
            if let Some(end) = state.end.take() {
                break end;
            }
            if started.elapsed() > TIME_BUDGET {
                break End::TooSlow;
            }
            let grown = baseline
                .zip(resident_bytes())
                .map_or(0, |(base, now)| now.saturating_sub(base));
            if grown > budget {
                break End::TooBig(budget);
            }
            state = shared
                .ended
                .wait_timeout(state, POLL)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        };
        // A worker still running stops at its next check; nothing waits for it.
        shared.abandoned.store(true, Ordering::Relaxed);
        let out = std::mem::take(&mut state.out);
        drop(state);
        let err = match end {
            End::Done => None,
            End::Failed(e) => Some(runtime_error(e, input)),
            End::BadInput(e) => Some(CliError::general(format!(
                "jq: cannot read the JSON output: {e}"
            ))),
            End::TooDeep(mib) => Some(limit(format!(
                "recursion too deep (more than {mib} MiB of stack); a recursive definition probably never stops"
            ))),
            End::TooManyOutputs => Some(limit(format!(
                "the expression produced more than {MAX_OUTPUTS} outputs; stopped"
            ))),
            End::TooMuchOutput => Some(limit(format!(
                "the expression produced more than {} MiB of output; stopped",
                MAX_OUTPUT_BYTES >> 20
            ))),
            End::TooSlow => Some(limit(format!(
                "the expression took longer than {} s; stopped",
                TIME_BUDGET.as_secs()
            ))),
            End::TooBig(budget) => Some(limit(format!(
                "the expression needed more than {} MiB of memory; stopped",
                budget >> 20
            ))),
        };
        (out, err)
    }
}

/// A bound was hit: a jq error like any other (exit 21).
fn limit(msg: String) -> CliError {
    CliError::validation(format!("jq error: {msg}"))
}

/// How an evaluation ended.
enum End {
    /// All outputs were produced.
    Done,
    /// jq raised an error (the message as jq formats it).
    Failed(String),
    /// The input was not readable as JSON.
    BadInput(String),
    /// The depth check stopped the evaluation at this many MiB of stack.
    TooDeep(usize),
    TooManyOutputs,
    TooMuchOutput,
    TooSlow,
    /// The process grew by more than this many bytes.
    TooBig(u64),
}

/// What the worker and the calling thread share.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Signalled when `state.end` is set.
    ended: Condvar,
    /// Set when the calling thread has given up; the worker parks at its next check.
    abandoned: AtomicBool,
}

#[derive(Default)]
struct State {
    /// Rendered outputs so far, one per line.
    out: Vec<u8>,
    outputs: usize,
    end: Option<End>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
    /// Records how the evaluation ended (the first ending wins) and wakes the caller.
    fn finish(&self, end: End) {
        let mut s = self.lock();
        if s.end.is_none() && !self.abandoned.load(Ordering::Relaxed) {
            s.end = Some(end);
        }
        drop(s);
        self.ended.notify_all();
    }
}

/// The worker: compiles the expression for a guarded context, runs it and appends the
/// outputs to the shared buffer, within the output caps.
fn evaluate(expr: &str, input: &[u8], depth_stack: usize, shared: &Shared) {
    let filter = match compile::<Guarded>(expr) {
        Ok(f) => f,
        Err(e) => return shared.finish(End::Failed(e.message)),
    };
    let val = match jaq_json::read::parse_single(input) {
        Ok(v) => v,
        Err(e) => return shared.finish(End::BadInput(e.to_string())),
    };
    let guard = Guard {
        stack_floor: stack_position().saturating_sub(depth_stack),
        depth_mib: depth_stack >> 20,
        shared,
    };
    let data = GuardedData {
        lut: &filter.lut,
        guard: &guard,
    };
    let ctx = Ctx::<Guarded>::new(data, Vars::new([]));
    let mut results = filter.id.run((ctx, val)).map(unwrap_valr);
    let mut line = Vec::new();
    let end = loop {
        let Some(result) = results.next() else {
            break End::Done;
        };
        match result {
            Ok(v) => {
                line.clear();
                render_val(&v, &mut line);
                line.push(b'\n');
                let mut s = shared.lock();
                if shared.abandoned.load(Ordering::Relaxed) {
                    drop(s);
                    park_forever();
                }
                if s.outputs == MAX_OUTPUTS {
                    break End::TooManyOutputs;
                }
                if s.out.len() + line.len() > MAX_OUTPUT_BYTES {
                    break End::TooMuchOutput;
                }
                s.outputs += 1;
                s.out.extend_from_slice(&line);
            }
            Err(e) => {
                // `error("boom")` should read `jq error: boom`, not a quoted JSON string.
                let msg = match e.into_val() {
                    Val::TStr(s) => String::from_utf8_lossy(&s).into_owned(),
                    other => other.to_string(),
                };
                break End::Failed(msg);
            }
        }
    };
    // What the evaluation still holds (possibly a value nested millions deep) is leaked, not
    // dropped: dropping recurses once per level, and once the caller has been told the
    // evaluation ended nothing watches this thread's memory any more.
    std::mem::forget(results);
    shared.finish(end);
}

/// The interpreter's data for a guarded run: the lookup table plus the depth check, which
/// runs whenever the interpreter copies its context.
struct Guarded;

impl DataT for Guarded {
    type V<'a> = Val;
    type Data<'a> = GuardedData<'a>;
}

struct GuardedData<'a> {
    lut: &'a jaq_core::Lut<Guarded>,
    guard: &'a Guard<'a>,
}

impl Clone for GuardedData<'_> {
    fn clone(&self) -> Self {
        self.guard.check();
        GuardedData {
            lut: self.lut,
            guard: self.guard,
        }
    }
}

impl<'a> data::HasLut<'a, Guarded> for GuardedData<'a> {
    fn lut(&self) -> &'a jaq_core::Lut<Guarded> {
        self.lut
    }
}

/// The worker's depth check.
struct Guard<'s> {
    /// Lowest stack address the evaluation may reach (stacks grow down).
    stack_floor: usize,
    depth_mib: usize,
    shared: &'s Shared,
}

impl Guard<'_> {
    #[inline]
    fn check(&self) {
        if stack_position() < self.stack_floor {
            self.shared.finish(End::TooDeep(self.depth_mib));
            park_forever();
        }
        if self.shared.abandoned.load(Ordering::Relaxed) {
            park_forever();
        }
    }
}

/// Stops this worker for good. There is no way to unwind out of the interpreter (release
/// builds abort on panic), and the calling thread exits the process once it has printed the
/// error, so the worker just never runs again.
#[cold]
fn park_forever() -> ! {
    loop {
        std::thread::park();
    }
}

/// An address in the current stack frame: how deep the stack is right now.
#[inline(always)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// Resident memory of this process in bytes, where the platform says (Linux: current;
/// other Unixes: peak, which is as good for "grew by more than").
fn resident_bytes() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
        let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        Some(pages * u64::try_from(page).ok()?)
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        // SAFETY: getrusage only writes into the struct we pass.
        let ru = unsafe {
            let mut ru: libc::rusage = std::mem::zeroed();
            if libc::getrusage(libc::RUSAGE_SELF, &mut ru) != 0 {
                return None;
            }
            ru
        };
        // macOS reports bytes, the BSDs kilobytes.
        let unit = if cfg!(target_os = "macos") { 1 } else { 1024 };
        Some(ru.ru_maxrss as u64 * unit)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Compiles `expr` with jq's standard library for the data type `D`.
fn compile<D>(expr: &str) -> CliResult<jaq_core::Filter<D>>
where
    for<'a> D: DataT<V<'a> = Val>,
{
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
    Compiler::default()
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
        })
}

/// A jq runtime error for people: what jq says, with long values cut, and a pointer to
/// `.data[]` when the expression treated a `{data: [...]}` envelope as the list itself.
fn runtime_error(msg: String, input: &Value) -> CliError {
    let mut err = CliError::validation(format!("jq error: {}", cut_values(&msg)));
    if let Some(hint) = envelope_hint(&msg, input) {
        err = err.with_hint(hint);
    }
    err
}

/// Values in an error message longer than this many characters are cut with `…`.
const MAX_VALUE_CHARS: usize = 100;
/// No error message is longer than this many characters.
const MAX_MESSAGE_CHARS: usize = 1000;

/// Cuts every JSON value (object, array or string) in `msg` that is longer than
/// [`MAX_VALUE_CHARS`] characters, keeping its start, and the whole message at
/// [`MAX_MESSAGE_CHARS`]. jq quotes the offending value in full, which for a list response is
/// kilobytes on one line.
fn cut_values(msg: &str) -> String {
    let b = msg.as_bytes();
    let mut out = String::with_capacity(msg.len().min(MAX_MESSAGE_CHARS * 4));
    let mut i = 0;
    while i < b.len() {
        let end = match b[i] {
            b'{' | b'[' | b'"' => json_value_end(b, i),
            _ => {
                let next = i + msg[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&msg[i..next]);
                i = next;
                continue;
            }
        };
        let value = &msg[i..end];
        match value.char_indices().nth(MAX_VALUE_CHARS) {
            Some((cut, _)) => {
                out.push_str(&value[..cut]);
                out.push('…');
            }
            None => out.push_str(value),
        }
        i = end;
        if out.len() > MAX_MESSAGE_CHARS * 4 {
            break;
        }
    }
    match out.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &out[..cut]),
        None => out,
    }
}

/// End (exclusive) of the JSON value starting at `start`: the matching bracket or closing
/// quote, skipping strings and escapes; the end of the text when it never closes.
fn json_value_end(b: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut in_str = false;
    let mut i = start;
    while i < b.len() {
        let c = b[i];
        if in_str {
            match c {
                b'\\' => i += 1,
                b'"' => {
                    in_str = false;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
        } else {
            match c {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    b.len()
}

/// The `.data[]` pointer: the input is a list envelope (`{"data": [...], ...}`) and jq failed
/// indexing or iterating something, which is what happens when `.[]` or `.[0]` is applied to
/// the envelope as if it were the list.
fn envelope_hint(msg: &str, input: &Value) -> Option<String> {
    let is_envelope = input.get("data").is_some_and(Value::is_array);
    let indexing = msg.starts_with("cannot index ") || msg.starts_with("cannot iterate");
    if !is_envelope || !indexing {
        return None;
    }
    // `… with "title"` names the field the expression wanted from each item.
    let field = msg
        .rsplit_once(" with \"")
        .and_then(|(_, k)| k.strip_suffix('"'))
        .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    let example = match field {
        Some(f) => format!("'.data[].{f}'"),
        None => "'.data[] | …'".to_string(),
    };
    Some(format!(
        "The output is an object with the items under \"data\" (plus paging fields); go through them with '.data[]', e.g. {example}."
    ))
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
    fn long_values_in_errors_are_cut_and_short_ones_kept() {
        let long = format!(
            "[{}]",
            (0..200)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        let msg = format!("cannot index {long} with \"title\"");
        let cut = cut_values(&msg);
        assert!(cut.starts_with("cannot index [0,1,2,3,"), "{cut}");
        assert!(cut.contains("… with \"title\""), "{cut}");
        assert_eq!(
            cut.chars().count(),
            "cannot index ".len() + 101 + " with \"title\"".len()
        );
        // Strings with brackets and escaped quotes inside are one value.
        let msg = r#"cannot use "a]\"b{" as number"#;
        assert_eq!(cut_values(msg), msg);
        // An unterminated value runs to the end and is cut like any other.
        let msg = format!("boom {{{}", "x".repeat(500));
        assert_eq!(cut_values(&msg).chars().count(), 5 + 101);
        // Multi-byte text is cut on a character boundary.
        let msg = format!("\"{}\"", "é".repeat(300));
        assert_eq!(cut_values(&msg).chars().count(), 101);
    }

    #[test]
    fn envelope_errors_point_at_data() {
        let env = serde_json::json!({"data": [{"a": 1}], "hasMore": false});
        let hint = envelope_hint(r#"cannot index [{"a":1}] with "shortId""#, &env).unwrap();
        assert!(
            hint.contains("'.data[]'") && hint.contains("'.data[].shortId'"),
            "{hint}"
        );
        let hint = envelope_hint("cannot index {\"data\":[]} with 0", &env).unwrap();
        assert!(hint.contains("'.data[] | …'"), "{hint}");
        assert_eq!(envelope_hint("cannot parse \"x\" as number", &env), None);
        assert_eq!(
            envelope_hint("cannot index [1] with \"a\"", &serde_json::json!([1])),
            None
        );
    }

    #[test]
    fn runaway_expressions_stop_with_a_jq_error() {
        let (out, err) = JqFilter::compile("def f: [f]; f")
            .unwrap()
            .render(&json!(null));
        assert!(out.is_empty());
        let err = err.unwrap();
        assert_eq!(err.exit_code, 21);
        assert!(
            err.message.starts_with("jq error: recursion too deep"),
            "{}",
            err.message
        );

        let (out, err) = JqFilter::compile("repeat(1)").unwrap().render(&json!(null));
        let err = err.unwrap();
        assert_eq!(err.exit_code, 21);
        assert!(out.len() <= 2 * MAX_OUTPUTS);
        assert!(
            err.message.starts_with("jq error: the expression "),
            "{}",
            err.message
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
