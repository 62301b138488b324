-- Trace metrics (envelope items of type `trace_metric`, events.rs): one row per metric sample,
-- so the `tracemetrics` explore dataset (api/tracemetrics.rs) filters and groups them without
-- re-reading envelopes. A sample belongs to the project whose DSN sent it.
CREATE TABLE IF NOT EXISTS trace_metrics (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- when the SDK recorded the sample (its `timestamp`, else when the server received it)
    timestamp_ms INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    trace_id TEXT,
    span_id TEXT,
    -- `llm.token_usage`, `cache.hit_rate`, ...
    name TEXT NOT NULL,
    -- counter | gauge | distribution (as the SDK sent it)
    type TEXT NOT NULL,
    -- NULL when the SDK sent none
    unit TEXT,
    value REAL NOT NULL,
    -- the typed attribute map as sent: {"key": {"value": …, "type": "string"}, …}
    attributes TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS trace_metrics_by_time ON trace_metrics (project_id, timestamp_ms);
CREATE INDEX IF NOT EXISTS trace_metrics_by_name ON trace_metrics (project_id, name);
