//! A signed-in requester and their requests, as pages and forms show them.

use crate::domain::Status;
use serde::{Deserialize, Serialize};

/// The person signed in through the institution's provider: what forms may be filled in
/// with. Never their personal code (only its keyed hash is kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RequesterView {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// One line of "My requests".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyRequest {
    pub reference: String,
    pub service_name: String,
    pub status: Status,
    pub submitted_on: String,
    /// The last visible change, as a local date and time.
    pub changed_at_text: String,
    /// Visible changes since the requester last opened the request.
    pub new_updates: i64,
}

/// "My requests": who is signed in, with their requests, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyRequests {
    pub requester: RequesterView,
    pub requests: Vec<MyRequest>,
    /// What the sign-in button names (the provider).
    pub provider: String,
}
