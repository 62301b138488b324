//! Typed JSON request bodies.
//!
//! [`JsonBody<T>`] reads the body as Sentry's API reads it: any content type, an empty body
//! is `{}`, anything else must be a JSON object. The object is then deserialized into `T`;
//! a field of the wrong type is a 400 that names the field with the wording of Sentry's
//! serializers (`version: Not a valid string.`). Body structs ignore fields they do not
//! know, as Sentry's serializers do; `deny_unknown_fields` is only for bodies Sentry itself
//! validates strictly.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::Value;

use super::field_error;
use crate::error::{ApiError, ApiResult};

/// A request body deserialized into `T` (see the module docs for the rules).
pub(crate) struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::new(e.status(), e.body_text()))?;
        parse(&bytes).map(JsonBody)
    }
}

/// Parses a body per the module rules.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let value = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice::<Value>(bytes)
            .map_err(|e| ApiError::bad_request(format!("JSON parse error - {e}")))?
    };
    if !value.is_object() {
        return Err(ApiError::bad_request("Request body must be a JSON object."));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        match missing_field(&message) {
            Some(field) if path == "." => field_error(field, "This field is required."),
            Some(field) => field_error(&format!("{path}.{field}"), "This field is required."),
            None if path == "." => ApiError::bad_request(drf_message(&message)),
            None => field_error(&path, &drf_message(&message)),
        }
    })
}

fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// serde's wording of a type error, in the words Sentry's (Django REST framework) field
/// validators use.
fn drf_message(serde: &str) -> String {
    let expected = serde.rsplit_once("expected ").map_or("", |(_, e)| e);
    if let Some(rest) = serde.strip_prefix("unknown variant `") {
        let value = rest.split('`').next().unwrap_or_default();
        return format!("\"{value}\" is not a valid choice.");
    }
    if serde.starts_with("unknown field `") {
        return "Unexpected field.".to_string();
    }
    match expected {
        "a string" => "Not a valid string.".to_string(),
        "a sequence" => "Expected a list of items.".to_string(),
        "a boolean" => "Must be a valid boolean.".to_string(),
        "i64" | "u64" | "i32" | "u32" | "an integer" => "A valid integer is required.".to_string(),
        "f64" | "a number" => "A valid number is required.".to_string(),
        "a map" | "struct" => "Expected a dictionary of items.".to_string(),
        _ => serde.to_string(),
    }
}

/// `#[serde(default, deserialize_with = "present")]`: tells a field that was sent as `null`
/// (`Some(None)`, clear it) from one that was not sent (`None`, leave it).
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A string or a number, as Sentry accepts ids and slugs in bodies (`"app"`, `"1"`, `1`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IdOrSlug(pub String);

impl<'de> Deserialize<'de> for IdOrSlug {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            N(serde_json::Number),
        }
        match Raw::deserialize(d) {
            Ok(Raw::S(s)) => Ok(IdOrSlug(s)),
            Ok(Raw::N(n)) => Ok(IdOrSlug(n.to_string())),
            Err(_) => Err(serde::de::Error::custom("expected a string")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Body {
        name: Option<String>,
        #[serde(default)]
        projects: Vec<IdOrSlug>,
        #[serde(default, deserialize_with = "present")]
        date_released: Option<Option<String>>,
    }

    fn detail<T: DeserializeOwned>(body: &str) -> String {
        parse::<T>(body.as_bytes()).err().unwrap().detail
    }

    #[test]
    fn empty_bodies_are_empty_objects_and_unknown_fields_are_ignored() {
        let b: Body = parse(b"  ").unwrap();
        assert_eq!((b.name, b.projects.len()), (None, 0));
        let b: Body = parse(br#"{"name": "x", "projects": ["app", 2], "other": 1}"#).unwrap();
        assert_eq!(b.name.as_deref(), Some("x"));
        assert_eq!(b.projects, [IdOrSlug("app".into()), IdOrSlug("2".into())]);
        assert_eq!(b.date_released, None);
        let b: Body = parse(br#"{"dateReleased": null}"#).unwrap();
        assert_eq!(b.date_released, Some(None));
    }

    #[test]
    fn errors_name_the_field_in_sentrys_words() {
        assert_eq!(detail::<Body>("[1]"), "Request body must be a JSON object.");
        assert!(detail::<Body>("{").starts_with("JSON parse error - "));
        assert_eq!(
            detail::<Body>(r#"{"name": 1}"#),
            "name: Not a valid string."
        );
        assert_eq!(
            detail::<Body>(r#"{"projects": "app"}"#),
            "projects: Expected a list of items."
        );
        assert_eq!(
            detail::<Body>(r#"{"projects": [true]}"#),
            "projects[0]: Not a valid string."
        );
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Required {
            version: String,
        }
        assert_eq!(detail::<Required>("{}"), "version: This field is required.");
    }
}
