//! `sentry config list`: every effective setting, its value and where it came from — the
//! answer to "why is it talking to that server / using that org?".

use std::io;

use clap::Args;
use serde_json::{json, Value};

use crate::context::Context;
use crate::error::CliResult;
use crate::output::{emit, Human, Report};

#[derive(Debug, Args)]
pub struct ListArgs {}

pub struct Entries(pub Vec<(String, String, String)>);

impl Report for Entries {
    fn json(&self) -> Value {
        Value::Array(
            self.0
                .iter()
                .map(|(k, v, o)| json!({ "key": k, "value": v, "origin": o }))
                .collect(),
        )
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        let rows = self
            .0
            .iter()
            .map(|(k, v, o)| vec![k.clone(), v.clone(), o.clone()])
            .collect();
        out.table(Some(&["KEY", "VALUE", "ORIGIN"]), rows)
    }
}

pub fn entries(ctx: &Context) -> CliResult<Entries> {
    let settings = ctx.settings()?;
    let mut rows: Vec<(String, String, String)> = settings
        .entries()
        .into_iter()
        .map(|e| (e.key, e.value, e.origin.to_string()))
        .collect();
    // The token actually used, including a stored login that settings alone can't see.
    if let Some(t) = ctx.active_token()? {
        rows.retain(|(k, _, _)| k != "auth.token");
        rows.push((
            "auth.token".into(),
            sentry_wire::mask_token(&t.value),
            t.origin.clone(),
        ));
    }
    Ok(Entries(rows))
}

pub fn run(ctx: &Context, _args: &ListArgs) -> CliResult<i32> {
    let e = entries(ctx)?;
    emit(&e, &ctx.output)?;
    Ok(0)
}
