//! Pages and components. Every text comes from `locales/*.json` through leptos_i18n.

pub mod admin;
mod analytics;
pub mod citizen;
mod common;
pub mod developers;
mod editor;
mod file_field;
mod institution;
pub mod islands;
pub mod my_requests;
mod partners;
pub mod privacy;
pub mod profile;
pub mod request_form;
mod staff;

use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::{t, t_string, td_string};
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::{SsrMode, path};

/// The HTML document around the app (rendered on the server only). The page is not
/// hydrated as a whole: only islands run in the browser, and only pages that have one load
/// the WASM (`islands::IslandScripts`).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    provide_context(islands::IslandsOnPage::default());
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#0b4f6c" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <MetaTags />
            </head>
            <body>
                <App />
                <islands::IslandLoader />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <I18nContextProvider cookie_name="i18n_pref_locale">
            <Stylesheet id="leptos" href="/pkg/taka.css" />
            <AppTitle />
            <Router>
                <SkipLink />
                <Header />
                <main id="main" tabindex="-1">
                    // Async: every page is rendered whole on the server, so it is complete
                    // without JavaScript (streamed Suspense chunks would need a script).
                    <Routes fallback=|| view! { <NotFound /> }>
                        <Route path=path!("/") view=citizen::HomePage ssr=SsrMode::Async />
                        <Route path=path!("/services") view=citizen::CataloguePage ssr=SsrMode::Async />
                        <Route path=path!("/services/:code") view=citizen::ServicePage ssr=SsrMode::Async />
                        <Route path=path!("/services/:code/request") view=citizen::RequestPage ssr=SsrMode::Async />
                        <Route path=path!("/receipt") view=citizen::ReceiptPage ssr=SsrMode::Async />
                        <Route path=path!("/track") view=citizen::TrackPage ssr=SsrMode::Async />
                        <Route path=path!("/track/data") view=privacy::MyDataPage ssr=SsrMode::Async />
                        <Route path=path!("/my") view=my_requests::MyRequestsPage ssr=SsrMode::Async />
                        <Route path=path!("/privacy") view=privacy::PrivacyPage ssr=SsrMode::Async />
                        <Route path=path!("/accessibility") view=privacy::AccessibilityPage ssr=SsrMode::Async />
                        <Route path=path!("/developers") view=developers::DevelopersPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/privacy") view=privacy::ViewsPage ssr=SsrMode::Async />
                        <Route path=path!("/staff") view=staff::StaffHome ssr=SsrMode::Async />
                        <Route path=path!("/staff/new") view=staff::InPersonPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/notifications") view=staff::NotificationsPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/requests/:reference") view=staff::StaffRequestPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/analytics") view=analytics::AnalyticsPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/analytics/requests") view=analytics::AnalyticsRequestsPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/profile") view=profile::ProfilePage ssr=SsrMode::Async />
                        <Route path=path!("/staff/admin/staff") view=admin::StaffAdminPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/admin/staff/:id") view=admin::StaffAccountPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/admin/audit") view=admin::AuditPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/admin/institution") view=institution::InstitutionPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/admin/partners") view=partners::PartnersPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/admin/services") view=editor::ServicesPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/admin/services/:code") view=editor::ServiceEditorPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/admin/services/:code/fields/:name") view=editor::FieldPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/admin/services/:code/preview") view=editor::PreviewPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/admin/services/:code/versions") view=editor::VersionsPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/welcome") view=admin::WelcomePage ssr=SsrMode::Async />
                        <Route path=path!("/staff/forgot") view=admin::ForgotPage ssr=SsrMode::Async />
                    </Routes>
                </main>
                <Footer />
            </Router>
        </I18nContextProvider>
    }
}

#[component]
fn AppTitle() -> impl IntoView {
    let i18n = use_i18n();
    // Every page has a title: "Page · Taka", or "Taka" where a page sets none.
    //
    // Titles are plain strings, never closures over signals: leptos_axum reads the title
    // after the page's reactive arena is gone, and a signal read there panicked the server
    // under concurrent load ("sandboxed-arenas ... no Arena is active").
    let name = t_string!(i18n, app.name).to_string();
    view! {
        <Title
            text=""
            formatter=move |page: String| if page.is_empty() { name.clone() } else { title_text(&format!("{page} · Taka")) }
        />
    }
}

/// leptos_meta 0.8 writes the `<title>` text into the page as it is, unescaped (a service
/// named `</title><script>…` would end the title and run): the one place we escape by hand.
/// Pages are rendered on the server only, so the browser never sets this text itself.
fn title_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[component]
fn SkipLink() -> impl IntoView {
    let i18n = use_i18n();
    view! { <a class="skip" href="#main">{t!(i18n, app.skip)}</a> }
}

#[component]
fn Header() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header class="site-header">
            <div class="bar">
                <A href="/" attr:class="brand">
                    <span class="logo" aria-hidden="true">"◆"</span>
                    {t!(i18n, app.name)}
                </A>
                <LanguageSwitcher />
            </div>
            <nav aria-label=move || t_string!(i18n, app.main_nav)>
                <ul>
                    <li><A href="/services">{t!(i18n, nav.services)}</A></li>
                    <li><A href="/track">{t!(i18n, nav.track)}</A></li>
                    {my_requests::sign_in_provider().is_some().then(|| view! {
                        <li><A href="/my">{t!(i18n, nav.my)}</A></li>
                    })}
                    <li><A href="/staff">{t!(i18n, nav.staff)}</A></li>
                </ul>
            </nav>
        </header>
    }
}

/// Plain links to `/lang/{code}`, which sets the language cookie and comes back here:
/// works without JavaScript, and every page is rendered in the chosen language.
#[component]
fn LanguageSwitcher() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let back = move || {
        let path = location.pathname.get();
        let search = location.search.get();
        let here = if search.is_empty() {
            path
        } else {
            format!("{path}?{search}")
        };
        urlencoding::encode(&here).into_owned()
    };
    let link = move |locale: Locale| {
        // Each language is named in itself, whichever language the page is in.
        let label = td_string!(locale, lang.name);
        view! {
            <li>
                <a
                    href=move || format!("/lang/{}?back={}", locale.as_str(), back())
                    rel="external"
                    hreflang=locale.as_str()
                    lang=locale.as_str()
                    aria-current=move || (i18n.get_locale() == locale).then_some("true")
                    title=label
                >
                    <span aria-hidden="true">{locale.as_str().to_uppercase()}</span>
                    <span class="visually-hidden">{label}</span>
                </a>
            </li>
        }
    };
    view! {
        <nav class="lang" aria-label=move || t_string!(i18n, app.language)>
            <ul>
                {offered_on_page().into_iter().map(link).collect_view()}
            </ul>
        </nav>
    }
}

/// The languages this page offers (decided by the server for each request; every
/// language where it has not, as in a test without the middleware).
fn offered_on_page() -> Vec<Locale> {
    #[cfg(feature = "ssr")]
    if let Some(langs) = use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<crate::server::web::PageLangs>().cloned())
    {
        return langs
            .offered
            .into_iter()
            .map(crate::i18n_text::locale)
            .collect();
    }
    crate::domain::Lang::ALL
        .into_iter()
        .map(crate::i18n_text::locale)
        .collect()
}

#[component]
fn Footer() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <footer class="site-footer">
            <p>{t!(i18n, app.footer)}</p>
            <nav aria-label=move || t_string!(i18n, app.footer_nav)>
                <ul class="inline-list">
                    <li><a href="/privacy">{t!(i18n, privacy.title)}</a></li>
                    <li><a href="/accessibility">{t!(i18n, accessibility.title)}</a></li>
                    <li><a href="/developers">{t!(i18n, developers.title)}</a></li>
                </ul>
            </nav>
        </footer>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(axum::http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text=t_string!(i18n, common.not_found_title).to_string() />
        <h1>{t!(i18n, common.not_found_title)}</h1>
        <p>{t!(i18n, common.not_found_text)}</p>
        <p><A href="/">{t!(i18n, common.go_home)}</A></p>
    }
}
