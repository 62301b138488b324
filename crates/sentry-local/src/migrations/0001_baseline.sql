-- Schema version 1: the layout every database had before the server kept a version.
--
-- Every statement is `IF NOT EXISTS`, so that a database written before versions existed
-- (user_version 0, already holding these tables) is adopted as version 1 unchanged. Never edit
-- this file to change the layout: add the next migration instead (see migrations.rs).

-- Core: users, organizations, teams, projects, DSN keys, tokens and raw items.
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    date_joined TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS organizations (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    date_created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS teams (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    date_created TEXT NOT NULL,
    UNIQUE (org_id, slug)
);
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    platform TEXT,
    date_created TEXT NOT NULL,
    -- next short-id counter for issues of this project (Sentry's per-project sequence)
    next_short_id INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, slug)
);
CREATE TABLE IF NOT EXISTS project_keys (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    public_key TEXT NOT NULL UNIQUE,
    secret_key TEXT NOT NULL,
    label TEXT NOT NULL,
    is_active INTEGER NOT NULL DEFAULT 1,
    date_created TEXT NOT NULL
);
-- Bearer tokens of every kind: personal (`sntryu_`), OAuth access tokens and org tokens.
CREATE TABLE IF NOT EXISTS api_tokens (
    token TEXT PRIMARY KEY,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    org_id INTEGER REFERENCES organizations(id) ON DELETE CASCADE,
    -- space-separated scopes, as OAuth spells them
    scopes TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'oauth', 'org')),
    -- unix milliseconds; NULL = never expires
    expires_at INTEGER,
    date_created TEXT NOT NULL
);
-- Every envelope item the server kept, as received (after decompression). Ingest writes it;
-- the tail, logs, spans, transactions, traces, monitors and attachments read from it.
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- envelope item type: event, transaction, log, check_in, attachment, ...
    item_type TEXT NOT NULL,
    -- event_id of the envelope (or of the event/transaction payload), lower-case hex, no dashes
    event_id TEXT,
    -- trace id when the payload carries one (contexts.trace.trace_id, log trace_id, check_in trace)
    trace_id TEXT,
    received_ms INTEGER NOT NULL,
    -- the item header as JSON
    headers TEXT NOT NULL,
    -- JSON payloads as text; binary payloads (attachments) in `data`
    payload TEXT,
    data BLOB
);
CREATE INDEX IF NOT EXISTS items_by_type ON items (project_id, item_type, received_ms);
CREATE INDEX IF NOT EXISTS items_by_trace ON items (trace_id);

-- OAuth device flow (oauth.rs). Device codes are kept after use (status `consumed`) so that a
-- replayed code is answered `invalid_grant`, not "unknown".
CREATE TABLE IF NOT EXISTS oauth_device_codes (
    device_code TEXT PRIMARY KEY,
    user_code TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL,
    scopes TEXT NOT NULL,
    expires_ms INTEGER NOT NULL,
    interval_secs INTEGER NOT NULL,
    last_poll_ms INTEGER,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    date_created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS oauth_refresh_tokens (
    token TEXT PRIMARY KEY,
    access_token TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    scopes TEXT NOT NULL,
    date_created TEXT NOT NULL
);

-- Issues (`groups`) and their events (events.rs). `groups` keeps running aggregates so issue
-- lists never scan events.
CREATE TABLE IF NOT EXISTS groups (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- per-project counter; the short id is <PROJECT SLUG>-<base32(short_id)>
    short_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    culprit TEXT NOT NULL,
    event_type TEXT NOT NULL,
    metadata TEXT NOT NULL,
    level TEXT NOT NULL,
    platform TEXT NOT NULL,
    logger TEXT,
    status TEXT NOT NULL DEFAULT 'unresolved',
    substatus TEXT,
    status_details TEXT NOT NULL DEFAULT '{}',
    is_unhandled INTEGER NOT NULL DEFAULT 0,
    times_seen INTEGER NOT NULL DEFAULT 0,
    user_count INTEGER NOT NULL DEFAULT 0,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    resolved_at_ms INTEGER,
    UNIQUE (project_id, short_id)
);
CREATE INDEX IF NOT EXISTS groups_by_last_seen ON groups (project_id, last_seen_ms);
CREATE TABLE IF NOT EXISTS group_hashes (
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_users (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_key TEXT NOT NULL,
    PRIMARY KEY (group_id, user_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_tags (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (group_id, key, value)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    group_id INTEGER REFERENCES groups(id) ON DELETE CASCADE,
    timestamp_ms INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    -- the event as received, with event_id filled in
    payload TEXT NOT NULL,
    UNIQUE (project_id, event_id)
);
CREATE INDEX IF NOT EXISTS events_by_group ON events (group_id, timestamp_ms);
CREATE INDEX IF NOT EXISTS events_by_event_id ON events (event_id);

-- Repositories linked to an organization (api/repos.rs).
CREATE TABLE IF NOT EXISTS repositories (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    url TEXT,
    provider TEXT NOT NULL,
    external_slug TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    date_created TEXT NOT NULL,
    UNIQUE (org_id, name)
);

-- Releases, their projects and deploys (api/releases.rs).
CREATE TABLE IF NOT EXISTS releases (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    version TEXT NOT NULL,
    ref TEXT,
    url TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    date_created TEXT NOT NULL,
    date_created_ms INTEGER NOT NULL,
    date_started TEXT,
    date_released TEXT,
    -- JSON array of commit objects as the API renders them (newest first)
    commits TEXT NOT NULL DEFAULT '[]',
    UNIQUE (org_id, version)
);
CREATE TABLE IF NOT EXISTS release_projects (
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    PRIMARY KEY (release_id, project_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deploys (
    id INTEGER PRIMARY KEY,
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    environment TEXT NOT NULL,
    name TEXT,
    url TEXT,
    date_started TEXT,
    date_finished TEXT NOT NULL
);

-- Uploaded chunks and assembled artifact bundles (api/uploads.rs).
CREATE TABLE IF NOT EXISTS file_chunks (
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    -- lower-case hex SHA-1 of the (uncompressed) chunk
    checksum TEXT NOT NULL,
    data BLOB NOT NULL,
    date_created TEXT NOT NULL,
    PRIMARY KEY (org_id, checksum)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS artifact_bundles (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    checksum TEXT NOT NULL,
    -- JSON array of project ids
    projects TEXT NOT NULL,
    release TEXT,
    dist TEXT,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    date_created TEXT NOT NULL,
    UNIQUE (org_id, checksum)
);

-- Cron monitors and check-ins (api/monitors.rs).
CREATE TABLE IF NOT EXISTS monitors (
    id INTEGER PRIMARY KEY,
    guid TEXT NOT NULL UNIQUE,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    is_muted INTEGER NOT NULL DEFAULT 0,
    -- the API's `config` object as JSON
    config TEXT NOT NULL,
    date_created TEXT NOT NULL,
    UNIQUE (org_id, slug)
);
CREATE TABLE IF NOT EXISTS monitor_checkins (
    id INTEGER PRIMARY KEY,
    guid TEXT NOT NULL UNIQUE,
    monitor_id INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    check_in_id TEXT,
    status TEXT NOT NULL,
    environment TEXT NOT NULL,
    -- milliseconds, as the API reports it
    duration INTEGER,
    date_created_ms INTEGER NOT NULL,
    date_updated_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS monitor_checkins_by_monitor ON monitor_checkins (monitor_id, date_created_ms);
-- highest `items.id` already folded into the tables above
CREATE TABLE IF NOT EXISTS monitor_sync (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_item_id INTEGER NOT NULL
);
