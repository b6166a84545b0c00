//! `GET /staff/admin/audit.csv`: the audit log as the page shows it (same filters), for
//! Excel: semicolon separated, UTF-8 with a byte-order mark.

use super::AppState;
use super::csv::{failed, file, staff_download};
use crate::model::AuditFilter;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use leptos_i18n::td_string;

pub async fn csv(
    State(state): State<AppState>,
    axum::Extension(client): axum::Extension<super::web::ClientIp>,
    headers: HeaderMap,
    filter: Result<Query<AuditFilter>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let taka = &state.taka;
    let (ctx, _, l) = match staff_download(taka, &headers, client.0, super::auth::Access::Any).await
    {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    // Every filter has a default: a query that does not decode means none of them.
    let filter = filter.map(|q| q.0).unwrap_or_default();
    let rows = match taka.audit_log(&ctx, &filter).await {
        Ok(rows) => rows,
        Err(e) => return failed(e, l),
    };
    let head = [
        td_string!(l, admin.when),
        td_string!(l, admin.actor),
        td_string!(l, admin.entity),
        td_string!(l, admin.what),
        td_string!(l, admin.change),
        td_string!(l, admin.before),
        td_string!(l, admin.after),
    ];
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            let actor = r.actor.unwrap_or_else(|| {
                if r.actor_kind == "cli" {
                    td_string!(l, admin.actor_cli).to_string()
                } else {
                    td_string!(l, admin.actor_system).to_string()
                }
            });
            vec![
                r.at_text,
                actor,
                r.entity,
                r.entity_key,
                r.action,
                r.before.unwrap_or_default(),
                r.after.unwrap_or_default(),
            ]
        })
        .collect();
    file(&head, &rows, "audit.csv")
}
