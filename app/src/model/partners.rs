//! Partner systems and their webhooks, as the partners page shows them.

use serde::{Deserialize, Serialize};

/// A partner system on the partners page (`/staff/admin/partners`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerView {
    pub id: i64,
    pub name: String,
    /// The key's first characters, to recognise it.
    pub key_hint: String,
    pub created_text: String,
    pub last_used_text: Option<String>,
    pub revoked: bool,
    /// Codes of the services it may submit to and hear about.
    pub services: Vec<String>,
    pub webhooks: Vec<WebhookView>,
}

/// A partner's webhook, as the partner and the partners page see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub services: Vec<String>,
    pub created_at: String,
    pub created_text: String,
}

/// A webhook delivery that gave up: it waits to be sent again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub id: i64,
    pub partner: String,
    pub url: String,
    pub event: String,
    pub event_id: String,
    pub reference: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_text: String,
}

/// Everything the partners page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnersPage {
    pub partners: Vec<PartnerView>,
    /// The institution's services one may choose: (code, name).
    pub services: Vec<(String, String)>,
    pub dead_letters: Vec<DeadLetter>,
}
