//! Registering a request for a visitor at the desk.

use super::RequireStaff;
use crate::fns::{SubmitRequest, get_service, my_services};
use crate::i18n::*;
use crate::ui::common::{ErrorNotice, no_js_error};
use crate::ui::islands::{IslandScripts, RequestFormIsland};
use leptos::prelude::*;
use leptos_i18n::{t, t_string};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn InPersonPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|_user| view! { <InPersonForm /> } /> }
}

#[component]
fn InPersonForm() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let chosen = Memo::new(move |_| query.read().get("service").unwrap_or_default());
    let services = Resource::new(|| (), |_| my_services());
    let service = Resource::new(
        move || chosen.get(),
        |code| async move {
            if code.is_empty() {
                None
            } else {
                Some(get_service(code).await)
            }
        },
    );
    view! {
        <Title text=t_string!(i18n, staff.in_person_title).to_string() />
        <h1>{t!(i18n, staff.in_person_title)}</h1>
        <p>{t!(i18n, staff.in_person_intro)}</p>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                let list = match services.await {
                    Ok(l) => l,
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let current = chosen.get_untracked();
                let chooser = view! {
                    <form method="get" action="/staff/new" class="inline-form">
                        <div class="field">
                            <label for="svc">{t!(i18n, staff.choose_service)}</label>
                            <select id="svc" name="service" required=true>
                                <option value="">{t!(i18n, common.choose)}</option>
                                {list.iter().map(|(code, name)| view! {
                                    <option value=code.clone() selected=*code == current>{name.clone()}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <button type="submit" class="button">{t!(i18n, staff.next_step)}</button>
                    </form>
                };
                let form = match service.await {
                    Some(Ok(s)) => Some(view! { <h2>{s.name.clone()}</h2><RequestFormIsland service=s in_person=true initial_error={no_js_error::<SubmitRequest>()} pending=Vec::new() contact=None /><IslandScripts /> }.into_any()),
                    Some(Err(e)) => Some(view! { <ErrorNotice error=e /> }.into_any()),
                    None => None,
                };
                view! { {chooser} {form} }.into_any()
            })}
        </Suspense>
    }
}
