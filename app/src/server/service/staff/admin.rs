//! Staff administration by portfolio owners and administrators, within their own
//! institution: list colleagues, invite one by e-mail (a one-time link, 72 hours, to set a
//! password), change a role and service scope, deactivate (sessions and tokens end at once),
//! send a password-reset link; and the forgotten-password link anyone can ask for. Who may
//! do what is `domain::admin`; every change is in the audit log.

use super::accounts::{AccountDraft, AccountInput, NO_PASSWORD, account_json};
use super::auth::{check_new_password, hash_password};
use crate::domain::admin::{StaffChange, StaffRefusal, check_staff_change, may_administer};
use crate::domain::{FieldError, FieldErrors, Lang, Role};
use crate::error::AppError;
use crate::model::{StaffAccount, StaffInvite};
use crate::server::error::ServiceResult;
use crate::server::notify::{Mail, enqueue_mail};
use crate::server::service::shared::{AuditEntry, record_audit};
use crate::server::service::{Client, Limit, StaffContext, Taka, new_token, sha256_hex};

/// An invitation link works this long.
pub const INVITE_SECONDS: i64 = 72 * 3600;
/// A password-reset link works this long.
pub const RESET_SECONDS: i64 = 3600;

/// What a one-time link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    Invite,
    Reset,
}

impl LinkPurpose {
    fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Invite => "invite",
            LinkPurpose::Reset => "reset",
        }
    }
    fn template(self) -> &'static str {
        match self {
            LinkPurpose::Invite => "invitation",
            LinkPurpose::Reset => "password_reset",
        }
    }
    fn seconds(self) -> i64 {
        match self {
            LinkPurpose::Invite => INVITE_SECONDS,
            LinkPurpose::Reset => RESET_SECONDS,
        }
    }
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    id: i64,
    username: String,
    display_name: String,
    email: Option<String>,
    role: String,
    active: i64,
    password_hash: String,
}

fn refusal(r: StaffRefusal, field: &str) -> crate::server::error::ServiceError {
    match r.field_error() {
        Some(e) => {
            let mut errors = FieldErrors::new();
            errors.insert(field.into(), e);
            AppError::Invalid(errors).into()
        }
        None => AppError::Forbidden.into(),
    }
}

impl Taka {
    fn require_admin(&self, ctx: &StaffContext) -> ServiceResult<()> {
        if ctx.analytics_only || !may_administer(ctx.user.role) {
            return Err(AppError::Forbidden.into());
        }
        Ok(())
    }

    /// Everyone in the administrator's institution, by name.
    pub async fn list_staff(
        &self,
        ctx: &StaffContext,
        lang: Lang,
    ) -> ServiceResult<Vec<StaffAccount>> {
        self.require_admin(ctx)?;
        let rows: Vec<MemberRow> = sqlx::query_as(
            "SELECT id, username, display_name, email, role, active, password_hash FROM users
             WHERE institution_id = $1 ORDER BY active DESC, display_name, id",
        )
        .bind(ctx.institution_id)
        .fetch_all(&self.db.read)
        .await?;
        let scopes: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT us.user_id, s.code, COALESCE(t.name, l.name) FROM user_services us
             JOIN users u ON u.id = us.user_id
             JOIN services s ON s.id = us.service_id
             JOIN service_texts l ON l.service_id = s.id AND l.lang = 'lv'
             LEFT JOIN service_texts t ON t.service_id = s.id AND t.lang = $2
             WHERE u.institution_id = $1 ORDER BY s.code",
        )
        .bind(ctx.institution_id)
        .bind(lang.code())
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let role = Role::parse(&r.role)?;
                Some(StaffAccount {
                    services: scopes
                        .iter()
                        .filter(|(u, _, _)| *u == r.id)
                        .map(|(_, c, n)| (c.clone(), n.clone()))
                        .collect(),
                    is_me: r.id == ctx.user.id,
                    invited: r.password_hash == NO_PASSWORD,
                    id: r.id,
                    username: r.username,
                    display_name: r.display_name,
                    email: r.email,
                    role,
                    active: r.active != 0,
                })
            })
            .collect())
    }

    /// One colleague in the administrator's institution (another institution's accounts
    /// are not found).
    async fn member(&self, ctx: &StaffContext, user_id: i64) -> ServiceResult<MemberRow> {
        sqlx::query_as(
            "SELECT id, username, display_name, email, role, active, password_hash FROM users
             WHERE id = $1 AND institution_id = $2",
        )
        .bind(user_id)
        .bind(ctx.institution_id)
        .fetch_optional(&self.db.read)
        .await?
        .ok_or_else(|| AppError::NotFound.into())
    }

    /// A colleague the administrator may make `change` to, with their current role.
    async fn member_for(
        &self,
        ctx: &StaffContext,
        user_id: i64,
        change: StaffChange,
        field: &str,
    ) -> ServiceResult<(MemberRow, Role)> {
        self.require_admin(ctx)?;
        let m = self.member(ctx, user_id).await?;
        let current = Role::parse(&m.role).ok_or(AppError::Internal)?;
        check_staff_change(ctx.user.role, change, Some(current), m.id == ctx.user.id)
            .map_err(|r| refusal(r, field))?;
        Ok((m, current))
    }

    /// Invite a colleague: the account is made without a password and an e-mail with a
    /// one-time link (72 hours) to set one goes out, all in one transaction.
    pub async fn invite_staff(
        &self,
        ctx: &StaffContext,
        invite: &StaffInvite,
    ) -> ServiceResult<i64> {
        self.require_admin(ctx)?;
        let role = Role::parse(invite.role.trim());
        if let Some(role) = role {
            check_staff_change(ctx.user.role, StaffChange::Invite(role), None, false)
                .map_err(|r| refusal(r, "role"))?;
        }
        let mut errors = FieldErrors::new();
        if invite.email.trim().is_empty() {
            errors.insert("email".into(), FieldError::Required);
        }
        let draft = self
            .check_account(
                AccountInput {
                    username: &invite.username,
                    display_name: &invite.display_name,
                    email: Some(&invite.email),
                    role,
                    service_codes: &invite.services,
                },
                ctx.institution_id,
                &mut errors,
            )
            .await?;
        let Some(draft) = draft.filter(|_| errors.is_empty()) else {
            return Err(AppError::Invalid(errors).into());
        };
        let lang = Lang::parse(&invite.lang).unwrap_or(Lang::Lv);
        let mut tx = self.db.write.begin().await?;
        let id = self.insert_account(&mut tx, &draft, NO_PASSWORD).await?;
        self.send_link(&mut tx, id, &draft, LinkPurpose::Invite, lang)
            .await?;
        record_audit(
            &mut tx,
            self.now(),
            AuditEntry::by(ctx, "user", draft.username.clone(), "invited")
                .change(None, Some(account_json(&draft, &invite.services))),
        )
        .await?;
        tx.commit().await?;
        self.wake_outbox();
        Ok(id)
    }

    /// Write a one-time link for `user_id` and the e-mail that carries it, within `tx`.
    async fn send_link(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        user_id: i64,
        draft: &AccountDraft,
        purpose: LinkPurpose,
        lang: Lang,
    ) -> ServiceResult<()> {
        let Some(email) = draft.email.as_deref() else {
            let mut errors = FieldErrors::new();
            errors.insert("email".into(), FieldError::Required);
            return Err(AppError::Invalid(errors).into());
        };
        let at = self.now();
        let token = new_token();
        sqlx::query(
            "INSERT INTO account_links (token_hash, user_id, purpose, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(sha256_hex(&token))
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(at)
        .bind(at + purpose.seconds())
        .execute(&mut **tx)
        .await?;
        let (institution,): (String,) = sqlx::query_as(
            "SELECT COALESCE(t.name, l.name) FROM institutions i
             JOIN institution_texts l ON l.institution_id = i.id AND l.lang = 'lv'
             LEFT JOIN institution_texts t ON t.institution_id = i.id AND t.lang = $2
             WHERE i.id = $1",
        )
        .bind(draft.institution_id)
        .bind(lang.code())
        .fetch_one(&mut **tx)
        .await?;
        let link = format!("{}/staff/welcome?t={token}", self.public_url());
        enqueue_mail(
            tx,
            self.secret(),
            Mail {
                key: format!("link:{}", sha256_hex(&token)),
                request_id: None,
                user_id: Some(user_id),
                to: email,
                lang,
                template: purpose.template(),
                vars: vec![
                    ("name", draft.display_name.clone()),
                    ("username", draft.username.clone()),
                    ("link", link),
                    ("institution", institution),
                    ("portal_url", self.public_url().to_string()),
                ],
            },
            at,
        )
        .await
    }

    /// Give a colleague another role and service scope.
    pub async fn set_staff_role(
        &self,
        ctx: &StaffContext,
        user_id: i64,
        role: &str,
        service_codes: &[String],
    ) -> ServiceResult<()> {
        self.require_admin(ctx)?;
        let mut errors = FieldErrors::new();
        let Some(role) = Role::parse(role.trim()) else {
            errors.insert("role".into(), FieldError::InvalidChoice);
            return Err(AppError::Invalid(errors).into());
        };
        let (m, _) = self
            .member_for(ctx, user_id, StaffChange::SetRole(role), "role")
            .await?;
        let ids = self
            .service_ids_in(ctx.institution_id, service_codes, &mut errors)
            .await?;
        if role.scoped_to_services() && ids.is_empty() && !errors.contains_key("services") {
            errors.insert("services".into(), FieldError::Required);
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }
        let before = self.scope_json(user_id, &m.role).await?;
        let mut tx = self.db.write.begin().await?;
        sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM user_services WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if role.scoped_to_services() {
            for sid in &ids {
                sqlx::query("INSERT INTO user_services (user_id, service_id) VALUES ($1, $2)")
                    .bind(user_id)
                    .bind(sid)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let mut codes: Vec<String> = if role.scoped_to_services() {
            service_codes
                .iter()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect()
        } else {
            Vec::new()
        };
        codes.sort();
        codes.dedup();
        record_audit(
            &mut tx,
            self.now(),
            AuditEntry::by(ctx, "user", m.username.clone(), "role_changed").change(
                Some(before),
                Some(serde_json::json!({"role": role.as_str(), "services": codes})),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn scope_json(&self, user_id: i64, role: &str) -> ServiceResult<serde_json::Value> {
        let codes: Vec<(String,)> = sqlx::query_as(
            "SELECT s.code FROM user_services us JOIN services s ON s.id = us.service_id
             WHERE us.user_id = $1 ORDER BY s.code",
        )
        .bind(user_id)
        .fetch_all(&self.db.read)
        .await?;
        Ok(serde_json::json!({
            "role": role,
            "services": codes.into_iter().map(|(c,)| c).collect::<Vec<_>>(),
        }))
    }

    /// Deactivate a colleague: they cannot sign in, and their sessions and API tokens end
    /// at once.
    pub async fn deactivate_staff(&self, ctx: &StaffContext, user_id: i64) -> ServiceResult<()> {
        let (m, _) = self
            .member_for(ctx, user_id, StaffChange::Deactivate, "account")
            .await?;
        let mut tx = self.db.write.begin().await?;
        self.deactivate_in(&mut tx, user_id).await?;
        record_audit(
            &mut tx,
            self.now(),
            AuditEntry::by(ctx, "user", m.username.clone(), "deactivated").change(
                Some(serde_json::json!({"active": m.active != 0})),
                Some(serde_json::json!({"active": false})),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Send a colleague a password-reset link (1 hour) to their e-mail address.
    pub async fn send_staff_reset(
        &self,
        ctx: &StaffContext,
        user_id: i64,
        lang: Lang,
    ) -> ServiceResult<()> {
        let (m, current) = self
            .member_for(ctx, user_id, StaffChange::SendReset, "account")
            .await?;
        if m.active == 0 {
            return Err(AppError::NotFound.into());
        }
        let draft = draft_of(&m, ctx.institution_id, current);
        let mut tx = self.db.write.begin().await?;
        self.send_link(&mut tx, m.id, &draft, LinkPurpose::Reset, lang)
            .await?;
        record_audit(
            &mut tx,
            self.now(),
            AuditEntry::by(ctx, "user", m.username.clone(), "reset_sent"),
        )
        .await?;
        tx.commit().await?;
        self.wake_outbox();
        Ok(())
    }

    /// "Forgot my password": a reset link goes to the active account with this e-mail
    /// address or user name, if there is one. The answer is the same either way (nobody
    /// learns who has an account); limited per client address.
    pub async fn forgot_password(
        &self,
        who: &str,
        client: &Client,
        lang: Lang,
    ) -> ServiceResult<()> {
        self.hit_client(Limit::SignInClient, client.ip).await?;
        let who = who.trim();
        if who.is_empty() || who.chars().count() > 254 {
            return Ok(());
        }
        #[derive(sqlx::FromRow)]
        struct Found {
            #[sqlx(flatten)]
            member: MemberRow,
            institution_id: i64,
        }
        let found: Option<Found> = sqlx::query_as(
            "SELECT id, username, display_name, email, role, active, password_hash, institution_id
             FROM users
             WHERE active = 1 AND email IS NOT NULL AND (LOWER(email) = LOWER($1) OR username = $1)
             ORDER BY id LIMIT 1",
        )
        .bind(who)
        .fetch_optional(&self.db.read)
        .await?;
        let Some(Found {
            member: m,
            institution_id,
        }) = found
        else {
            return Ok(());
        };
        let role = Role::parse(&m.role).ok_or(AppError::Internal)?;
        let draft = draft_of(&m, institution_id, role);
        let mut tx = self.db.write.begin().await?;
        self.send_link(&mut tx, m.id, &draft, LinkPurpose::Reset, lang)
            .await?;
        tx.commit().await?;
        self.wake_outbox();
        Ok(())
    }

    /// Who a one-time link is for (display name, user name), if it still works.
    pub async fn account_link(&self, token: &str) -> ServiceResult<Option<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT u.display_name, u.username FROM account_links a JOIN users u ON u.id = a.user_id
             WHERE a.token_hash = $1 AND a.used_at IS NULL AND a.expires_at > $2 AND u.active = 1",
        )
        .bind(sha256_hex(token.trim()))
        .bind(self.now())
        .fetch_optional(&self.db.read)
        .await?)
    }

    /// Set the password through a one-time link: the link is used up, every other link of
    /// the account stops working and every session of it ends. Returns the user name.
    pub async fn use_account_link(&self, token: &str, password: &str) -> ServiceResult<String> {
        let mut errors = FieldErrors::new();
        if let Err(e) = check_new_password(password) {
            errors.insert("password".into(), e);
        }
        let Some(_) = self.account_link(token).await? else {
            errors.insert("link".into(), FieldError::LinkExpired);
            return Err(AppError::Invalid(errors).into());
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }
        let hash = hash_password(password.to_string()).await?;
        let at = self.now();
        let mut tx = self.db.write.begin().await?;
        // Claimed in one statement: two posts of the same link cannot both set a password.
        let claimed: Option<(i64,)> = sqlx::query_as(
            "UPDATE account_links SET used_at = $2
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id",
        )
        .bind(sha256_hex(token.trim()))
        .bind(at)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((user_id,)) = claimed else {
            errors.insert("link".into(), FieldError::LinkExpired);
            return Err(AppError::Invalid(errors).into());
        };
        sqlx::query("UPDATE account_links SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
            .bind(user_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        let (username, institution_id): (String, i64) = sqlx::query_as(
            "UPDATE users SET password_hash = $1 WHERE id = $2 AND active = 1
             RETURNING username, institution_id",
        )
        .bind(&hash)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        record_audit(
            &mut tx,
            at,
            AuditEntry {
                actor: None,
                actor_kind: "system",
                institution_id: Some(institution_id),
                entity: "user",
                entity_key: username.clone(),
                action: "password_set",
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(username)
    }
}

fn draft_of(m: &MemberRow, institution_id: i64, role: Role) -> AccountDraft {
    AccountDraft {
        username: m.username.clone(),
        display_name: m.display_name.clone(),
        email: m.email.clone(),
        role,
        institution_id,
        service_ids: Vec::new(),
    }
}
