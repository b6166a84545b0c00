//! Staff: accounts, sessions, scope, the work queue and acting on requests.
//!
//! - `auth`: passwords, signing in and out, the staff context behind a session;
//! - `accounts`: creating staff accounts;
//! - `queue`: the work queue and the services in a user's scope;
//! - `request_page`: everything staff see on one request;
//! - `act`: a staff member acting on a request;
//! - `notifications`: in-app notifications.

mod accounts;
mod act;
mod auth;
mod notifications;
mod queue;
mod request_page;

pub use auth::{SESSION_SECONDS, hash_password};

use super::shared::ActingAs;
use crate::domain::{Actor, Role};
use crate::model::SessionUser;

/// A signed-in staff member and their scope. Built only from a valid session.
#[derive(Debug, Clone)]
pub struct StaffContext {
    pub user: SessionUser,
    pub institution_id: i64,
    /// The services a provider or service owner works on (empty for institution-wide roles).
    pub service_ids: Vec<i64>,
}

impl StaffContext {
    /// Whether a request of `service_id` in `institution_id` is inside this user's scope.
    pub fn can_see(&self, service_id: i64, institution_id: i64) -> bool {
        if self.user.role.scoped_to_services() {
            self.service_ids.contains(&service_id)
        } else {
            self.institution_id == institution_id
        }
    }
    fn actor(&self) -> Actor {
        Actor::Staff(self.user.role)
    }
    fn acting(&self) -> ActingAs {
        ActingAs {
            actor: self.actor(),
            user_id: Some(self.user.id),
        }
    }
}

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
