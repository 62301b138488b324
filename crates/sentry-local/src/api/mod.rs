//! The REST API under `/api/0/`, one module per resource, with Sentry's field names and shapes.

pub mod explore;
pub mod monitors;
pub mod releases;
pub mod uploads;
