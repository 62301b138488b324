//! Showing a secret to a person: enough to tell two apart, not enough to use one.

/// Tokens of this many characters or fewer are shown as `****` (the official CLI's
/// `auth status` rule, also used by `config list`, `api --verbose` and the local server's
/// request log).
pub const TOKEN_HIDDEN_UP_TO: usize = 12;

/// `secret` as its first 8 and last 4 characters around `...` (`sntryu_f...7890`), or `****`
/// when it has at most `hidden_up_to` characters (its ends would then be most of it) — and
/// always at 12 or fewer, where the ends would be all of it.
/// Characters, not bytes: a secret with multi-byte characters is never cut inside one.
pub fn mask(secret: &str, hidden_up_to: usize) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() <= hidden_up_to.max(12) {
        return "****".to_string();
    }
    let head: String = chars[..8].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}...{tail}")
}

/// A token as every command and the local server show it: [`mask`] with
/// [`TOKEN_HIDDEN_UP_TO`].
pub fn mask_token(token: &str) -> String {
    mask(token, TOKEN_HIDDEN_UP_TO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert_eq!(mask_token("sntryu_faketoken1234567890"), "sntryu_f...7890");
        assert_eq!(mask_token("abcdefghijkl"), "****");
        assert_eq!(mask_token("abcdefghijklm"), "abcdefgh...jklm");
    }

    #[test]
    fn longer_hidden_length() {
        assert_eq!(mask("0123456789abcdefghi", 19), "****");
        assert_eq!(mask("0123456789abcdefghij", 19), "01234567...ghij");
    }

    #[test]
    fn never_reveals_a_short_secret() {
        // 8 + 4 characters would be the whole of it.
        assert_eq!(mask("abcdefghijkl", 0), "****");
        assert_eq!(mask("añcdefghijklm", 0), "añcdefgh...jklm");
    }
}
