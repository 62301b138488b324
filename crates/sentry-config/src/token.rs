//! Org auth tokens (`sntrys_<base64 JSON>_<secret>`) carry unsigned claims: the org and the
//! URL they were issued for. They decide routing and the org, so a malformed one is an error
//! rather than something silently sent as an opaque bearer token.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

use crate::{url::normalize_url, ConfigError};

/// Longest token accepted, as upstream.
pub const MAX_ORG_TOKEN_LEN: usize = 2048;

/// Claims decoded from an org auth token.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrgTokenClaims {
    /// Organization slug the token belongs to.
    pub org: Option<String>,
    /// Normalized base URL the token was issued by (`None` when the claim is `null` or empty).
    pub url: Option<String>,
    /// Region URL, normalized: org-scoped requests made with the token go there (sentry-cli
    /// ignored the claim, and EU org tokens got 401s from the US region).
    pub region_url: Option<String>,
}

const PADDING_INDIFFERENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
pub(crate) const STANDARD: GeneralPurpose =
    GeneralPurpose::new(&alphabet::STANDARD, PADDING_INDIFFERENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, PADDING_INDIFFERENT);

/// Decodes the claims of an org auth token. `Ok(None)` for any token that does not start
/// with `sntrys_` (user tokens, OAuth tokens): those carry no claims.
///
/// Accepts padded and unpadded, standard and URL-safe base64 (upstream tools disagree on
/// padding). Requires a JSON object with a truthy `iat` and a `url` key (`null` allowed, as
/// sentry-cli does). Error messages never contain the token.
pub fn parse_org_token(token: &str) -> Result<Option<OrgTokenClaims>, ConfigError> {
    let bad = |reason: &str| ConfigError::InvalidOrgToken {
        origin: None,
        reason: reason.to_string(),
    };
    let token = token.trim();
    let Some(rest) = token.strip_prefix(sentry_wire::tokens::ORG_TOKEN_PREFIX) else {
        return Ok(None);
    };
    if token.len() > MAX_ORG_TOKEN_LEN {
        return Err(bad("it is longer than 2048 characters"));
    }
    // The secret is standard base64 (no `_`), so the last `_` separates it even when the
    // payload uses the URL-safe alphabet.
    let Some((payload, secret)) = rest.rsplit_once('_') else {
        return Err(bad("expected three parts, sntrys_<payload>_<secret>"));
    };
    if payload.is_empty() || secret.is_empty() {
        return Err(bad("expected three parts, sntrys_<payload>_<secret>"));
    }
    let bytes = STANDARD
        .decode(payload)
        .or_else(|_| URL_SAFE.decode(payload))
        .map_err(|_| bad("the payload is not valid base64"))?;
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| bad("the payload is not valid JSON"))?;
    let Some(obj) = json.as_object() else {
        return Err(bad("the payload is not a JSON object"));
    };
    let truthy = match obj.get("iat") {
        None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false)) => false,
        Some(serde_json::Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(serde_json::Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    };
    if !truthy {
        return Err(bad("the payload has no 'iat' claim"));
    }
    let url_claim = |key: &str| -> Result<Option<String>, ConfigError> {
        match obj.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(serde_json::Value::String(s)) => normalize_url(s).map(Some).map_err(|reason| {
                bad(&format!(
                    "the '{key}' claim '{s}' is not a valid URL ({reason})"
                ))
            }),
            Some(_) => Err(bad(&format!("the '{key}' claim is not a string"))),
        }
    };
    if !obj.contains_key("url") {
        return Err(bad("the payload has no 'url' claim"));
    }
    let url = url_claim("url")?;
    let region_url = url_claim("region_url")?;
    let org = match obj.get("org") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => None,
        Some(serde_json::Value::String(s)) => Some(s.trim().to_string()),
        Some(_) => return Err(bad("the 'org' claim is not a string")),
    };
    Ok(Some(OrgTokenClaims {
        org,
        url,
        region_url,
    }))
}
