-- The files of each assembled artifact bundle (api/uploads.rs, sourcemaps.rs), indexed by debug ID
-- and by URL so events can be symbolicated; the bytes stay in the bundle's zip.
CREATE TABLE IF NOT EXISTS artifact_bundle_files (
    bundle_id INTEGER NOT NULL REFERENCES artifact_bundles(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    -- the entry's path inside the zip (`_/_/app.js`)
    bundle_path TEXT NOT NULL,
    -- `~/app.js`, or an absolute URL
    url TEXT NOT NULL,
    -- minified_source | source_map | source | indexed_ram_bundle
    type TEXT NOT NULL,
    -- lower-case dashed UUID from the `debug-id` header
    debug_id TEXT,
    -- the `Sourcemap` header of a minified source (relative to its URL)
    sourcemap TEXT,
    PRIMARY KEY (bundle_id, bundle_path)
);
CREATE INDEX IF NOT EXISTS artifact_bundle_files_debug_id ON artifact_bundle_files (org_id, debug_id, type);
CREATE INDEX IF NOT EXISTS artifact_bundle_files_url ON artifact_bundle_files (org_id, url);
