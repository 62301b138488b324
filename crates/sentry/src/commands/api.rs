//! `sentry api <endpoint>`: a raw authenticated request, shaped like `gh api` so scripts and
//! agents can reach any endpoint the typed commands don't cover, with the same auth, host
//! scoping, retries and proxy settings as every other command.

mod fields;

use std::io::{self, Read, Write};

use clap::Args;
use sentry_wire::API_PREFIX;
use serde_json::{json, Map, Value};

use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, json_bytes, write_stdout, Human, OutputOptions, Report};

use fields::{build_body, parse_field, query_pairs, Field};

/// Upper bound on `--paginate` requests, so a server that never stops handing out cursors
/// cannot keep the CLI looping forever.
const MAX_PAGES: usize = 10_000;

#[derive(Debug, Args)]
#[command(after_help = "\
Fields: -F/--field values are JSON when they parse (5, true, null, [1,2]), else strings; \
@file reads a file and @- standard input. -f/--raw-field values are always strings. \
Keys nest like gh: a[b]=c, a[]=1 appends, a[] alone is an empty array. GET sends fields \
as query parameters, other methods as a JSON body.

Placeholders {org} and {project} in the endpoint and in -F values are replaced by the \
resolved organization and project (--org/--project, SENTRY_ORG/SENTRY_PROJECT, \
.sentryclirc, cli defaults).

--header (global) adds a header to every request; -H does the same for this request only. \
--verbose shows the request and response headers on stderr with the token masked.

A non-2xx response still prints its body (or, when it has none, `HTTP <status> — <method> \
<path>`), then exits 60. --json prints {status, statusText, body} (plus pagination cursors \
when more pages exist) with --fields applied inside body.")]
pub struct ApiArgs {
    /// API path relative to /api/0/ (e.g. organizations/{org}/projects/); a leading /api/0/ is accepted
    pub endpoint: String,
    /// HTTP method: GET, POST, PUT, PATCH or DELETE
    #[arg(short = 'X', long, default_value = "GET", value_parser = parse_method)]
    pub method: String,
    /// Typed field `key=value` (JSON when it parses; @file reads a file, @- stdin); repeatable
    #[arg(short = 'F', long = "field", value_name = "KEY=VALUE")]
    pub typed_fields: Vec<String>,
    /// String field `key=value`, sent as is; repeatable
    #[arg(short = 'f', long = "raw-field", value_name = "KEY=VALUE")]
    pub raw_fields: Vec<String>,
    /// Request header `Name: Value` for this request; repeatable
    #[arg(short = 'H', value_name = "NAME: VALUE")]
    pub request_headers: Vec<String>,
    /// Request body from a file, or `-` for standard input (fields then go to the query string)
    #[arg(long, value_name = "FILE")]
    pub input: Option<String>,
    /// Request body as inline JSON (fields then go to the query string)
    #[arg(short = 'd', long, value_name = "JSON")]
    pub data: Option<String>,
    /// Print the HTTP status line and response headers before the body
    #[arg(short = 'i', long)]
    pub include: bool,
    /// Follow `Link` cursors and print every page (GET only)
    #[arg(long)]
    pub paginate: bool,
    /// With --paginate: join all pages into one JSON array
    #[arg(long, requires = "paginate")]
    pub slurp: bool,
    /// Do not print the response body
    #[arg(long)]
    pub silent: bool,
    /// Print the request that would be sent as JSON and send nothing
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
}

fn parse_method(raw: &str) -> Result<String, String> {
    let m = raw.trim().to_ascii_uppercase();
    match m.as_str() {
        "GET" | "POST" | "PUT" | "PATCH" | "DELETE" => Ok(m),
        _ => Err(format!(
            "Invalid method: {raw}. Must be one of: GET, POST, PUT, DELETE, PATCH"
        )),
    }
}

/// The request as it will be sent (also what `--dry-run` prints).
#[derive(Debug)]
struct Plan {
    method: String,
    /// Path with `{org}`/`{project}` filled, trailing slash added, no query.
    path: String,
    /// The query string typed in the endpoint (`?a=1`), as typed; shown in the status line
    /// of an empty error response.
    inline_query: Option<String>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<Body>,
}

#[derive(Debug)]
enum Body {
    Json(Value),
    /// `--input` content that is not JSON, sent verbatim.
    Raw(Vec<u8>),
}

impl Body {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Body::Json(v) => serde_json::to_vec(v).unwrap_or_default(),
            Body::Raw(b) => b.clone(),
        }
    }
    fn default_content_type(&self) -> &'static str {
        match self {
            Body::Json(_) => "application/json",
            Body::Raw(_) => "application/octet-stream",
        }
    }
}

/// Reads `--input -` / `@-` once: standard input cannot be read twice.
struct Stdin {
    used: bool,
}

impl Stdin {
    fn read(&mut self, what: &str) -> CliResult<Vec<u8>> {
        if self.used {
            return Err(CliError::validation(format!(
                "Standard input can only be read once ({what})."
            )));
        }
        self.used = true;
        let mut buf = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| CliError::general(format!("Cannot read standard input: {e}")))?;
        Ok(buf)
    }
}

/// Flag combinations that cannot make one request. Checked before anything else happens, so
/// a refused command never sends a request and never reads standard input (exit 21).
fn check_body_flags(args: &ApiArgs) -> CliResult<()> {
    if args.data.is_some() && args.input.is_some() {
        return Err(CliError::validation(
            "Cannot use --data and --input together. Use --data/-d for inline JSON, or --input for file/stdin.",
        ));
    }
    if args.data.is_some() && !(args.typed_fields.is_empty() && args.raw_fields.is_empty()) {
        return Err(CliError::validation(
            "Cannot use --data with --field or --raw-field. Use --data/-d for a full JSON body, or -F/-f for individual fields.",
        ));
    }
    Ok(())
}

pub fn run(ctx: &Context, args: &ApiArgs) -> CliResult<i32> {
    check_body_flags(args)?;
    if args.paginate && args.method != "GET" {
        return Err(CliError::validation(
            "--paginate works only with GET requests.",
        ));
    }
    let plan = build_plan(ctx, args)?;
    let token = ctx.active_token()?;
    let client = ctx.client()?;

    if args.dry_run {
        let report = DryRun {
            value: dry_run_value(&plan, &client, token.as_ref().map(|t| t.value.as_str())),
        };
        let mut opts = ctx.output.clone();
        opts.json = true;
        emit(&report, &opts)?;
        return Ok(0);
    }

    if token.is_none() {
        return Err(crate::auth::refresh::not_authenticated());
    }
    let verbose = ctx.global.verbose;
    let masked_token = token.as_ref().map(|t| sentry_wire::mask_token(&t.value));
    // A cursor the user passed starts the walk; the pager adds the ones that follow.
    let start = plan
        .query
        .iter()
        .rev()
        .find(|(k, _)| k == "cursor")
        .map(|(_, v)| v.clone());
    let base_query: Vec<(String, String)> = plan
        .query
        .iter()
        .filter(|(k, _)| k != "cursor")
        .cloned()
        .collect();
    let mut pages: Vec<Value> = Vec::new();
    let mut last_status: Option<(u16, String)> = None;
    let template = {
        let mut req = client
            .request(&plan.method, &plan.path)
            .query_pairs(&base_query);
        let user_content_type = plan
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.clone());
        if let Some(body) = &plan.body {
            let ct = user_content_type
                .clone()
                .unwrap_or_else(|| body.default_content_type().to_string());
            req = req.body(body.bytes(), &ct);
        }
        for (n, v) in &plan.headers {
            if plan.body.is_some() && n.eq_ignore_ascii_case("content-type") {
                continue;
            }
            req = req.header(n.clone(), v.clone());
        }
        req
    };
    let mut walk = template.pages(sentry_api::Paging {
        limit: usize::MAX,
        max_pages: if args.paginate { MAX_PAGES } else { 1 },
        size_param: None,
        shrink: false,
        cursor: start,
        accept_errors: true,
    });
    while walk.has_next() {
        if verbose {
            let mut query = base_query.clone();
            if let Some(c) = walk.cursor() {
                query.push(("cursor".to_string(), c.to_string()));
            }
            print_verbose_request(&plan, &query, masked_token.as_deref(), &client);
        }
        let Some(resp) = walk.next_response() else {
            break;
        };
        let resp = resp.map_err(crate::context::api_error)?;
        if verbose {
            print_verbose_response(&resp);
        }
        let ok = resp.is_success();
        if args.include && !args.silent {
            write_stdout(&status_and_headers(&resp))?;
        }
        let parsed: Option<Value> = if resp.body().iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            serde_json::from_slice(resp.body()).ok()
        };
        if !ok {
            if !args.silent {
                if ctx.output.json {
                    print_wrapped(&resp, parsed.clone(), None, &ctx.output)?;
                } else if let Some(v) = &parsed {
                    write_stdout(&json_bytes(v))?;
                } else if resp.body().iter().all(u8::is_ascii_whitespace) {
                    // Nothing to show but the status: say which request got it, on stdout where
                    // the body would have been.
                    write_stdout(
                        format!(
                            "HTTP {} {} — {} {}{}\n",
                            resp.status(),
                            resp.status_text(),
                            plan.method,
                            display_path(&plan.path),
                            plan.inline_query
                                .as_deref()
                                .map(|q| format!("?{q}"))
                                .unwrap_or_default()
                        )
                        .as_bytes(),
                    )?;
                } else {
                    write_body_raw(resp.body())?;
                }
            }
            // The response is on stdout; like upstream, stderr stays quiet (exit 60 says it).
            let mut err = CliError::already_reported(
                exit::OUTPUT,
                format!(
                    "API request failed: {} {}",
                    resp.status(),
                    resp.status_text()
                ),
            )
            .with_detail(format!("Endpoint: {}", display_path(&plan.path)));
            if let Some(detail) = parsed
                .as_ref()
                .and_then(|v| v.get("detail"))
                .and_then(Value::as_str)
            {
                err = err.with_detail(detail.to_string());
            }
            return Err(err);
        }
        if args.slurp {
            last_status = Some((resp.status(), resp.status_text().to_string()));
            match parsed {
                Some(Value::Array(items)) => pages.extend(items),
                Some(other) => pages.push(other),
                None if resp.body().is_empty() => {}
                None => pages.push(Value::String(resp.text())),
            }
        } else if !args.silent {
            if ctx.output.json {
                // --paginate follows the cursors itself, so they are not reported.
                let links = (!args.paginate).then(|| resp.link());
                print_wrapped(&resp, parsed, links, &ctx.output)?;
            } else {
                match parsed {
                    Some(v) => print_json(&v, &ctx.output)?,
                    None => write_body_raw(resp.body())?,
                }
            }
        }
        if !args.paginate {
            break;
        }
    }
    if args.paginate && walk.cap_hit() {
        crate::diag!("Warning: stopped after {MAX_PAGES} pages.");
    }
    if args.slurp && !args.silent {
        match (&last_status, ctx.output.json) {
            (Some((status, text)), true) => print_wrapper(
                wrapper(*status, text, Value::Array(pages), None, &ctx.output),
                &ctx.output,
            )?,
            _ => print_json(&Value::Array(pages), &ctx.output)?,
        }
    }
    Ok(0)
}

/// The `--json` shape of a response: `{status, statusText, body, pagination?}`. `--fields`
/// applies inside `body`; a body that is not JSON is a string (empty when there is none).
/// `pagination` appears only when the `Link` header offers another page.
fn wrapper(
    status: u16,
    status_text: &str,
    body: Value,
    links: Option<sentry_api::Links>,
    output: &OutputOptions,
) -> Value {
    let body = match &output.fields {
        Some(fields) if body.is_object() || body.is_array() => {
            crate::output::select_fields(&body, fields)
        }
        _ => body,
    };
    let mut m = Map::new();
    m.insert("status".into(), json!(status));
    m.insert("statusText".into(), json!(status_text));
    m.insert("body".into(), body);
    if let Some(links) = links.filter(|l| l.next.is_some() || l.prev.is_some()) {
        let mut p = Map::new();
        if let Some(n) = links.next {
            p.insert("nextCursor".into(), Value::String(n));
        }
        if let Some(c) = links.prev {
            p.insert("prevCursor".into(), Value::String(c));
        }
        // `api` keeps no cursor history (there is no `--cursor prev` to go back with).
        p.insert("hasPrev".into(), Value::Bool(false));
        m.insert("pagination".into(), Value::Object(p));
    }
    Value::Object(m)
}

fn print_wrapped(
    resp: &sentry_api::ApiResponse,
    parsed: Option<Value>,
    links: Option<sentry_api::Links>,
    output: &OutputOptions,
) -> CliResult<()> {
    let body =
        parsed.unwrap_or_else(|| Value::String(String::from_utf8_lossy(resp.body()).into_owned()));
    print_wrapper(
        wrapper(resp.status(), resp.status_text(), body, links, output),
        output,
    )
}

/// The wrapper through the renderer: `--jq` sees it whole, `--fields` was already applied.
fn print_wrapper(value: Value, output: &OutputOptions) -> CliResult<()> {
    let mut opts = output.clone();
    opts.json = true;
    opts.fields = None;
    emit(&DryRun { value }, &opts)
}

/// A JSON body through the shared renderer, so `--fields` and `--jq` apply.
fn print_json(value: &Value, output: &OutputOptions) -> CliResult<()> {
    let mut opts = output.clone();
    opts.json = true;
    emit(
        &DryRun {
            value: value.clone(),
        },
        &opts,
    )
}

fn write_body_raw(body: &[u8]) -> CliResult<()> {
    if body.is_empty() {
        return Ok(());
    }
    write_stdout(body)?;
    if !body.ends_with(b"\n") && std::str::from_utf8(body).is_ok() {
        write_stdout(b"\n")?;
    }
    Ok(())
}

fn build_plan(ctx: &Context, args: &ApiArgs) -> CliResult<Plan> {
    let (raw_path, inline_query) = match args.endpoint.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (args.endpoint.as_str(), None),
    };
    validate_endpoint(&args.endpoint)?;
    let filled = fill_placeholders(ctx, raw_path)?;
    let stripped = filled.trim_start_matches('/');
    let prefix = format!("{}/", API_PREFIX.trim_start_matches('/'));
    let stripped = match stripped.strip_prefix(&prefix) {
        Some(rest) => {
            log::debug!(
                "Stripped the leading {API_PREFIX}/ from the endpoint; it is added automatically."
            );
            rest
        }
        None => stripped,
    };
    let mut path = stripped.to_string();
    if !path.is_empty() && !path.ends_with('/') && !is_absolute(&path) {
        path.push('/');
    }

    let mut query: Vec<(String, String)> = inline_query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();

    let mut stdin = Stdin { used: false };
    // The body file is read before any field file, so a missing one is what gets reported.
    let input_bytes = match &args.input {
        Some(input) if input == "-" => Some(stdin.read("--input -")?),
        Some(input) => Some(std::fs::read(ctx.cwd.join(input)).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                CliError::validation(format!("File not found: {input}"))
            } else {
                CliError::validation(format!("Cannot read --input {input}: {e}"))
            }
        })?),
        None => None,
    };
    let cwd = ctx.cwd.clone();
    let mut typed: Vec<Field> = Vec::new();
    for raw in &args.typed_fields {
        let mut read = |p: &str| -> CliResult<String> {
            let bytes = if p == "-" {
                stdin.read("@- in --field")?
            } else {
                std::fs::read(cwd.join(p))
                    .map_err(|e| CliError::validation(format!("Cannot read field file {p}: {e}")))?
            };
            String::from_utf8(bytes)
                .map_err(|_| CliError::validation(format!("Field file {p} is not UTF-8 text.")))
        };
        let mut f = parse_field(raw, true, &mut read)?;
        if let Some(Value::String(s)) = &f.value {
            if !raw.contains("=@") {
                f.value = Some(Value::String(fill_placeholders(ctx, s)?));
            }
        }
        typed.push(f);
    }
    let mut raw_fields = Vec::new();
    for raw in &args.raw_fields {
        raw_fields.push(parse_field(raw, false, &mut |_| {
            Err(CliError::general("raw fields never read files"))
        })?);
    }
    let all_fields: Vec<Field> = typed.into_iter().chain(raw_fields).collect();

    let mut body = None;
    if let Some(data) = &args.data {
        let v: Value = serde_json::from_str(data)
            .map_err(|e| CliError::validation(format!("Invalid JSON in --data: {e}")))?;
        if args.method == "GET" {
            // A GET has no body: an object's members become query parameters (upstream does
            // the same), anything else cannot be expressed.
            let Value::Object(map) = v else {
                return Err(CliError::validation(
                    "Cannot use --data with a JSON array or primitive for GET requests; use --method POST to send it as a body.",
                ));
            };
            for (k, v) in map {
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                query.push((k, text));
            }
        } else {
            body = Some(Body::Json(v));
        }
    } else if let Some(bytes) = input_bytes {
        body = Some(match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) => Body::Json(v),
            Err(_) => Body::Raw(bytes),
        });
    }

    if !all_fields.is_empty() {
        if args.method == "GET" || body.is_some() {
            query.extend(query_pairs(&all_fields)?);
        } else {
            body = Some(Body::Json(Value::Object(build_body(&all_fields)?)));
        }
    }

    let mut headers = Vec::new();
    for h in &args.request_headers {
        let Some((name, value)) = h.split_once(':') else {
            return Err(CliError::validation(format!(
                "Invalid header format: {h}. Expected Name: Value"
            )));
        };
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(CliError::validation(format!("Invalid header name in: {h}")));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }

    Ok(Plan {
        method: args.method.clone(),
        path,
        inline_query: inline_query.map(str::to_string),
        query,
        headers,
        body,
    })
}

fn is_absolute(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Refuses endpoints that would escape `/api/0/` or smuggle control characters into the
/// request line.
fn validate_endpoint(endpoint: &str) -> CliResult<()> {
    if endpoint.trim().is_empty() {
        return Err(CliError::validation("The endpoint cannot be empty."));
    }
    if endpoint.chars().any(char::is_control) {
        return Err(CliError::validation(
            "The endpoint contains control characters.",
        ));
    }
    let path = endpoint.split('?').next().unwrap_or("");
    if path.split('/').any(|seg| seg == ".." || seg == ".") {
        return Err(CliError::validation(format!(
            "Invalid endpoint: {endpoint}. Path segments '.' and '..' are not allowed."
        )));
    }
    Ok(())
}

/// Replaces `{org}` and `{project}` with the resolved settings; a placeholder without a
/// value is a missing-context error (exit 22) that names it.
fn fill_placeholders(ctx: &Context, text: &str) -> CliResult<String> {
    if !text.contains("{org}") && !text.contains("{project}") {
        return Ok(text.to_string());
    }
    let settings = ctx.settings()?;
    let mut out = text.to_string();
    for (placeholder, what, value, how) in [
        (
            "{org}",
            "organization",
            settings.org.as_ref().map(|s| s.value.clone()),
            "Pass --org <slug>, set SENTRY_ORG, or run `sentry cli defaults org <slug>`.",
        ),
        (
            "{project}",
            "project",
            settings.project.as_ref().map(|s| s.value.clone()),
            "Pass --project <slug>, set SENTRY_PROJECT, or run `sentry cli defaults project <slug>`.",
        ),
    ] {
        if !out.contains(placeholder) {
            continue;
        }
        let Some(v) = value else {
            return Err(CliError::new(
                exit::CONTEXT,
                format!("The endpoint uses {placeholder} but no {what} is set."),
            )
            .with_hint(how));
        };
        out = out.replace(placeholder, &sentry_api::encode_segment(&v));
    }
    Ok(out)
}

fn display_path(path: &str) -> String {
    if is_absolute(path) {
        path.to_string()
    } else {
        format!("{API_PREFIX}/{path}")
    }
}

fn path_with_query(plan: &Plan, query: &[(String, String)]) -> String {
    let mut p = display_path(&plan.path);
    if !query.is_empty() {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in query {
            ser.append_pair(k, v);
        }
        p.push('?');
        p.push_str(&ser.finish());
    }
    p
}

/// Headers we add on top of the client's own, as they will go out (token masked).
fn visible_headers(
    plan: &Plan,
    masked_token: Option<&str>,
    user_agent: &str,
) -> Vec<(String, String)> {
    let mut out = vec![("User-Agent".to_string(), user_agent.to_string())];
    if let Some(t) = masked_token {
        out.push(("Authorization".to_string(), format!("Bearer {t}")));
    }
    if let Some(body) = &plan.body {
        if !plan
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            out.push((
                "Content-Type".to_string(),
                body.default_content_type().to_string(),
            ));
        }
    }
    out.extend(plan.headers.iter().cloned());
    out
}

fn print_verbose_request(
    plan: &Plan,
    query: &[(String, String)],
    masked_token: Option<&str>,
    client: &sentry_api::Client,
) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "> {} {}", plan.method, path_with_query(plan, query));
    for (n, v) in visible_headers(plan, masked_token, client.user_agent()) {
        let line = crate::logging::redact(&format!("{n}: {v}"));
        let line = if n.eq_ignore_ascii_case("authorization") {
            format!("{n}: {v}")
        } else {
            line
        };
        let _ = writeln!(err, "> {line}");
    }
    let _ = writeln!(err, ">");
}

fn print_verbose_response(resp: &sentry_api::ApiResponse) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "< HTTP {} {}", resp.status(), resp.status_text());
    for (n, v) in resp.headers() {
        let _ = writeln!(
            err,
            "< {}: {}",
            canonical_header(n),
            crate::logging::redact(v)
        );
    }
    let _ = writeln!(err, "<");
}

/// `content-type` → `Content-Type` (ureq hands names back lower-cased).
fn canonical_header(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn status_and_headers(resp: &sentry_api::ApiResponse) -> Vec<u8> {
    let mut s = format!("HTTP/1.1 {} {}\n", resp.status(), resp.status_text());
    for (n, v) in resp.headers() {
        s.push_str(&format!("{}: {}\n", canonical_header(n), v));
    }
    s.push('\n');
    s.into_bytes()
}

fn dry_run_value(plan: &Plan, client: &sentry_api::Client, token: Option<&str>) -> Value {
    let masked = token.map(sentry_wire::mask_token);
    let url = {
        let base = sentry_api::api_url(client.base_url(), &plan.path);
        if plan.query.is_empty() {
            base
        } else {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &plan.query {
                ser.append_pair(k, v);
            }
            format!("{base}?{}", ser.finish())
        }
    };
    let mut headers = Map::new();
    for (n, v) in visible_headers(plan, masked.as_deref(), client.user_agent()) {
        headers.insert(n, Value::String(v));
    }
    let body = match &plan.body {
        None => Value::Null,
        Some(Body::Json(v)) => v.clone(),
        Some(Body::Raw(b)) => Value::String(String::from_utf8_lossy(b).into_owned()),
    };
    json!({ "method": plan.method, "url": url, "headers": headers, "body": body })
}

/// A JSON value printed through the renderer (dry-run plans and response bodies).
struct DryRun {
    value: Value,
}

impl Report for DryRun {
    fn json(&self) -> Value {
        self.value.clone()
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        out.line(String::from_utf8_lossy(&json_bytes(&self.value)).trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_case_insensitive_and_limited() {
        assert_eq!(parse_method("post").unwrap(), "POST");
        assert_eq!(
            parse_method("TRACE").unwrap_err(),
            "Invalid method: TRACE. Must be one of: GET, POST, PUT, DELETE, PATCH"
        );
    }

    #[test]
    fn endpoints_cannot_escape_the_api_root() {
        assert!(validate_endpoint("organizations/../../admin/").is_err());
        assert!(validate_endpoint("a/./b").is_err());
        assert!(validate_endpoint("a\nb").is_err());
        assert!(validate_endpoint("organizations/?q=a..b").is_ok());
    }

    #[test]
    fn header_names_are_canonicalised() {
        assert_eq!(canonical_header("content-type"), "Content-Type");
        assert_eq!(
            canonical_header("x-sentry-rate-limit"),
            "X-Sentry-Rate-Limit"
        );
        assert_eq!(canonical_header("link"), "Link");
    }
}
