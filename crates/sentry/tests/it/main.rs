//! The integration tests of the `sentry` binary, as one test binary (one link of the local
//! server, tokio, axum and SQLite instead of one per file). Each module is one former
//! `tests/*.rs` file; `common` (TestEnv: sandbox + local server + the binary), `auth_support`
//! and `cmds_support` are the helpers they share. insta snapshots are in `snapshots/`, named
//! `it__<module>__<name>.snap`. `tests/jq_limits.rs` stays a binary of its own: see Cargo.toml.

mod accounts;
mod api_cmd;
mod api_shapes;
mod attribute;
mod auth_bootstrap;
mod auth_device;
mod auth_guard;
mod auth_qr;
mod auth_refresh;
mod auth_status_shape;
mod auth_support;
mod auth_token;
mod bounded_time;
mod cmds_support;
mod common;
mod completion;
mod config_cmd;
mod defaults_cmd;
mod demo;
mod dsn_cmd;
mod errors_cmd;
mod event_send;
mod explore;
mod feedback;
mod info_cmd;
mod issue;
mod issue_tags;
mod legacy_misc;
mod legacy_releases;
mod legacy_set_commits;
mod legacy_sourcemaps;
mod local_cmd;
mod local_help;
mod local_server;
mod monitor_list;
mod monitor_run;
mod observability;
mod org_project_team_repo;
mod output_cmd;
mod regions;
mod release_cmd;
mod render_everywhere;
mod replay;
mod resolve;
mod set_commits;
mod settings_source;
mod sourcemap_inject;
mod sourcemap_resolve;
mod sourcemap_upload;
mod sourcemap_upload_faults;
mod store_v21;
mod store_writes;
mod tables;
mod token_scope;
mod views;
