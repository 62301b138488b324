//! One module per command group, one file per leaf command.

pub mod api;
pub mod attribute;
pub mod auth;
pub mod cli;
pub mod config;
pub mod dsn;
pub mod event;
pub mod explore;
pub mod feedback;
pub mod flags;
pub mod info;
pub mod issue;
pub mod local;
pub mod login_legacy;
pub mod monitor;
pub mod org;
pub mod project;
pub mod release;
pub mod replay;
pub mod repo;
pub mod team;
