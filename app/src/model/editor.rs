//! Views of the service editor (`ui::editor`, `fns::editor`).

use crate::domain::service_draft::{Change, ServiceDraft};
use serde::{Deserialize, Serialize};

/// Where a service stands in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    /// Never published: only its editors see it.
    Draft,
    /// In the catalogue.
    Published,
    /// Out of the catalogue; its open requests go on.
    Withdrawn,
}

impl ServiceState {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceState::Draft => "draft",
            ServiceState::Published => "published",
            ServiceState::Withdrawn => "withdrawn",
        }
    }
}

/// One service in the editor's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditableService {
    pub code: String,
    pub name: String,
    pub state: ServiceState,
    /// The published version (0: never published).
    pub version: i64,
    /// Unpublished changes exist.
    pub changed: bool,
}

/// The editor's page: the draft (or the published service when nobody has changed it yet)
/// and what the forms offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftView {
    pub code: String,
    pub state: ServiceState,
    /// The published version the draft is based on (0: never published).
    pub version: i64,
    /// The draft's revision (0: no changes yet); every edit names it.
    pub revision: i64,
    pub changed: bool,
    pub draft: ServiceDraft,
    /// Languages the institution offers, Latvian first.
    pub langs: Vec<String>,
    /// Life situations `(code, name)`.
    pub situations: Vec<(String, String)>,
    /// Business calendar codes a service may run on.
    pub calendars: Vec<String>,
    /// Requests made to this service (a service with requests is withdrawn, not deleted).
    pub requests: i64,
}

/// One published version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRow {
    pub version: i64,
    pub published_at_text: String,
    pub published_by: Option<String>,
}

/// The versions of a service and the differences between two of them (`to` 0: the draft).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionsView {
    pub code: String,
    pub name: String,
    pub versions: Vec<VersionRow>,
    pub changed: bool,
    pub from: i64,
    pub to: i64,
    pub changes: Vec<Change>,
    /// One of the two was published before the editor existed: only its form is known.
    pub fields_only: bool,
}

/// An institution's settings page (`ui::institution`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstitutionSettings {
    pub code: String,
    /// Languages offered, Latvian first.
    pub languages: Vec<String>,
    /// Per language.
    pub names: std::collections::BTreeMap<String, String>,
    pub contacts: std::collections::BTreeMap<String, String>,
    pub signatures: std::collections::BTreeMap<String, String>,
    pub calendar: CalendarView,
    /// The year whose exceptions `calendar.days` lists.
    pub year: i32,
}

/// The business calendar an institution uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarView {
    pub code: String,
    pub time_zone: String,
    /// Working hours Monday..Sunday, `HH:MM-HH:MM`, empty for a day off.
    pub week: Vec<String>,
    /// Used by other institutions too: the first edit makes this institution its own copy.
    pub shared: bool,
    /// Exceptions of the year: day, kind (`holiday`, `working`), hours, note.
    pub days: Vec<(String, String, Option<String>, Option<String>)>,
}
