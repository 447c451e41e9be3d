//! `GET /healthz` and `GET /metrics`, served with axum on the watcher's runtime.
//! Read-only: each answer reads [`Status`]; nothing here touches the database.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use chrono::Utc;

use super::status::Status;

async fn healthz(State(status): State<Arc<Status>>) -> impl IntoResponse {
    let (ok, why) = status.with_health(|h| h.verdict(Utc::now()));
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{why}\n"),
    )
}

async fn metrics(State(status): State<Arc<Status>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        status.encode(),
    )
}

/// Serves `listener` (bound before anything else starts, so that a port in use is
/// an error at once) until `stop` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    status: Arc<Status>,
    stop: tokio::sync::oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(status);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stop.await;
        })
        .await
}
