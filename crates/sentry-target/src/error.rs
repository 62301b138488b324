//! One error type for every parser in this crate.
//!
//! The variants mirror the CLI's exit-code classes so the binary can map an
//! error to its exit code without inspecting message text.

/// Why an argument could not be turned into a target.
///
/// Each variant corresponds to one exit-code class of the CLI (see
/// [`TargetError::exit_code`]), because scripts branch on the exit code and
/// the parsers here are the first place those classes are decided.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// The input is malformed; no request should be made (exit 21).
    #[error("{message}")]
    Validation {
        /// Human-readable explanation, may span several lines.
        message: String,
    },
    /// The input is well-formed but cannot name anything without more
    /// context, e.g. `my-org/G` has no project to expand `G` with (exit 23,
    /// as upstream reports it as a resolution failure).
    #[error("{message}")]
    Resolution {
        /// Human-readable explanation, may span several lines.
        message: String,
    },
}

impl TargetError {
    pub(crate) fn validation(message: impl Into<String>) -> Self {
        TargetError::Validation {
            message: message.into(),
        }
    }

    pub(crate) fn resolution(message: impl Into<String>) -> Self {
        TargetError::Resolution {
            message: message.into(),
        }
    }

    /// The process exit code the CLI uses for this class of error, so every
    /// command maps parse failures identically.
    pub fn exit_code(&self) -> i32 {
        match self {
            TargetError::Validation { .. } => 21,
            TargetError::Resolution { .. } => 23,
        }
    }

    /// The message without the error class, for printing after `Error: `.
    pub fn message(&self) -> &str {
        match self {
            TargetError::Validation { message } | TargetError::Resolution { message } => message,
        }
    }
}
