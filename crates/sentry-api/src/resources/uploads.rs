//! Chunk upload and artifact-bundle assembly (`sourcemap upload`, sentry-cli 3.x's
//! `sourcemaps upload`).

use super::OrgApi;
use crate::RequestBuilder;

impl<'c> OrgApi<'c> {
    /// `GET /organizations/{org}/chunk-upload/`: the server's chunk-upload options (`url`,
    /// `chunkSize`, `chunksPerRequest`, `maxRequestSize`, `maxFileSize`, `concurrency`,
    /// `hashAlgorithm`, `compression`, `maxWait`). A 404 means the server has no chunk upload
    /// (or no such org).
    pub fn chunk_upload_options(&self) -> RequestBuilder<'c> {
        self.at("GET", &self.org_path("chunk-upload/"))
    }

    /// `POST <url>`: one multipart batch of chunks to the URL the options named (absolute,
    /// or relative to the region).
    pub fn upload_chunks(&self, url: &str) -> RequestBuilder<'c> {
        if url.contains("://") {
            self.client.request("POST", url)
        } else {
            let path = url.strip_prefix("/api/0").unwrap_or(url);
            self.at("POST", path)
        }
    }

    /// `POST /organizations/{org}/artifactbundle/assemble/`
    /// `{"checksum","chunks","projects","version"?,"dist"?}`.
    pub fn assemble_artifact_bundle(&self) -> RequestBuilder<'c> {
        self.at("POST", &self.org_path("artifactbundle/assemble/"))
    }
}
