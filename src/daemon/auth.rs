//! The token check in front of every private route: `Authorization: Bearer <token>`, looked up
//! by its hash; anything else is 401 with a JSON message.

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;

use super::App;
use super::reply::{failure, unauthorized};
use crate::ops;

pub async fn bearer(State(app): State<App>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = presented else {
        return unauthorized(
            "this route needs `Authorization: Bearer <token>` (`cdp token create NAME` makes one)",
        );
    };
    match ops::auth::check_token(&app.ctx, token).await {
        Ok(Some(_)) => next.run(request).await,
        Ok(None) => unauthorized("the token is not known, or it was revoked"),
        Err(e) => failure(&e),
    }
}
