//! Character checks shared by every parser.
//!
//! Identifiers end up inside API paths (`/organizations/{org}/shortids/{id}/`),
//! so anything that could change the meaning of that path or query string is
//! refused before a request is ever built.

use crate::TargetError;

/// Rejects the characters that make an identifier malformed as a whole,
/// before it is split into parts: control characters, whitespace, `?`, `%`,
/// backslashes and `..`.
///
/// Runs first so the user hears about the real problem ("contains a tab")
/// rather than a confusing structural error about the pieces.
pub(crate) fn reject_malformed(value: &str, label: &str) -> Result<(), TargetError> {
    if value.is_empty() {
        return Err(TargetError::validation(format!(
            "{} is empty.",
            capitalise(label)
        )));
    }
    for c in value.chars() {
        let problem = if c.is_control() {
            Some(format!("contains a control character (U+{:04X})", c as u32))
        } else if c.is_whitespace() {
            Some("contains whitespace".to_string())
        } else if c == '?' {
            Some("contains '?' (only Sentry URLs may carry a query string)".to_string())
        } else if c == '%' {
            Some("contains '%' (pass the decoded value, not a percent-encoded one)".to_string())
        } else if c == '\\' {
            Some("contains a backslash".to_string())
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(invalid(value, label, &problem));
        }
    }
    if value.contains("..") {
        return Err(invalid(value, label, "contains '..'"));
    }
    Ok(())
}

/// Checks one structural part (an org slug, a project slug, a suffix) after
/// the separators have been consumed: only ASCII letters, digits, `-`, `_`,
/// `.` and `~` may remain.
pub(crate) fn check_part(part: &str, whole: &str, label: &str) -> Result<(), TargetError> {
    reject_malformed(whole, label)?;
    if part.is_empty() {
        return Err(invalid(whole, label, "has an empty segment"));
    }
    if let Some(c) = part
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~')))
    {
        return Err(invalid(
            whole,
            label,
            &format!("contains '{c}', which is not valid here"),
        ));
    }
    Ok(())
}

/// Formats the common "Invalid <label> "<value>": <problem>." message with
/// control characters escaped so the message itself stays printable.
pub(crate) fn invalid(value: &str, label: &str, problem: &str) -> TargetError {
    TargetError::validation(format!(
        "Invalid {label} \"{}\": {problem}.",
        value.escape_debug()
    ))
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(crate) fn is_all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_messages_name_the_problem() {
        assert_eq!(
            reject_malformed("a\u{7}b", "issue identifier")
                .unwrap_err()
                .message(),
            "Invalid issue identifier \"a\\u{7}b\": contains a control character (U+0007)."
        );
        assert_eq!(
            reject_malformed("a b", "project slug")
                .unwrap_err()
                .message(),
            "Invalid project slug \"a b\": contains whitespace."
        );
        assert_eq!(
            reject_malformed("", "issue identifier")
                .unwrap_err()
                .message(),
            "Issue identifier is empty."
        );
        assert!(reject_malformed("a..b", "x").is_err());
        assert!(reject_malformed("a%2F", "x").is_err());
        assert!(reject_malformed("a?b", "x").is_err());
        assert!(reject_malformed("a\\b", "x").is_err());
        assert!(reject_malformed("my-org.x_y~z", "x").is_ok());
    }

    #[test]
    fn parts_allow_only_slug_characters() {
        assert!(check_part("cli", "cli", "project slug").is_ok());
        assert_eq!(
            check_part("a:b", "a:b", "issue identifier")
                .unwrap_err()
                .message(),
            "Invalid issue identifier \"a:b\": contains ':', which is not valid here."
        );
        assert!(check_part("", "x/", "x").is_err());
    }
}
