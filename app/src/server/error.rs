//! The service layer's error, and its one conversion into the transport error.

use crate::error::AppError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// An outcome the user can understand (not found, invalid input, ...).
    #[error(transparent)]
    App(#[from] AppError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<crate::domain::LifecycleError> for ServiceError {
    fn from(e: crate::domain::LifecycleError) -> Self {
        ServiceError::App(AppError::Lifecycle(e))
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::App(a) => a,
            // Details of server faults go to the log, never to the client.
            ServiceError::Db(e) => {
                tracing::error!(error = %e, "database error");
                AppError::Internal
            }
            ServiceError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                AppError::Internal
            }
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// The HTTP status an `AppError` is answered with, wherever it is answered.
pub fn error_status(e: &AppError) -> axum::http::StatusCode {
    axum::http::StatusCode::from_u16(e.status())
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
}
