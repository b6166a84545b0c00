//! The browser entry. Pages are rendered on the server; only the islands (the parts people
//! act on: the request form, tracking actions, staff actions) hydrate.

#[allow(unused_imports)]
use app::ui::islands as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
