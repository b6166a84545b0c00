//! Staff: accounts, sessions, scope, the work queue and acting on requests.

use super::requests::{ActingAs, RequestRow};
use super::{Taka, catalogue::parse_fields, local_date_string, new_token, sha256_hex};
use crate::domain::{Action, Actor, Channel, Lang, Role, Status, lifecycle};
use crate::error::AppError;
use crate::model::{Queue, QueueFilter, QueueItem, SessionUser, StaffMember, StaffRequestView};
use crate::server::error::{ServiceError, ServiceResult};

/// How long a staff session lasts without signing in again.
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// Failed sign-ins allowed per user name within `SIGN_IN_WINDOW_SECONDS`; past that the
/// password is not even checked until the window has moved on.
pub const SIGN_IN_MAX_FAILURES: i64 = 10;
pub const SIGN_IN_WINDOW_SECONDS: i64 = 15 * 60;

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

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    password_hash: String,
    role: String,
    institution_id: i64,
    inst_code: String,
    inst_name: String,
}

const USER_SELECT: &str = "
    SELECT u.id, u.username, u.display_name, u.password_hash, u.role, u.institution_id,
           i.code AS inst_code, COALESCE(it.name, il.name) AS inst_name
    FROM users u JOIN institutions i ON i.id = u.institution_id
    JOIN institution_texts il ON il.institution_id = i.id AND il.lang = 'lv'
    LEFT JOIN institution_texts it ON it.institution_id = i.id AND it.lang = $2";

/// Where the staff queue's filters apply: scope first, then the user's choices.
/// Parameters: $1 lang, $2 scoped-to-services flag, $3 user id, $4 institution id,
/// $5 status or '', $6 service code or '', $7 mine flag, $8 include-finished flag.
const QUEUE_FROM: &str = "
    FROM requests r
    JOIN services s ON s.id = r.service_id
    JOIN service_texts sl ON sl.service_id = s.id AND sl.lang = 'lv'
    LEFT JOIN service_texts st ON st.service_id = s.id AND st.lang = $1
    LEFT JOIN users a ON a.id = r.assignee_id
    WHERE (($2 = 1 AND r.service_id IN (SELECT service_id FROM user_services WHERE user_id = $3))
           OR ($2 = 0 AND r.institution_id = $4))
      AND ($5 = '' OR r.status = $5)
      AND ($6 = '' OR s.code = $6)
      AND ($7 = 0 OR r.assignee_id = $3)
      AND ($8 = 1 OR r.status NOT IN ('closed', 'withdrawn', 'refused', 'fulfilled'))";

const QUEUE_COLUMNS: &str = "SELECT r.reference, s.code AS service_code, COALESCE(st.name, sl.name) AS service_name,
    r.status, r.channel, r.contact_name, a.display_name AS assignee, r.submitted_at, r.updated_at, r.due_at,
    r.sla_stage, r.stage_started_at, r.stage_due_at, r.stage_budget, r.risk_at, r.paused_at,
    r.paused_remaining, r.sla_alert, r.sla_breached, r.sla_done_at";

#[derive(sqlx::FromRow)]
struct QueueRow {
    reference: String,
    service_code: String,
    service_name: String,
    status: String,
    channel: String,
    contact_name: String,
    assignee: Option<String>,
    submitted_at: i64,
    updated_at: i64,
    due_at: i64,
    #[sqlx(flatten)]
    clock: super::sla::ClockRow,
}

impl From<QueueRow> for QueueItem {
    fn from(r: QueueRow) -> Self {
        let clock = r.clock.clock();
        let now = super::now();
        QueueItem {
            sla_state: clock.state(now),
            stage_due: clock
                .due_at
                .filter(|_| clock.stage.is_some())
                .map(super::local_time_string),
            stage_due_iso: clock
                .due_at
                .filter(|_| clock.stage.is_some())
                .map(super::rfc3339),
            reference: r.reference,
            service_code: r.service_code,
            service_name: r.service_name,
            status: Status::parse(&r.status).unwrap_or(Status::Submitted),
            channel: Channel::parse(&r.channel).unwrap_or(Channel::Web),
            contact_name: r.contact_name,
            assignee: r.assignee,
            submitted_on: super::local_date_string(r.submitted_at),
            due_on: super::local_date_string(r.due_at),
            overdue: clock.state(now) == crate::domain::SlaState::Breached,
            submitted_at: r.submitted_at,
            updated_at: r.updated_at,
            due_at: r.due_at,
        }
    }
}

/// Binds the queue's scope parameters ($1–$4) and filters ($5–$8) in one place.
struct QueueScope<'a> {
    lang: &'a str,
    ctx: &'a StaffContext,
}

impl<'a> QueueScope<'a> {
    fn query<O>(
        &self,
        sql: &'a str,
        status: &'a str,
        service: &'a str,
        mine: bool,
        all: bool,
    ) -> sqlx::query::QueryAs<'a, sqlx::Any, O, sqlx::any::AnyArguments<'a>>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_as(sql)
            .bind(self.lang)
            .bind(i64::from(self.ctx.user.role.scoped_to_services()))
            .bind(self.ctx.user.id)
            .bind(self.ctx.institution_id)
            .bind(status)
            .bind(service)
            .bind(i64::from(mine))
            .bind(i64::from(all))
    }
}

/// Hash a password with Argon2id, off the async runtime.
pub async fn hash_password(password: String) -> ServiceResult<String> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Internal(format!("hashing: {e}")))
    })
    .await
    .map_err(|e| ServiceError::Internal(e.to_string()))?
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        PasswordHash::new(&hash)
            .map(|h| {
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A valid hash of a random password: verifying against it costs as much as a real check,
/// so a missing user name takes as long to refuse as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2xWk0Dr1Hn4y4dWxSkaT6lJsb3Hj2gQ2y0qXQ2W8c4k";

impl Taka {
    /// Check a user name and password; on success open a session and return its token.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> ServiceResult<(String, SessionUser)> {
        let username = username.trim();
        let at = self.now();
        let (failures,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM sign_in_failures WHERE username = $1 AND at > $2")
                .bind(username)
                .bind(at - SIGN_IN_WINDOW_SECONDS)
                .fetch_one(&self.db.read)
                .await?;
        if failures >= SIGN_IN_MAX_FAILURES {
            return Err(AppError::TooManyAttempts.into());
        }
        let sql = format!("{USER_SELECT} WHERE u.username = $1 AND u.active = 1");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(username)
            .bind(Lang::Lv.code())
            .fetch_optional(&self.db.read)
            .await?;
        let hash = row
            .as_ref()
            .map(|r| r.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.to_string());
        let ok = verify_password(password.to_string(), hash).await;
        let Some(row) = row.filter(|_| ok) else {
            sqlx::query("INSERT INTO sign_in_failures (username, at) VALUES ($1, $2)")
                .bind(username)
                .bind(at)
                .execute(&self.db.write)
                .await?;
            return Err(AppError::BadCredentials.into());
        };
        let token = new_token();
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(at)
            .execute(&self.db.write)
            .await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE username = $1 OR at < $2")
            .bind(username)
            .bind(at - SIGN_IN_WINDOW_SECONDS)
            .execute(&self.db.write)
            .await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(sha256_hex(&token))
            .bind(row.id)
            .bind(at)
            .bind(at + SESSION_SECONDS)
            .execute(&self.db.write)
            .await?;
        let user = session_user(&row);
        Ok((token, user))
    }

    pub async fn sign_out(&self, token: &str) -> ServiceResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(sha256_hex(token))
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    /// The staff context behind a session token, if the session is valid.
    pub async fn staff_for_session(
        &self,
        token: &str,
        lang: Lang,
    ) -> ServiceResult<Option<StaffContext>> {
        if token.len() != 64 {
            return Ok(None);
        }
        let sql = format!(
            "{USER_SELECT} JOIN sessions se ON se.user_id = u.id
             WHERE se.token_hash = $1 AND se.expires_at > $3 AND u.active = 1"
        );
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(sha256_hex(token))
            .bind(lang.code())
            .bind(self.now())
            .fetch_optional(&self.db.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        self.context_from_row(row).await.map(Some)
    }

    /// The staff context of an active user (for API tokens).
    pub(crate) async fn staff_context_for_user(
        &self,
        user_id: i64,
        lang: Lang,
    ) -> ServiceResult<Option<StaffContext>> {
        let sql = format!("{USER_SELECT} WHERE u.id = $1 AND u.active = 1");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(user_id)
            .bind(lang.code())
            .fetch_optional(&self.db.read)
            .await?;
        match row {
            Some(row) => self.context_from_row(row).await.map(Some),
            None => Ok(None),
        }
    }

    async fn context_from_row(&self, row: UserRow) -> ServiceResult<StaffContext> {
        let service_ids: Vec<(i64,)> =
            sqlx::query_as("SELECT service_id FROM user_services WHERE user_id = $1")
                .bind(row.id)
                .fetch_all(&self.db.read)
                .await?;
        Ok(StaffContext {
            institution_id: row.institution_id,
            service_ids: service_ids.into_iter().map(|(id,)| id).collect(),
            user: session_user(&row),
        })
    }

    /// Create a staff account. Providers and owners need at least one service of their institution.
    pub async fn create_user(&self, new: NewUser) -> ServiceResult<i64> {
        let mut errors = crate::domain::FieldErrors::new();
        let username = new.username.trim().to_string();
        if username.is_empty() || username.len() > 64 || username.chars().any(char::is_whitespace) {
            errors.insert("username".into(), crate::domain::FieldError::Required);
        }
        if new.password.chars().count() < 10 {
            errors.insert(
                "password".into(),
                crate::domain::FieldError::TooShort { min: 10 },
            );
        }
        let inst: Option<(i64,)> = sqlx::query_as("SELECT id FROM institutions WHERE code = $1")
            .bind(&new.institution_code)
            .fetch_optional(&self.db.read)
            .await?;
        let Some((institution_id,)) = inst else {
            errors.insert(
                "institution".into(),
                crate::domain::FieldError::InvalidChoice,
            );
            return Err(AppError::Invalid(errors).into());
        };
        let mut service_ids = Vec::new();
        for code in &new.service_codes {
            let found: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM services WHERE code = $1 AND institution_id = $2")
                    .bind(code)
                    .bind(institution_id)
                    .fetch_optional(&self.db.read)
                    .await?;
            match found {
                Some((id,)) => service_ids.push(id),
                None => {
                    errors.insert("services".into(), crate::domain::FieldError::InvalidChoice);
                }
            }
        }
        if new.role.scoped_to_services() && service_ids.is_empty() {
            errors.insert("services".into(), crate::domain::FieldError::Required);
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }
        let hash = hash_password(new.password.clone()).await?;
        let mut tx = self.db.write.begin().await?;
        let inserted: Result<(i64,), sqlx::Error> = sqlx::query_as(
            "INSERT INTO users (username, display_name, email, password_hash, role, institution_id, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7) RETURNING id",
        )
        .bind(&username)
        .bind(new.display_name.trim())
        .bind(&new.email)
        .bind(&hash)
        .bind(new.role.as_str())
        .bind(institution_id)
        .bind(self.now())
        .fetch_one(&mut *tx)
        .await;
        let (id,) = match inserted {
            Ok(v) => v,
            Err(e) if crate::server::db::is_unique_violation(&e) => {
                errors.insert("username".into(), crate::domain::FieldError::Taken);
                return Err(AppError::Invalid(errors).into());
            }
            Err(e) => return Err(e.into()),
        };
        for sid in service_ids {
            sqlx::query("INSERT INTO user_services (user_id, service_id) VALUES ($1, $2)")
                .bind(id)
                .bind(sid)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The work queue: requests in the user's scope, filtered.
    pub async fn queue(
        &self,
        ctx: &StaffContext,
        filter: &QueueFilter,
        lang: Lang,
    ) -> ServiceResult<Queue> {
        let status = filter.status.map(Status::as_str).unwrap_or("");
        let service = filter.service.clone().unwrap_or_default();
        let list_sql = format!(
            "{QUEUE_COLUMNS} {QUEUE_FROM} ORDER BY r.submitted_at DESC, r.id DESC LIMIT 200"
        );
        let newest_sql =
            format!("{QUEUE_COLUMNS} {QUEUE_FROM} ORDER BY r.submitted_at DESC, r.id DESC LIMIT 1");
        let oldest_sql =
            format!("{QUEUE_COLUMNS} {QUEUE_FROM} ORDER BY r.submitted_at ASC, r.id ASC LIMIT 1");
        let count_sql = format!("SELECT COUNT(*) {QUEUE_FROM}");
        let scope = QueueScope {
            lang: lang.code(),
            ctx,
        };
        let items: Vec<QueueItem> = scope
            .query::<QueueRow>(&list_sql, status, &service, filter.mine, filter.all)
            .fetch_all(&self.db.read)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        // At a glance, whatever the filter: the newest request and the one waiting longest.
        let newest = scope
            .query::<QueueRow>(&newest_sql, "", "", false, true)
            .fetch_optional(&self.db.read)
            .await?
            .map(Into::into);
        let oldest_open = scope
            .query::<QueueRow>(&oldest_sql, "", "", false, false)
            .fetch_optional(&self.db.read)
            .await?
            .map(Into::into);
        let (total_open,) = scope
            .query::<(i64,)>(&count_sql, "", "", false, false)
            .fetch_one(&self.db.read)
            .await?;
        let services = self.services_in_scope(ctx, lang).await?;
        Ok(Queue {
            items,
            total_open,
            oldest_open,
            newest,
            services,
        })
    }

    /// Services the user works on (for filters and the in-person form).
    pub async fn services_in_scope(
        &self,
        ctx: &StaffContext,
        lang: Lang,
    ) -> ServiceResult<Vec<(String, String)>> {
        let rows: Vec<(i64, i64, String, String)> = sqlx::query_as(
            "SELECT s.id, s.institution_id, s.code, COALESCE(st.name, sl.name)
             FROM services s
             JOIN service_texts sl ON sl.service_id = s.id AND sl.lang = 'lv'
             LEFT JOIN service_texts st ON st.service_id = s.id AND st.lang = $1
             WHERE s.active = 1 ORDER BY 4",
        )
        .bind(lang.code())
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .filter(|(id, inst, _, _)| ctx.can_see(*id, *inst))
            .map(|(_, _, code, name)| (code, name))
            .collect())
    }

    async fn load_in_scope(
        &self,
        ctx: &StaffContext,
        reference: &str,
    ) -> ServiceResult<RequestRow> {
        let row = self.load_request(reference.trim()).await?;
        if !ctx.can_see(row.service_id, row.institution_id) {
            return Err(AppError::Forbidden.into());
        }
        Ok(row)
    }

    /// Everything staff see on a request page; only actions the role allows are listed.
    pub async fn staff_request(
        &self,
        ctx: &StaffContext,
        reference: &str,
        lang: Lang,
    ) -> ServiceResult<StaffRequestView> {
        let row = self.load_in_scope(ctx, reference).await?;
        let status = row.status()?;
        let (service_name, institution_name) = self.names_for(&row.service_code, lang).await?;
        let schema = parse_fields(&row.fields_json)?;
        let values: std::collections::BTreeMap<String, String> =
            serde_json::from_str(&row.values_json).unwrap_or_default();
        let values = schema
            .iter()
            .filter_map(|f| {
                values.get(&f.name).map(|v| {
                    let shown = f
                        .options
                        .iter()
                        .find(|o| &o.value == v)
                        .map(|o| o.label.get(lang).to_string())
                        .unwrap_or_else(|| v.clone());
                    (f.label.get(lang).to_string(), shown)
                })
            })
            .collect();
        let colleagues = self.colleagues(row.service_id, row.institution_id).await?;
        let assignee = row
            .assignee_id
            .and_then(|id| colleagues.iter().find(|c| c.id == id).cloned());
        let assignee = match (assignee, row.assignee_id) {
            (Some(a), _) => Some(a),
            (None, Some(id)) => self.staff_member(id).await?,
            (None, None) => None,
        };
        let rating: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT score, comment FROM feedback WHERE request_id = $1")
                .bind(row.id)
                .fetch_optional(&self.db.read)
                .await?;
        let owner: Option<(String,)> = sqlx::query_as(
            "SELECT u.display_name FROM services s JOIN users u ON u.id = s.owner_user_id WHERE s.id = $1",
        )
        .bind(row.service_id)
        .fetch_optional(&self.db.read)
        .await?;
        let sla = self
            .sla_view(
                row.institution_id,
                row.service_id,
                &row.clock.clock(),
                row.due_at,
            )
            .await?;
        let actions = if ctx.user.role.handles_requests() {
            lifecycle::available_actions(status, ctx.actor())
        } else {
            Vec::new()
        };
        Ok(StaffRequestView {
            reference: row.reference.clone(),
            version: row.version,
            service_code: row.service_code.clone(),
            service_name,
            institution_name,
            channel: Channel::parse(&row.channel).unwrap_or(Channel::Web),
            lang: Lang::parse(&row.lang).unwrap_or_default(),
            contact_name: row.contact_name.clone(),
            contact_email: row.contact_email.clone(),
            contact_phone: row.contact_phone.clone(),
            values,
            status,
            stage: status.stage(),
            assignee,
            service_owner: owner.map(|o| o.0),
            decision_reason: row.decision_reason.clone(),
            result: row.result.clone(),
            rating: rating.as_ref().map(|r| r.0),
            rating_comment: rating.and_then(|r| r.1),
            submitted_at: row.submitted_at,
            submitted_on: local_date_string(row.submitted_at),
            due_at: row.due_at,
            expected_by: sla.expected_on.clone(),
            overdue: matches!(sla.state, crate::domain::SlaState::Breached),
            sla,
            deliveries: self.deliveries(row.id).await?,
            timeline: self.timeline(row.id, false).await?,
            actions,
            colleagues: colleagues
                .into_iter()
                .filter(|c| c.id != ctx.user.id)
                .collect(),
            can_assign_others: lifecycle::apply(
                status,
                &Action::Assign { to_self: false },
                ctx.actor(),
            )
            .is_ok(),
        })
    }

    /// Staff who can take a request of this service: its providers and owner, and the
    /// institution's portfolio owners.
    async fn colleagues(
        &self,
        service_id: i64,
        institution_id: i64,
    ) -> ServiceResult<Vec<StaffMember>> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT u.id, u.display_name, u.role FROM users u
             WHERE u.active = 1 AND (
                 u.id IN (SELECT user_id FROM user_services WHERE service_id = $1)
                 OR (u.role = 'portfolio_owner' AND u.institution_id = $2))
             ORDER BY u.display_name",
        )
        .bind(service_id)
        .bind(institution_id)
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, display_name, role)| {
                Role::parse(&role)
                    .filter(|r| r.handles_requests())
                    .map(|role| StaffMember {
                        id,
                        display_name,
                        role,
                    })
            })
            .collect())
    }

    async fn staff_member(&self, id: i64) -> ServiceResult<Option<StaffMember>> {
        let row: Option<(i64, String, String)> =
            sqlx::query_as("SELECT id, display_name, role FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.db.read)
                .await?;
        Ok(row.and_then(|(id, display_name, role)| {
            Role::parse(&role).map(|role| StaffMember {
                id,
                display_name,
                role,
            })
        }))
    }

    /// A staff member acts on a request. `version` is the one their page showed, so a
    /// change made meanwhile by someone else is refused instead of overwritten.
    pub async fn staff_act(
        &self,
        ctx: &StaffContext,
        reference: &str,
        version: i64,
        action: Action,
        target_user: Option<i64>,
    ) -> ServiceResult<Status> {
        let row = self.load_in_scope(ctx, reference).await?;
        let needs_target = matches!(
            action,
            Action::Assign { to_self: false } | Action::Escalate { .. }
        );
        let target = if needs_target {
            let colleagues = self.colleagues(row.service_id, row.institution_id).await?;
            match target_user.filter(|t| colleagues.iter().any(|c| c.id == *t)) {
                Some(t) => Some(t),
                None => {
                    // Check the role first, so a provider learns they may not, not that a name is missing.
                    lifecycle::apply(row.status()?, &action, ctx.actor())?;
                    let mut errors = crate::domain::FieldErrors::new();
                    errors.insert("assignee".into(), crate::domain::FieldError::Required);
                    return Err(AppError::Invalid(errors).into());
                }
            }
        } else {
            None
        };
        let t = self
            .transition(&row, version, action, ctx.acting(), target)
            .await?;
        Ok(t.to)
    }
}

fn session_user(row: &UserRow) -> SessionUser {
    SessionUser {
        id: row.id,
        username: row.username.clone(),
        display_name: row.display_name.clone(),
        role: Role::parse(&row.role).unwrap_or(Role::Provider),
        institution_code: row.inst_code.clone(),
        institution_name: row.inst_name.clone(),
    }
}

impl Taka {
    /// Messages about a request and how their delivery went (recipients partly hidden).
    pub(crate) async fn deliveries(
        &self,
        request_id: i64,
    ) -> ServiceResult<Vec<crate::model::Delivery>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            template: String,
            recipient: String,
            status: String,
            attempts: i64,
            last_error: Option<String>,
            created_at: i64,
            sent_at: Option<i64>,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT template, recipient, status, attempts, last_error, created_at, sent_at
             FROM outbox WHERE request_id = $1 ORDER BY id",
        )
        .bind(request_id)
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| crate::model::Delivery {
                recipient: mask_address(&r.recipient),
                template: r.template,
                status: r.status,
                attempts: r.attempts,
                last_error: r.last_error,
                created_text: super::local_time_string(r.created_at),
                sent_text: r.sent_at.map(super::local_time_string),
            })
            .collect())
    }

    /// A staff member's in-app notifications, newest first, and how many are unread.
    pub async fn notifications(
        &self,
        ctx: &StaffContext,
        lang: Lang,
    ) -> ServiceResult<(Vec<crate::model::StaffNotification>, i64)> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            kind: String,
            reference: Option<String>,
            service_name: Option<String>,
            detail: Option<String>,
            at: i64,
            read_at: Option<i64>,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT n.id, n.kind, r.reference, COALESCE(st.name, sl.name) AS service_name, n.detail, n.at, n.read_at
             FROM notifications n
             LEFT JOIN requests r ON r.id = n.request_id
             LEFT JOIN service_texts sl ON sl.service_id = n.service_id AND sl.lang = 'lv'
             LEFT JOIN service_texts st ON st.service_id = n.service_id AND st.lang = $2
             WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT 100",
        )
        .bind(ctx.user.id)
        .bind(lang.code())
        .fetch_all(&self.db.read)
        .await?;
        let (unread,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(ctx.user.id)
        .fetch_one(&self.db.read)
        .await?;
        Ok((
            rows.into_iter()
                .map(|r| crate::model::StaffNotification {
                    id: r.id,
                    kind: r.kind,
                    reference: r.reference,
                    service_name: r.service_name.unwrap_or_default(),
                    detail: r.detail,
                    at_text: super::local_time_string(r.at),
                    at_iso: super::rfc3339(r.at),
                    read: r.read_at.is_some(),
                })
                .collect(),
            unread,
        ))
    }

    /// Mark all of a staff member's notifications read.
    pub async fn mark_notifications_read(&self, ctx: &StaffContext) -> ServiceResult<u64> {
        Ok(sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
        )
        .bind(self.now())
        .bind(ctx.user.id)
        .execute(&self.db.write)
        .await?
        .rows_affected())
    }
}

/// `j***@example.lv`: enough for staff to recognise an address, not to copy it.
fn mask_address(a: &str) -> String {
    match a.split_once('@') {
        Some((user, domain)) => {
            let first: String = user.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}
