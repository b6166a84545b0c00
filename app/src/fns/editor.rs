//! The service editor's calls (`ui::editor`). Each form of the editor posts one of these;
//! each names the published `version` and the draft `revision` its page showed, reads its
//! form into one `DraftEdit`, and leaves every rule to the service layer. After a change
//! the browser goes back to the editor (with or without JavaScript).
// A server function takes one argument per form field, and the client code the `server`
// macro generates for the browser does not carry an item-level `allow`.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use crate::model::{DraftView, EditableService, ServiceDetail, VersionsView};
use leptos::prelude::*;
use std::collections::BTreeMap;

#[cfg(feature = "ssr")]
use super::ctx;
#[cfg(feature = "ssr")]
use crate::domain::service_draft::DraftEdit;

/// The services the signed-in person may edit.
#[server(prefix = "/fn", endpoint = "editable_services")]
pub async fn get_editable_services() -> Result<Vec<EditableService>, AppError> {
    let (taka, staff, lang) = ctx::staff().await?;
    Ok(taka.editable_services(&staff, lang).await?)
}

/// The editor's view of one service.
#[server(prefix = "/fn", endpoint = "service_editor")]
pub async fn get_service_editor(code: String) -> Result<DraftView, AppError> {
    let (taka, staff, lang) = ctx::staff().await?;
    Ok(taka.service_draft(&staff, &code, lang).await?)
}

/// Versions and the differences between two of them (`to` 0: the draft).
#[server(prefix = "/fn", endpoint = "service_versions")]
pub async fn get_service_versions(
    code: String,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<VersionsView, AppError> {
    let (taka, staff, lang) = ctx::staff().await?;
    Ok(taka.service_versions(&staff, &code, from, to, lang).await?)
}

/// The draft as the citizen's page will show it.
#[server(prefix = "/fn", endpoint = "service_preview")]
pub async fn get_service_preview(code: String) -> Result<ServiceDetail, AppError> {
    let (taka, staff, lang) = ctx::staff().await?;
    Ok(taka.preview_service(&staff, &code, lang).await?)
}

/// Add a life situation to group services under.
#[server(prefix = "/fn", endpoint = "create_life_situation")]
pub async fn create_life_situation(
    situation_code: String,
    situation_lv: String,
    #[server(default)] situation_en: String,
) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    taka.create_life_situation(&staff, &situation_code, &situation_lv, &situation_en)
        .await?;
    leptos_axum::redirect("/staff/admin/services?situation=1#situations");
    Ok(())
}

/// Create a service (a draft until published); then to its editor.
#[server(prefix = "/fn", endpoint = "create_service")]
pub async fn create_service(
    code: String,
    name_lv: String,
    #[server(default)] name_en: String,
) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    taka.create_service(&staff, &code, &name_lv, &name_en)
        .await?;
    leptos_axum::redirect(&editor_url(&code.trim().to_uppercase(), ""));
    Ok(())
}

#[cfg(feature = "ssr")]
fn editor_url(code: &str, anchor: &str) -> String {
    format!(
        "/staff/admin/services/{}{anchor}",
        urlencoding::encode(code)
    )
}

#[cfg(feature = "ssr")]
async fn edit(
    code: &str,
    version: i64,
    revision: i64,
    edit: DraftEdit,
    then: String,
) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    taka.edit_service(&staff, code, version, revision, edit)
        .await?;
    leptos_axum::redirect(&then);
    Ok(())
}

/// A whole number from a form field, or the field's error.
#[cfg(feature = "ssr")]
fn number<T: std::str::FromStr>(
    name: &str,
    raw: &str,
    errors: &mut crate::domain::FieldErrors,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.insert(name.into(), crate::domain::FieldError::NotANumber);
            None
        }
    }
}

#[cfg(feature = "ssr")]
fn refuse(errors: crate::domain::FieldErrors) -> Result<(), AppError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// Texts per language: `texts[LANG][NAME]`.
#[server(prefix = "/fn", endpoint = "save_service_texts")]
pub async fn save_service_texts(
    code: String,
    version: i64,
    revision: i64,
    #[server(default)] texts: BTreeMap<String, BTreeMap<String, String>>,
) -> Result<(), AppError> {
    let then = editor_url(&code, "#texts");
    edit(&code, version, revision, DraftEdit::Texts(texts), then).await
}

/// Targets and life situations (`situations[CODE]=on`).
#[server(prefix = "/fn", endpoint = "save_service_settings")]
pub async fn save_service_settings(
    code: String,
    version: i64,
    revision: i64,
    register_hours: String,
    decide_days: String,
    fulfil_days: String,
    target_pct: String,
    #[server(default)] calendar: String,
    #[server(default)] situations: BTreeMap<String, String>,
    #[server(default)] asks_location: Option<String>,
) -> Result<(), AppError> {
    let mut errors = crate::domain::FieldErrors::new();
    let mut n = |name: &str, raw: &str| number::<u32>(name, raw, &mut errors).unwrap_or(0);
    let targets = crate::domain::Targets {
        register_hours: n("register_hours", &register_hours),
        decide_days: n("decide_days", &decide_days),
        fulfil_days: n("fulfil_days", &fulfil_days),
        target_pct: n("target_pct", &target_pct),
    };
    refuse(errors)?;
    let then = editor_url(&code, "#settings");
    let e = DraftEdit::Settings {
        targets,
        calendar: Some(calendar.trim().to_string()).filter(|c| !c.is_empty()),
        life_situations: situations.into_keys().collect(),
        asks_location: asks_location.is_some(),
    };
    edit(&code, version, revision, e, then).await
}

/// Automation: conditions arrive as `cond[N][field|op|value]` (a row without a field is
/// ignored).
#[server(prefix = "/fn", endpoint = "save_service_automation")]
pub async fn save_service_automation(
    code: String,
    version: i64,
    revision: i64,
    #[server(default)] auto_register: Option<String>,
    #[server(default)] assign: String,
    #[server(default)] auto_approve: Option<String>,
    #[server(default)] cond: BTreeMap<String, BTreeMap<String, String>>,
    #[server(default)] remind_information_days: String,
    #[server(default)] remind_assignee: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::FieldError;
    use crate::domain::automation::{AssignRule, Automation, CompareOp, Condition};
    let mut errors = crate::domain::FieldErrors::new();
    let assign = if assign.is_empty() {
        AssignRule::None
    } else {
        AssignRule::parse(&assign).unwrap_or_else(|| {
            errors.insert("assign".into(), FieldError::InvalidChoice);
            AssignRule::None
        })
    };
    let mut approve_when = Vec::new();
    for row in cond.values() {
        let field = row.get("field").map(|s| s.trim()).unwrap_or("");
        if field.is_empty() {
            continue;
        }
        match row.get("op").and_then(|o| CompareOp::parse(o)) {
            Some(op) => approve_when.push(Condition {
                field: field.to_string(),
                op,
                value: row
                    .get("value")
                    .map(|v| v.trim().to_string())
                    .unwrap_or_default(),
            }),
            None => {
                errors.insert("approve_when".into(), FieldError::InvalidChoice);
            }
        }
    }
    let automation = Automation {
        auto_register: auto_register.is_some(),
        assign,
        auto_approve: auto_approve.is_some(),
        approve_when,
        remind_information_days: number(
            "remind_information_days",
            &remind_information_days,
            &mut errors,
        ),
        remind_assignee: remind_assignee.is_some(),
    };
    refuse(errors)?;
    let then = editor_url(&code, "#automation");
    edit(
        &code,
        version,
        revision,
        DraftEdit::Automation(automation),
        then,
    )
    .await
}

/// Add a field (labels `label[LANG]`); then to its own page for the rest.
#[server(prefix = "/fn", endpoint = "add_service_field")]
pub async fn add_service_field(
    code: String,
    version: i64,
    revision: i64,
    name: String,
    kind: String,
    #[server(default)] label: BTreeMap<String, String>,
) -> Result<(), AppError> {
    use crate::domain::{FieldError, FieldType, LocalText};
    let kind = FieldType::parse(&kind).ok_or_else(|| {
        AppError::Invalid([("kind".to_string(), FieldError::InvalidChoice)].into())
    })?;
    let name = name.trim().to_string();
    let label = LocalText(
        label
            .into_iter()
            .map(|(l, t)| (l, t.trim().to_string()))
            .filter(|(_, t)| !t.is_empty())
            .collect(),
    );
    let then = format!(
        "/staff/admin/services/{}/fields/{}",
        urlencoding::encode(&code),
        urlencoding::encode(&name)
    );
    edit(
        &code,
        version,
        revision,
        DraftEdit::AddField { name, kind, label },
        then,
    )
    .await
}

/// Save one field: everything its page edits.
#[server(prefix = "/fn", endpoint = "save_service_field")]
pub async fn save_service_field(
    code: String,
    version: i64,
    revision: i64,
    original: String,
    name: String,
    kind: String,
    #[server(default)] label: BTreeMap<String, String>,
    #[server(default)] help: BTreeMap<String, String>,
    #[server(default)] required: Option<String>,
    #[server(default)] min: String,
    #[server(default)] max: String,
    #[server(default)] earliest: String,
    #[server(default)] latest: String,
    #[server(default)] max_chars: String,
    #[server(default)] options: String,
    #[server(default)] show_if_field: String,
    #[server(default)] show_if_equals: String,
    // Files: the kinds taken (`accept[MIME]=on`), the largest file in MB, how many.
    #[server(default)] accept: BTreeMap<String, String>,
    #[server(default)] max_mb: String,
    #[server(default)] max_files: String,
) -> Result<(), AppError> {
    use crate::domain::fields::ShowIf;
    use crate::domain::service_draft::parse_options;
    use crate::domain::{FieldError, FieldSpec, FieldType, LocalText};
    let mut errors = crate::domain::FieldErrors::new();
    let kind = FieldType::parse(&kind).unwrap_or_else(|| {
        errors.insert("kind".into(), FieldError::InvalidChoice);
        FieldType::Text
    });
    let text = |m: BTreeMap<String, String>| {
        LocalText(
            m.into_iter()
                .map(|(l, t)| (l, t.trim().to_string()))
                .filter(|(_, t)| !t.is_empty())
                .collect(),
        )
    };
    let help = text(help);
    let date = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let (taka, staff, lang) = ctx::staff().await?;
    let langs = taka.service_draft(&staff, &code, lang).await?.langs;
    let langs: Vec<&str> = langs.iter().map(String::as_str).collect();
    let field = FieldSpec {
        name: name.trim().to_string(),
        label: text(label),
        help: (!help.0.is_empty()).then_some(help),
        kind,
        required: required.is_some(),
        options: if kind.has_options() {
            parse_options(&options, &langs)
        } else {
            Vec::new()
        },
        min: number("min", &min, &mut errors).filter(|_| kind == FieldType::Number),
        max: number("max", &max, &mut errors).filter(|_| kind == FieldType::Number),
        max_chars: number("max_chars", &max_chars, &mut errors)
            .filter(|_| matches!(kind, FieldType::Text | FieldType::LongText)),
        earliest: date(earliest).filter(|_| kind == FieldType::Date),
        latest: date(latest).filter(|_| kind == FieldType::Date),
        show_if: (!show_if_field.trim().is_empty()).then(|| ShowIf {
            field: show_if_field.trim().to_string(),
            equals: show_if_equals.trim().to_string(),
        }),
        accept: if kind == FieldType::File {
            accept.into_keys().collect()
        } else {
            Vec::new()
        },
        max_bytes: number::<u64>("max_mb", &max_mb, &mut errors)
            .filter(|_| kind == FieldType::File)
            .map(|mb| mb.clamp(1, 100) * 1_000_000),
        max_files: number::<u32>("max_files", &max_files, &mut errors)
            .filter(|_| kind == FieldType::File)
            .map(|n| n.clamp(1, 20)),
        max_total_bytes: None,
    };
    refuse(errors)?;
    let then = editor_url(&code, "#fields");
    taka.edit_service(
        &staff,
        &code,
        version,
        revision,
        DraftEdit::SaveField {
            original,
            field: Box::new(field),
        },
    )
    .await?;
    leptos_axum::redirect(&then);
    Ok(())
}

/// Move a field one place up or down (`dir` `up` or `down`).
#[server(prefix = "/fn", endpoint = "move_service_field")]
pub async fn move_service_field(
    code: String,
    version: i64,
    revision: i64,
    name: String,
    dir: String,
) -> Result<(), AppError> {
    let then = editor_url(&code, "#fields");
    let e = DraftEdit::MoveField {
        name,
        up: dir == "up",
    };
    edit(&code, version, revision, e, then).await
}

/// Remove a field from the draft.
#[server(prefix = "/fn", endpoint = "remove_service_field")]
pub async fn remove_service_field(
    code: String,
    version: i64,
    revision: i64,
    name: String,
) -> Result<(), AppError> {
    let then = editor_url(&code, "#fields");
    edit(
        &code,
        version,
        revision,
        DraftEdit::RemoveField { name },
        then,
    )
    .await
}

/// Publish the draft as the next version.
#[server(prefix = "/fn", endpoint = "publish_service")]
pub async fn publish_service(code: String, version: i64, revision: i64) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    let next = taka
        .publish_service(&staff, &code, version, revision)
        .await?;
    leptos_axum::redirect(&format!("{}?published={next}", editor_url(&code, "")));
    Ok(())
}

/// Withdraw from the catalogue (`listed` empty) or list again (`listed=1`).
#[server(prefix = "/fn", endpoint = "set_service_listed")]
pub async fn set_service_listed(
    code: String,
    #[server(default)] listed: String,
) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    taka.set_service_listed(&staff, &code, !listed.is_empty())
        .await?;
    leptos_axum::redirect(&editor_url(&code, ""));
    Ok(())
}

/// Discard the draft (a never-published service goes altogether).
#[server(prefix = "/fn", endpoint = "discard_service_draft")]
pub async fn discard_service_draft(code: String, revision: i64) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    let gone = taka
        .service_draft(&staff, &code, crate::domain::Lang::Lv)
        .await?
        .version
        == 0;
    taka.discard_draft(&staff, &code, revision).await?;
    leptos_axum::redirect(&if gone {
        "/staff/admin/services".to_string()
    } else {
        editor_url(&code, "")
    });
    Ok(())
}
