-- One-time setup codes (oauth.rs): `sentry auth bootstrap` redeems one on `/oauth/token/` for an
-- access/refresh token pair. A code is kept after use (`used_ms` set) so that a replayed code
-- is answered `invalid_grant` like an unknown one, and can be told apart in the database.
CREATE TABLE IF NOT EXISTS oauth_setup_codes (
    code TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    expires_ms INTEGER NOT NULL,
    used_ms INTEGER,
    date_created TEXT NOT NULL
);
