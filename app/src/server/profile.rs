//! The staff profile page: personal API tokens (create, see once, list, revoke).
//!
//! Server-rendered plain forms (no WASM): a new token is shown in the response to the POST
//! that made it, never put in a URL or stored in the clear. Forms rely on the session
//! cookie being `SameSite=Lax`, so other sites cannot post them.

use super::notify::html_escape as esc;
use super::plain::{page, staff};
use super::service::StaffContext;
use super::{AppState, Taka, request_lang};
use crate::i18n::Locale;
use crate::i18n_text;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use leptos_i18n::td_string;
use serde::Deserialize;

fn profile_page(l: Locale, body: &str) -> String {
    page(
        l,
        td_string!(l, profile.title),
        "/staff/profile",
        "/staff/profile",
        body,
    )
}

/// The page, with an optional notice on top (a new token, or an error).
async fn render(taka: &Taka, ctx: &StaffContext, l: Locale, notice: &str) -> Response {
    let tokens = match taka.list_tokens(ctx).await {
        Ok(t) => t,
        Err(e) => {
            let e = crate::error::AppError::from(e);
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(profile_page(l, &esc(&i18n_text::app_error(l, &e)))),
            )
                .into_response();
        }
    };
    let mut body = format!(
        "<h1>{}</h1><p class=\"lead\">{} · {}</p>{notice}<h2 id=\"tok-h\">{}</h2><p>{}</p>",
        esc(td_string!(l, profile.title)),
        esc(&ctx.user.display_name),
        esc(i18n_text::role(l, ctx.user.role)),
        esc(td_string!(l, profile.tokens)),
        esc(td_string!(l, profile.intro)),
    );
    body.push_str(&format!(
        "<form method=\"post\" action=\"/staff/profile/tokens\" class=\"narrow\"><div class=\"field\"><label for=\"tok-name\">{}</label>\
<input id=\"tok-name\" name=\"name\" required maxlength=\"100\" autocomplete=\"off\"></div>\
<button type=\"submit\" class=\"button primary\">{}</button></form>",
        esc(td_string!(l, profile.token_name)),
        esc(td_string!(l, profile.create)),
    ));
    if tokens.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(td_string!(l, profile.none))));
    } else {
        body.push_str(&format!(
            "<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"tok-h\" tabindex=\"0\"><table><thead><tr>\
<th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            esc(td_string!(l, profile.col_name)),
            esc(td_string!(l, profile.col_created)),
            esc(td_string!(l, profile.col_used)),
            esc(td_string!(l, profile.col_state)),
        ));
        for t in tokens {
            let state = if t.revoked {
                esc(td_string!(l, profile.revoked))
            } else {
                format!(
                    "<form method=\"post\" action=\"/staff/profile/tokens/{}/revoke\" class=\"inline\"><button type=\"submit\" class=\"button\" aria-label=\"{} {}\">{}</button></form>",
                    t.id,
                    esc(td_string!(l, profile.revoke)),
                    esc(&t.name),
                    esc(td_string!(l, profile.revoke)),
                )
            };
            body.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{state}</td></tr>",
                esc(&t.name),
                esc(&t.created_text),
                esc(t.last_used_text.as_deref().unwrap_or("—")),
            ));
        }
        body.push_str("</tbody></table></div>");
    }
    Html(profile_page(l, &body)).into_response()
}

/// `GET /staff/profile`
pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = request_lang(&headers);
    let Some(ctx) = staff(&state.taka, &headers, lang).await else {
        return Redirect::to("/staff").into_response();
    };
    render(&state.taka, &ctx, i18n_text::locale(lang), "").await
}

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    name: String,
}

/// `POST /staff/profile/tokens`: make a token and show it, once.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<NewToken>,
) -> Response {
    let lang = request_lang(&headers);
    let l = i18n_text::locale(lang);
    let Some(ctx) = staff(&state.taka, &headers, lang).await else {
        return Redirect::to("/staff").into_response();
    };
    let notice = match state.taka.create_token_for(ctx.user.id, &form.name).await {
        Ok(token) => format!(
            "<div class=\"notice ok\" role=\"status\"><p>{}</p><p><code class=\"token\">{}</code></p></div>",
            esc(td_string!(l, profile.created_note)),
            esc(&token)
        ),
        Err(e) => {
            let e = crate::error::AppError::from(e);
            let mut msg = esc(&i18n_text::app_error(l, &e));
            if let Some(fields) = e.field_errors() {
                for v in fields.values() {
                    msg.push_str(&format!("<br>{}", esc(&i18n_text::field_error(l, v))));
                }
            }
            format!("<div class=\"notice error\" role=\"alert\"><p>{msg}</p></div>")
        }
    };
    render(&state.taka, &ctx, l, &notice).await
}

/// `POST /staff/profile/tokens/{id}/revoke`
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let lang = request_lang(&headers);
    let Some(ctx) = staff(&state.taka, &headers, lang).await else {
        return Redirect::to("/staff").into_response();
    };
    match state.taka.revoke_token(&ctx, id).await {
        Ok(()) => Redirect::to("/staff/profile").into_response(),
        Err(e) => {
            let l = i18n_text::locale(lang);
            let e = crate::error::AppError::from(e);
            let notice = format!(
                "<div class=\"notice error\" role=\"alert\"><p>{}</p></div>",
                esc(&i18n_text::app_error(l, &e))
            );
            render(&state.taka, &ctx, l, &notice).await
        }
    }
}
