//! Signed-in requesters: a sign-in through the institution's OpenID Connect provider from
//! start to session, "My requests", claiming an anonymous request with its code, and what
//! each requester has seen of their requests. Anonymous requests work as before; a
//! request's requester is one more way to prove it is yours ([`Proof::Person`]).
//!
//! Everything lives in the database (flows, sessions), so any app server may take any step.
//! The provider's subject and the personal code are stored only as keyed hashes.

use crate::domain::signin::{self, Expected, FLOW_SECONDS, SESSION_SECONDS, SignInRefusal};
use crate::domain::{Lang, Status};
use crate::error::AppError;
use crate::model::{MyRequest, MyRequests, RequesterView};
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::service::{self, Taka};

/// How a requester proves a request is theirs: its tracking code, or being the person who
/// made or claimed it (signed in).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proof {
    Code(String),
    Person(i64),
}

impl Proof {
    pub fn code(code: &str) -> Proof {
        Proof::Code(code.to_string())
    }
}

impl From<&str> for Proof {
    fn from(code: &str) -> Proof {
        Proof::code(code)
    }
}

impl From<&String> for Proof {
    fn from(code: &String) -> Proof {
        Proof::code(code)
    }
}

impl From<&Proof> for Proof {
    fn from(proof: &Proof) -> Proof {
        proof.clone()
    }
}

/// A signed-in requester.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requester {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl Requester {
    pub fn view(&self) -> RequesterView {
        RequesterView {
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
        }
    }
}

/// A sign-in begun: where to send the browser, and the `state` it keeps in a cookie.
pub struct SignInStart {
    pub url: String,
    pub state: String,
}

/// A sign-in finished: the session token for the cookie, and the page to return to.
pub struct SignedIn {
    pub token: String,
    pub return_to: String,
}

#[derive(sqlx::FromRow)]
struct RequesterRow {
    id: i64,
    name: String,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(sqlx::FromRow)]
struct MyRow {
    reference: String,
    service_code: String,
    status: String,
    submitted_at: i64,
    changed_at: i64,
    new_updates: i64,
}

fn random_text(bytes: usize) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

fn unavailable(e: impl std::fmt::Display) -> SignInRefusal {
    tracing::error!(error = %e, "sign-in: database");
    SignInRefusal::Unavailable
}

impl Taka {
    /// What the sign-in button names, when sign-in is set up.
    pub fn sign_in_provider(&self) -> Option<&str> {
        self.oidc().map(|o| o.config.display_name.as_str())
    }

    /// Begin a sign-in: remember it (state, nonce, PKCE verifier, where to return) and
    /// give the provider's address.
    pub async fn start_sign_in(
        &self,
        back: &str,
        lang: Lang,
    ) -> Result<SignInStart, SignInRefusal> {
        let oidc = self.oidc().ok_or(SignInRefusal::Off)?;
        let state = random_text(32);
        let nonce = random_text(32);
        let verifier = random_text(48);
        let url = oidc
            .authorisation_url(&state, &nonce, &verifier, lang.code())
            .await?;
        let now = self.now();
        sqlx::query("DELETE FROM signin_flows WHERE created_at < $1")
            .bind(now - FLOW_SECONDS)
            .execute(&self.db.write)
            .await
            .map_err(unavailable)?;
        sqlx::query(
            "INSERT INTO signin_flows (state_hash, nonce, verifier, return_to, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(self.secret().mac("signin-state", state.as_bytes()))
        .bind(&nonce)
        .bind(self.secret().seal(&verifier))
        .bind(signin::safe_return_path(back))
        .bind(now)
        .execute(&self.db.write)
        .await
        .map_err(unavailable)?;
        Ok(SignInStart { url, state })
    }

    /// Finish a sign-in with the provider's answer. `browser_state` is the state this
    /// browser kept in its cookie: an answer meant for another browser is refused, and each
    /// sign-in is finished at most once.
    pub async fn finish_sign_in(
        &self,
        state: &str,
        browser_state: Option<&str>,
        code: &str,
    ) -> Result<SignedIn, SignInRefusal> {
        let oidc = self.oidc().ok_or(SignInRefusal::Off)?;
        if state.is_empty() || !browser_state.is_some_and(|b| service::constant_time_eq(b, state)) {
            return Err(SignInRefusal::State);
        }
        let state_hash = self.secret().mac("signin-state", state.as_bytes());
        let flow: Option<(String, String, String, i64)> = sqlx::query_as(
            "SELECT nonce, verifier, return_to, created_at FROM signin_flows WHERE state_hash = $1",
        )
        .bind(&state_hash)
        .fetch_optional(&self.db.write)
        .await
        .map_err(unavailable)?;
        let Some((nonce, verifier, return_to, created_at)) = flow else {
            return Err(SignInRefusal::State);
        };
        // Used once: whoever deletes the row finishes the sign-in.
        let gone = sqlx::query("DELETE FROM signin_flows WHERE state_hash = $1")
            .bind(&state_hash)
            .execute(&self.db.write)
            .await
            .map_err(unavailable)?;
        let now = self.now();
        if gone.rows_affected() != 1 || created_at + FLOW_SECONDS < now {
            return Err(SignInRefusal::State);
        }
        let verifier = self.secret().open(&verifier).ok_or(SignInRefusal::State)?;
        if code.is_empty() || code.len() > 2000 {
            return Err(SignInRefusal::Code);
        }
        let claims = oidc.exchange(code, &verifier).await?;
        signin::check_claims(
            &claims,
            &Expected {
                issuer: &oidc.config.issuer,
                client_id: &oidc.config.client_id,
                nonce: &nonce,
                now,
            },
        )
        .inspect_err(|r| {
            tracing::warn!(refusal = r.code(), "sign-in refused: the ID token's claims")
        })?;
        let subject_hash = self.secret().mac(
            "oidc-subject",
            format!("{}\n{}", oidc.config.issuer, claims.sub).as_bytes(),
        );
        let person_hash = claims
            .person_id(&oidc.config.person_claim)
            .map(|p| self.secret().mac("person-id", p.to_uppercase().as_bytes()));
        let name = claims.display_name();
        let email = claims
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty() && e.len() <= 254)
            .map(String::from);
        let phone = claims
            .phone_number
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty() && p.len() <= 40)
            .map(String::from);
        let id = self
            .upsert_requester(
                &subject_hash,
                person_hash.as_deref(),
                &name,
                email,
                phone,
                now,
            )
            .await
            .map_err(unavailable)?;
        let token = service::new_token();
        sqlx::query(
            "INSERT INTO requester_sessions (token_hash, requester_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(self.requester_token_hash(&token))
        .bind(id)
        .bind(now)
        .bind(now + SESSION_SECONDS)
        .execute(&self.db.write)
        .await
        .map_err(unavailable)?;
        Ok(SignedIn { token, return_to })
    }

    /// The provider answered with an error (the person cancelled): the flow ends.
    pub async fn cancel_sign_in(&self, state: &str) -> ServiceResult<()> {
        sqlx::query("DELETE FROM signin_flows WHERE state_hash = $1")
            .bind(self.secret().mac("signin-state", state.as_bytes()))
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    /// The same person signs in again: found by their personal code's hash when the provider
    /// gives one (another provider of the same country finds them too), else by subject.
    async fn upsert_requester(
        &self,
        subject_hash: &str,
        person_hash: Option<&str>,
        name: &str,
        email: Option<String>,
        phone: Option<String>,
        now: i64,
    ) -> ServiceResult<i64> {
        let by_person: Option<(i64,)> = match person_hash {
            Some(p) => {
                sqlx::query_as("SELECT id FROM requesters WHERE person_hash = $1")
                    .bind(p)
                    .fetch_optional(&self.db.write)
                    .await?
            }
            None => None,
        };
        let existing = match by_person {
            Some(row) => Some(row),
            None => {
                sqlx::query_as("SELECT id FROM requesters WHERE subject_hash = $1")
                    .bind(subject_hash)
                    .fetch_optional(&self.db.write)
                    .await?
            }
        };
        if let Some((id,)) = existing {
            sqlx::query(
                "UPDATE requesters SET name = CASE WHEN $1 = '' THEN name ELSE $1 END,
                        email = COALESCE($2, email), phone = COALESCE($3, phone),
                        person_hash = COALESCE(person_hash, $4), last_seen_at = $5
                 WHERE id = $6",
            )
            .bind(name)
            .bind(email)
            .bind(phone)
            .bind(person_hash)
            .bind(now)
            .bind(id)
            .execute(&self.db.write)
            .await?;
            return Ok(id);
        }
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO requesters (subject_hash, person_hash, name, email, phone, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(subject_hash)
        .bind(person_hash)
        .bind(name)
        .bind(email)
        .bind(phone)
        .bind(now)
        .fetch_one(&self.db.write)
        .await?;
        Ok(id)
    }

    fn requester_token_hash(&self, token: &str) -> String {
        self.secret().mac("requester-session", token.as_bytes())
    }

    /// The requester a session cookie names, while the session lasts.
    pub async fn requester_for_session(&self, token: &str) -> ServiceResult<Option<Requester>> {
        if token.is_empty() || token.len() > 100 {
            return Ok(None);
        }
        let row: Option<RequesterRow> = sqlx::query_as(
            "SELECT r.id, r.name, r.email, r.phone
             FROM requester_sessions s JOIN requesters r ON r.id = s.requester_id
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(self.requester_token_hash(token))
        .bind(self.now())
        .fetch_optional(&self.db.read)
        .await?;
        Ok(row.map(|r| Requester {
            id: r.id,
            name: r.name,
            email: r.email,
            phone: r.phone,
        }))
    }

    /// End a requester's session (the cookie goes too, by the caller).
    pub async fn sign_out_requester(&self, token: &str) -> ServiceResult<()> {
        sqlx::query("DELETE FROM requester_sessions WHERE token_hash = $1 OR expires_at < $2")
            .bind(self.requester_token_hash(token))
            .bind(self.now())
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    /// "My requests": every request made while signed in or claimed, newest first, each with
    /// how many visible changes came since the requester last opened it.
    pub async fn my_requests(
        &self,
        requester: &Requester,
        lang: Lang,
    ) -> ServiceResult<MyRequests> {
        let rows: Vec<MyRow> = sqlx::query_as(
            "SELECT r.reference, s.code AS service_code, r.status, r.submitted_at,
                    COALESCE((SELECT MAX(e.at) FROM request_events e
                              WHERE e.request_id = r.id AND e.visible_to_requester = 1), r.submitted_at) AS changed_at,
                    (SELECT COUNT(*) FROM request_events e
                     WHERE e.request_id = r.id AND e.visible_to_requester = 1
                       AND e.id > r.requester_seen_event) AS new_updates
             FROM requests r JOIN services s ON s.id = r.service_id
             WHERE r.requester_id = $1 AND r.anonymised_at IS NULL
             ORDER BY r.submitted_at DESC, r.id DESC
             LIMIT 200",
        )
        .bind(requester.id)
        .fetch_all(&self.db.read)
        .await?;
        let mut requests = Vec::with_capacity(rows.len());
        for r in rows {
            let (service_name, _) = self.names_for(&r.service_code, lang).await?;
            requests.push(MyRequest {
                reference: r.reference,
                service_name,
                status: Status::parse(&r.status).unwrap_or(Status::Submitted),
                submitted_on: service::local_date_string(r.submitted_at),
                changed_at_text: service::local_time_text(lang, r.changed_at),
                new_updates: r.new_updates,
            });
        }
        Ok(MyRequests {
            requester: requester.view(),
            requests,
            provider: self.sign_in_provider().unwrap_or_default().to_string(),
        })
    }

    /// Put an anonymous request into the requester's list, proved by its code. A request
    /// already in another person's list stays there (the same answer as a wrong code).
    pub async fn claim_request(
        &self,
        requester: &Requester,
        reference: &str,
        code: &str,
    ) -> ServiceResult<String> {
        let row = self
            .authorise_requester(reference, &Proof::code(code))
            .await?;
        let done = sqlx::query(
            "UPDATE requests SET requester_id = $1
             WHERE id = $2 AND (requester_id IS NULL OR requester_id = $1) AND anonymised_at IS NULL",
        )
        .bind(requester.id)
        .bind(row.id)
        .execute(&self.db.write)
        .await?;
        if done.rows_affected() != 1 {
            return Err(ServiceError::App(AppError::NotFound));
        }
        Ok(row.reference)
    }

    /// The requester opened the request: how many visible events came since they last did
    /// (the newest ones of the timeline), and remember that they have now seen them all.
    pub(crate) async fn mark_seen(&self, request_id: i64) -> ServiceResult<usize> {
        let seen: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT requester_seen_event FROM requests WHERE id = $1")
                .bind(request_id)
                .fetch_optional(&self.db.write)
                .await?;
        // Never opened before: nothing is "since the last visit"; from now on it is.
        let first = seen.as_ref().is_none_or(|(s,)| s.is_none());
        let seen = seen.and_then(|(s,)| s).unwrap_or(0);
        let (count, last): (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), MAX(id) FROM request_events
             WHERE request_id = $1 AND visible_to_requester = 1 AND id > $2",
        )
        .bind(request_id)
        .bind(seen)
        .fetch_one(&self.db.write)
        .await?;
        if let Some(last) = last {
            sqlx::query(
                "UPDATE requests SET requester_seen_event = $1
                 WHERE id = $2 AND (requester_seen_event IS NULL OR requester_seen_event < $1)",
            )
            .bind(last)
            .bind(request_id)
            .execute(&self.db.write)
            .await?;
        }
        Ok(if first {
            0
        } else {
            usize::try_from(count).unwrap_or(0)
        })
    }
}
