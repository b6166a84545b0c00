//! The error that crosses from the server to the browser (server functions) and the one
//! mapping from it to HTTP statuses and API codes. The service layer's own error converts
//! into this in one place (`server::error`).

use crate::domain::{FieldErrors, LifecycleError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("sign-in required")]
    Unauthorized,
    #[error("not allowed")]
    Forbidden,
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("{0}")]
    Lifecycle(LifecycleError),
    /// Someone else changed the request first.
    #[error("the request was changed by someone else")]
    Conflict,
    /// The same idempotency key was used with another body.
    #[error("idempotency key reused with a different request")]
    IdempotencyMismatch,
    #[error("wrong user name or password")]
    BadCredentials,
    /// Over an abuse limit (sign-in, submission, tracking, ...): try again in this many
    /// seconds (answered 429 with `Retry-After`).
    #[error("too many attempts")]
    TooManyAttempts(u32),
    /// Personal data cannot be erased now (legal hold, open request, gone already).
    #[error("erasure refused")]
    ErasureRefused(crate::domain::privacy::ErasureBlock),
    /// Over a size quota (answered 413): which one, and its limit in bytes.
    #[error("too large")]
    TooLarge(Quota, u64),
    /// A file still quarantined, waiting for the virus scanner (answered 409).
    #[error("not ready")]
    NotReady,
    #[error("bad request")]
    BadRequest,
    #[error("internal error")]
    Internal,
    /// Transport problems (network, encoding) reported by the server function machinery.
    #[error("communication error: {0}")]
    Transport(String),
}

/// Which size quota a file went over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Quota {
    /// One file.
    File,
    /// The files of one submission or answer together.
    Request,
    /// One client's uploads in a day.
    Day,
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotFound => 404,
            AppError::Unauthorized | AppError::BadCredentials => 401,
            AppError::Forbidden
            | AppError::Lifecycle(crate::domain::LifecycleError::NotPermitted { .. }) => 403,
            AppError::Invalid(_) => 422,
            AppError::Lifecycle(_)
            | AppError::Conflict
            | AppError::IdempotencyMismatch
            | AppError::ErasureRefused(_)
            | AppError::NotReady => 409,
            AppError::TooLarge(..) => 413,
            AppError::BadRequest => 400,
            AppError::TooManyAttempts(_) => 429,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }

    /// A stable machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Unauthorized => "unauthorized",
            AppError::BadCredentials => "bad_credentials",
            AppError::Forbidden => "forbidden",
            AppError::Invalid(_) => "invalid_fields",
            AppError::Lifecycle(_) => "invalid_transition",
            AppError::Conflict => "conflict",
            AppError::IdempotencyMismatch => "idempotency_key_reused",
            AppError::ErasureRefused(_) => "erasure_refused",
            AppError::BadRequest => "bad_request",
            AppError::TooLarge(..) => "too_large",
            AppError::NotReady => "not_ready",
            AppError::TooManyAttempts(_) => "too_many_attempts",
            AppError::Internal => "internal",
            AppError::Transport(_) => "transport",
        }
    }

    /// Seconds to wait before trying again, for `Retry-After`.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            AppError::TooManyAttempts(s) => Some(*s),
            _ => None,
        }
    }

    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Invalid(f) => Some(f),
            _ => None,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            // On the server these mean the caller sent arguments that do not decode: their
            // fault, answered 400, not ours.
            E::Args(_) | E::MissingArg(_) | E::UnsupportedRequestMethod(_)
                if cfg!(feature = "ssr") =>
            {
                AppError::BadRequest
            }
            E::Deserialization(_) if cfg!(feature = "ssr") => AppError::BadRequest,
            other => AppError::Transport(other.to_string()),
        }
    }
}
