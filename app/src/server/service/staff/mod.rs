//! Staff: accounts, sessions, scope, the work queue and acting on requests.
//!
//! - `auth`: passwords, signing in and out, the staff context behind a session;
//! - `accounts`: creating staff accounts;
//! - `admin`: staff administration (invite, role, deactivate, reset links);
//! - `queue`: the work queue and the services in a user's scope;
//! - `request_page`: everything staff see on one request;
//! - `act`: a staff member acting on a request;
//! - `notifications`: in-app notifications.

mod accounts;
mod act;
mod admin;
mod auth;
mod notifications;
mod queue;
mod request_page;

pub use admin::{INVITE_SECONDS, LinkPurpose, RESET_SECONDS};
pub use auth::{Client, NOTICE_SECONDS, SESSION_SECONDS, hash_password};

use crate::domain::Role;

/// A new staff account (`taka create-user`, demo data).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password: String,
    pub role: Role,
    pub institution_code: String,
    pub service_codes: Vec<String>,
}
