//! Answers as JSON: data, or `{"error": message}` with a status; the message says what failed
//! and never carries a stack trace or a secret (errors are the library's, printed as for people).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::Error;

pub fn ok(value: impl serde::Serialize) -> Response {
    Json(value).into_response()
}

pub fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

pub fn unauthorized(message: &str) -> Response {
    error(StatusCode::UNAUTHORIZED, message)
}

/// The status of a failed operation: 404 for what does not exist, 500 otherwise.
pub fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::UnknownSegment { .. }
        | Error::Campaign(crate::campaign::CampaignError::Unknown { .. }) => StatusCode::NOT_FOUND,
        Error::Dashboard(d) if matches!(**d, crate::dashboard::DashboardError::Unknown { .. }) => {
            StatusCode::NOT_FOUND
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// What failed, its causes and the hint, in one line for people.
pub fn describe(e: &Error) -> String {
    let hint = e.hint().map(|h| format!(" ({h})")).unwrap_or_default();
    format!("{}{hint}", crate::error::chain(e))
}

/// A failed operation, as JSON.
pub fn failure(e: &Error) -> Response {
    error(status_of(e), &describe(e))
}

pub async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no such route; the API is under /api/v1",
    )
}
