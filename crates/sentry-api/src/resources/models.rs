//! Models of the fields the CLI reads from API objects. Each is read through [`Raw`], which
//! keeps the server's whole object next to the model: `--json` prints every field the
//! server sent, tables and logic read typed fields (a misspelled field is a compile error,
//! not a silently empty cell).

use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::Deserialize;
use serde_json::Value;

/// A model and the object it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Raw<T> {
    pub model: T,
    pub json: Value,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Raw<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let json = Value::deserialize(d)?;
        let model = serde_json::from_value(json.clone()).map_err(D::Error::custom)?;
        Ok(Raw { model, json })
    }
}

impl<T> std::ops::Deref for Raw<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.model
    }
}

/// Sentry sends ids as strings, some older endpoints and self-hosted versions as numbers.
fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(D::Error::custom(format!("expected an id, got {other}"))),
    }
}

/// An organization (`GET /organizations/`, `/organizations/{org}/`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    #[serde(deserialize_with = "id")]
    pub id: String,
    pub slug: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub links: Option<OrgLinks>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgLinks {
    #[serde(default)]
    pub region_url: Option<String>,
    #[serde(default)]
    pub organization_url: Option<String>,
}

/// A project (`GET /organizations/{org}/projects/`, `/projects/{org}/{project}/`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    #[serde(deserialize_with = "id")]
    pub id: String,
    pub slug: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub platform: Option<String>,
}

/// A client key of a project (`GET /projects/{org}/{project}/keys/`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectKey {
    #[serde(deserialize_with = "id")]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default)]
    pub dsn: KeyDsn,
}

fn yes() -> bool {
    true
}

/// The DSNs of a client key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct KeyDsn {
    #[serde(default)]
    pub public: Option<String>,
    #[serde(default)]
    pub secret: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn raw_keeps_every_field_and_reads_numeric_ids() {
        let v = json!({"id": 7, "slug": "app", "name": "App", "extra": {"x": 1}});
        let p: Raw<Project> = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(p.id, "7");
        assert_eq!(p.platform, None);
        assert_eq!(p.json, v);
        let k: Raw<ProjectKey> =
            serde_json::from_value(json!({"id": "k1", "dsn": {"public": "https://x@h/1"}}))
                .unwrap();
        assert!(k.is_active);
        assert_eq!(k.dsn.public.as_deref(), Some("https://x@h/1"));
        assert!(serde_json::from_value::<Raw<Project>>(json!({"id": [], "slug": "a"})).is_err());
    }
}
