//! `/staff/admin/institution`: the institution's names, contacts and mail signature per
//! language, the languages it offers, and its business calendar (usual week, holidays and
//! transferred working days of a year). Portfolio owners and administrators.

use super::common::{ErrorNotice, TextArea, TextInput, no_js_error};
use super::editor::{field_err, lang_name};
use super::islands::PostForm;
use super::staff::RequireStaff;
use crate::domain::Lang;
use crate::fns::institution::{
    SaveCalendarDay, SaveInstitution, SaveWeek, get_institution_settings,
};
use crate::i18n::*;
use crate::model::InstitutionSettings;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_i18n::{t, t_string, td_string};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn InstitutionPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|_user| view! { <Institution /> } /> }
}

#[component]
fn Institution() -> impl IntoView {
    let i18n = use_i18n();
    let q = use_query_map().read_untracked().clone();
    let saved = q.get("saved").is_some();
    let this_year: i32 = chrono_year();
    let year = q
        .get("year")
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| (1900..=2200).contains(y))
        .unwrap_or(this_year);
    let data = Resource::new(move || year, get_institution_settings);
    view! {
        <Title text=t_string!(i18n, institution.title).to_string() />
        <h1>{t!(i18n, institution.title)}</h1>
        {saved.then(|| view! { <div class="notice ok" role="status"><p>{t!(i18n, institution.saved)}</p></div> })}
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(s) => view! { <Settings s=s /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// This year, by the server's clock where the page is made.
fn chrono_year() -> i32 {
    #[cfg(feature = "ssr")]
    {
        use chrono::Datelike;
        crate::server::service::local_date(crate::server::service::now()).year()
    }
    #[cfg(not(feature = "ssr"))]
    {
        2026
    }
}

#[component]
fn Settings(s: InstitutionSettings) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let error = no_js_error::<SaveInstitution>();
    let cal_error = no_js_error::<SaveWeek>().or_else(no_js_error::<SaveCalendarDay>);
    let langs: Vec<&'static str> = Lang::ALL.map(Lang::code).to_vec();
    let texts = langs
        .iter()
        .map(|lang| {
            let lang = *lang;
            let get = |m: &std::collections::BTreeMap<String, String>| m.get(lang).cloned().unwrap_or_default();
            view! {
                <fieldset lang=lang>
                    <legend>{lang_name(lang)}</legend>
                    <TextInput name=format!("names[{lang}]") required={lang == "lv"} label=t_string!(i18n, institution.name).to_string()
                        value=get(&s.names) autocomplete="off" error=field_err(&error, &format!("names[{lang}]")) />
                    <TextArea name=format!("contacts[{lang}]") label=t_string!(i18n, institution.contact).to_string() rows=3
                        value=get(&s.contacts) hint=None error=field_err(&error, &format!("contacts[{lang}]")) />
                    <TextArea name=format!("signatures[{lang}]") label=t_string!(i18n, institution.signature).to_string() rows=3
                        value=get(&s.signatures) hint=Some(t_string!(i18n, institution.signature_hint).to_string())
                        error=field_err(&error, &format!("signatures[{lang}]")) />
                </fieldset>
            }
        })
        .collect_view();
    let offered = langs
        .iter()
        .map(|lang| {
            let lang = *lang;
            let on = s.languages.iter().any(|o| o == lang);
            view! {
                <label class="choice" lang=lang>
                    <input type="checkbox" name=format!("languages[{lang}]") value="on" checked=on disabled={lang == "lv"} />
                    " " {lang_name(lang)}
                </label>
            }
        })
        .collect_view();
    let days = [
        td_string!(l, institution.mon),
        td_string!(l, institution.tue),
        td_string!(l, institution.wed),
        td_string!(l, institution.thu),
        td_string!(l, institution.fri),
        td_string!(l, institution.sat),
        td_string!(l, institution.sun),
    ];
    let cal = s.calendar.clone();
    let week = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            view! {
                <TextInput name=format!("week[{i}]") label=d.to_string() value=cal.week.get(i).cloned().unwrap_or_default()
                    autocomplete="off" error=field_err(&cal_error, &format!("week[{i}]")) />
            }
        })
        .collect_view();
    let kind_name = move |k: &str| match k {
        "holiday" => td_string!(l, institution.holiday).to_string(),
        _ => td_string!(l, institution.working).to_string(),
    };
    let year = s.year;
    view! {
        <section aria-labelledby="inst-h">
            <h2 id="inst-h">{t!(i18n, institution.settings)} " · " {s.code.clone()}</h2>
            {error.clone().filter(|e| e.field_errors().is_none()).map(|e| view! { <ErrorNotice error=e /> })}
            <PostForm action=SaveInstitution::PATH.to_string()>
                {texts}
                <fieldset class="field" aria-describedby="langs-hint">
                    <legend>{t!(i18n, institution.languages)}</legend>
                    <p class="hint" id="langs-hint">{t!(i18n, institution.languages_hint)}</p>
                    <input type="hidden" name="languages[lv]" value="on" />
                    {offered}
                </fieldset>
                <button type="submit" class="button primary">{t!(i18n, institution.save)}</button>
            </PostForm>
        </section>
        <section id="calendar" aria-labelledby="cal-h">
            <h2 id="cal-h">{t!(i18n, institution.calendar)}</h2>
            <p>{td_string!(l, institution.calendar_intro, code = cal.code.clone(), zone = cal.time_zone.clone())}</p>
            {cal.shared.then(|| view! { <p class="hint">{t!(i18n, institution.shared_note)}</p> })}
            {cal_error.clone().filter(|e| e.field_errors().is_none()).map(|e| view! { <ErrorNotice error=e /> })}
            <h3>{t!(i18n, institution.week)}</h3>
            <PostForm action=SaveWeek::PATH.to_string()>
                <p class="hint">{t!(i18n, institution.week_hint)}</p>
                <div class="week">{week}</div>
                <button type="submit" class="button primary">{t!(i18n, institution.save_week)}</button>
            </PostForm>
            <h3>{td_string!(l, institution.days_of, year = year)}</h3>
            <form method="get" action="/staff/admin/institution#calendar" class="filters">
                <div class="field">
                    <label for="cal-year">{t!(i18n, institution.year)}</label>
                    <input id="cal-year" name="year" inputmode="numeric" value=year.to_string() />
                </div>
                <button type="submit" class="button">{t!(i18n, institution.show)}</button>
            </form>
            <div class="table-wrap" role="region" aria-labelledby="days-cap" tabindex="0">
                <table data-testid="calendar-days">
                    <caption id="days-cap">{td_string!(l, institution.days_of, year = year)}</caption>
                    <thead><tr>
                        <th scope="col">{t!(i18n, institution.day)}</th>
                        <th scope="col">{t!(i18n, institution.kind)}</th>
                        <th scope="col">{t!(i18n, institution.hours)}</th>
                        <th scope="col">{t!(i18n, institution.note)}</th>
                    </tr></thead>
                    <tbody>
                        {cal.days.iter().map(|(day, kind, hours, note)| view! {
                            <tr>
                                <th scope="row">{day.clone()}</th>
                                <td>{kind_name(kind)}</td>
                                <td>{hours.clone()}</td>
                                <td>{note.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <h3>{t!(i18n, institution.set_day)}</h3>
            <PostForm action=SaveCalendarDay::PATH.to_string()>
                <TextInput name="day".into() kind="date" required=true label=t_string!(i18n, institution.day).to_string()
                    error=field_err(&cal_error, "day") />
                <div class="field">
                    <label for="cal-kind">{t!(i18n, institution.kind)}</label>
                    <select id="cal-kind" name="kind">
                        <option value="holiday">{t!(i18n, institution.holiday)}</option>
                        <option value="working">{t!(i18n, institution.working)}</option>
                        <option value="normal">{t!(i18n, institution.normal)}</option>
                    </select>
                </div>
                <TextInput name="hours".into() label=t_string!(i18n, institution.hours).to_string()
                    hint=t_string!(i18n, institution.hours_hint).to_string() autocomplete="off" error=field_err(&cal_error, "hours") />
                <TextInput name="note".into() label=t_string!(i18n, institution.note).to_string() autocomplete="off"
                    error=field_err(&cal_error, "note") />
                <button type="submit" class="button primary">{t!(i18n, institution.save_day)}</button>
            </PostForm>
        </section>
    }
}
