//! Institution settings and its business calendar (`ui::institution`).

use crate::error::AppError;
use crate::model::InstitutionSettings;
use leptos::prelude::*;
use std::collections::BTreeMap;

#[cfg(feature = "ssr")]
use super::ctx;

#[cfg(feature = "ssr")]
const PAGE: &str = "/staff/admin/institution";

/// The settings of the signed-in person's institution, with the calendar of `year`.
#[server(prefix = "/fn", endpoint = "institution_settings")]
pub async fn get_institution_settings(year: i32) -> Result<InstitutionSettings, AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    Ok(taka.institution_settings(&staff, year).await?)
}

/// Names, contacts and signatures per language (`names[LANG]`, ...), languages offered
/// (`languages[LANG]=on`).
#[server(prefix = "/fn", endpoint = "save_institution")]
pub async fn save_institution(
    #[server(default)] names: BTreeMap<String, String>,
    #[server(default)] contacts: BTreeMap<String, String>,
    #[server(default)] signatures: BTreeMap<String, String>,
    #[server(default)] languages: BTreeMap<String, String>,
) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    let languages: Vec<String> = languages.into_keys().collect();
    taka.save_institution_settings(&staff, &names, &contacts, &signatures, &languages)
        .await?;
    leptos_axum::redirect(&format!("{PAGE}?saved=1"));
    Ok(())
}

/// Usual working hours, `week[0]` (Monday) to `week[6]` (Sunday).
#[server(prefix = "/fn", endpoint = "save_week")]
pub async fn save_week(#[server(default)] week: BTreeMap<String, String>) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    let days: [String; 7] =
        std::array::from_fn(|i| week.get(&i.to_string()).cloned().unwrap_or_default());
    taka.set_institution_week(&staff, &days).await?;
    leptos_axum::redirect(&format!("{PAGE}?saved=1#calendar"));
    Ok(())
}

/// One day of the calendar: `kind` holiday, working (with `hours`) or normal.
#[server(prefix = "/fn", endpoint = "save_calendar_day")]
pub async fn save_calendar_day(
    day: String,
    kind: String,
    #[server(default)] hours: String,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    taka.set_institution_day(&staff, &day, &kind, Some(&hours), Some(&note))
        .await?;
    let year = day.get(..4).unwrap_or("");
    leptos_axum::redirect(&format!("{PAGE}?saved=1&year={year}#calendar"));
    Ok(())
}
