//! Files onto requests: the uploads a submission or an answer names become the request's
//! attachments (in its transaction), staff add result documents and internal files, and
//! lists of a request's files for the requester and for staff.

use super::{Scan, Taka, UPLOAD_SECONDS};
use crate::domain::{FieldError, FieldErrors, FieldSpec, FieldType};
use crate::error::{AppError, Quota};
use crate::model::{AttachmentView, Visibility};
use crate::server::error::ServiceResult;
use std::collections::BTreeMap;

/// An upload a form named, found and checked.
#[derive(Clone, Debug)]
pub struct ClaimedFile {
    pub token_hash: String,
    pub blob_id: i64,
    pub field: String,
    pub name: String,
    pub kind: String,
    pub size: u64,
    pub sha256: String,
    pub scan: Scan,
}

#[derive(sqlx::FromRow)]
struct UploadRow {
    token_hash: String,
    blob_id: i64,
    name: String,
    field: String,
    service_id: i64,
    created_at: i64,
    kind: String,
    size: i64,
    sha256: Option<String>,
    scan: String,
    scan_note: Option<String>,
}

impl Taka {
    /// The uploads `tokens` (by field) name, for the service `service_id`, checked against
    /// the form: each field's count and sizes, the request's total. The file fields'
    /// values in `values` become the files' names (what the form posted there is
    /// replaced). Field errors are added to `errors`.
    pub(crate) async fn claim_uploads(
        &self,
        service_id: i64,
        schema: &[FieldSpec],
        tokens: &BTreeMap<String, Vec<String>>,
        values: &mut BTreeMap<String, String>,
        errors: &mut FieldErrors,
    ) -> ServiceResult<Vec<ClaimedFile>> {
        let mut claimed = Vec::new();
        for f in schema.iter().filter(|f| f.kind == FieldType::File) {
            values.remove(&f.name);
        }
        for (field, list) in tokens {
            let Some(spec) = schema
                .iter()
                .find(|f| &f.name == field && f.kind == FieldType::File)
            else {
                errors.insert(field.clone(), FieldError::UnknownField);
                continue;
            };
            let mut here = Vec::new();
            for token in list.iter().filter(|t| !t.trim().is_empty()) {
                let row: Option<UploadRow> = sqlx::query_as(
                    "SELECT u.token_hash, u.blob_id, u.name, u.field, u.service_id, u.created_at,
                            b.kind, b.size, b.sha256, b.scan, b.scan_note
                     FROM uploads u JOIN blobs b ON b.id = u.blob_id WHERE u.token_hash = $1",
                )
                .bind(self.upload_hash(token))
                .fetch_optional(&self.db.read)
                .await?;
                match row {
                    Some(r)
                        if r.service_id == service_id
                            && &r.field == field
                            && r.created_at >= self.now() - UPLOAD_SECONDS
                            && !here
                                .iter()
                                .any(|c: &ClaimedFile| c.token_hash == r.token_hash) =>
                    {
                        here.push(ClaimedFile {
                            token_hash: r.token_hash,
                            blob_id: r.blob_id,
                            field: r.field,
                            name: r.name,
                            kind: r.kind,
                            size: r.size.max(0) as u64,
                            sha256: r.sha256.unwrap_or_default(),
                            scan: Scan::from_row(&r.scan, r.scan_note),
                        });
                    }
                    Some(r) if here.iter().any(|c| c.token_hash == r.token_hash) => {}
                    _ => {
                        errors.insert(field.clone(), FieldError::FileGone);
                    }
                }
            }
            let sizes: Vec<u64> = here.iter().map(|c| c.size).collect();
            if !sizes.is_empty() {
                if let Err(e) = spec.check_files(&sizes) {
                    errors.entry(field.clone()).or_insert(e);
                }
                values.insert(
                    field.clone(),
                    here.iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                );
            }
            claimed.extend(here);
        }
        let total: u64 = claimed.iter().map(|c| c.size).sum();
        let max = self.file_policy().max_request_bytes;
        if total > max {
            return Err(AppError::TooLarge(Quota::Request, max).into());
        }
        Ok(claimed)
    }

    /// Make claimed uploads attachments of `request_id`, inside its transaction; the
    /// uploads are used up. Names of files the scanner refused are returned, for the
    /// history.
    pub(crate) async fn attach_claimed(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        request_id: i64,
        files: &[ClaimedFile],
        visibility: Visibility,
        added_by: Option<i64>,
        only_fields: Option<&BTreeMap<String, String>>,
    ) -> ServiceResult<Vec<(String, String)>> {
        let mut refused = Vec::new();
        for f in files {
            sqlx::query("DELETE FROM uploads WHERE token_hash = $1")
                .bind(&f.token_hash)
                .execute(&mut **tx)
                .await?;
            // A file for a question that was not asked (its condition did not hold) is
            // not kept.
            if only_fields.is_some_and(|v| !v.contains_key(&f.field)) {
                continue;
            }
            let (state, blob) = match &f.scan {
                Scan::Infected(sig) => {
                    refused.push((f.name.clone(), sig.clone()));
                    ("infected", None)
                }
                Scan::Pending => ("quarantined", Some(f.blob_id)),
                Scan::Clean | Scan::Unscanned => ("ok", Some(f.blob_id)),
            };
            sqlx::query(
                "INSERT INTO attachments (public_id, request_id, blob_id, field, name, kind, size, sha256,
                    visibility, state, added_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(new_public_id())
            .bind(request_id)
            .bind(blob)
            .bind((!f.field.is_empty()).then_some(&f.field))
            .bind(&f.name)
            .bind(&f.kind)
            .bind(f.size as i64)
            .bind(&f.sha256)
            .bind(visibility.as_str())
            .bind(state)
            .bind(added_by)
            .bind(self.now())
            .execute(&mut **tx)
            .await?;
        }
        Ok(refused)
    }

    /// A request's attachments, oldest first; `staff` sees internal ones too.
    pub async fn attachments_of(
        &self,
        request_id: i64,
        staff: bool,
    ) -> ServiceResult<Vec<AttachmentView>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            public_id: String,
            field: Option<String>,
            name: String,
            kind: String,
            size: i64,
            sha256: String,
            visibility: String,
            state: String,
            created_at: i64,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT public_id, field, name, kind, size, sha256, visibility, state, created_at
             FROM attachments WHERE request_id = $1 AND ($2 = 1 OR visibility <> 'internal')
             ORDER BY id",
        )
        .bind(request_id)
        .bind(i64::from(staff))
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| AttachmentView {
                id: r.public_id,
                field: r.field,
                name: r.name,
                content_type: r.kind,
                size: r.size,
                sha256: r.sha256,
                visibility: Visibility::parse(&r.visibility).unwrap_or(Visibility::Internal),
                state: r.state,
                created_at: r.created_at,
            })
            .collect())
    }
}

/// A random public identifier of an attachment (128 bits, hex): not guessable, so a list
/// never leaks how many files others have.
fn new_public_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

impl ClaimedFile {
    /// A file stored just now by a form that attaches it at once (no upload ahead).
    pub fn from_stored(f: &super::StoredFile, field: &str) -> ClaimedFile {
        ClaimedFile {
            token_hash: String::new(),
            blob_id: f.blob_id,
            field: field.to_string(),
            name: f.name.clone(),
            kind: f.kind.mime().to_string(),
            size: f.size,
            sha256: f.sha256.clone(),
            scan: f.scan.clone(),
        }
    }
}

impl Taka {
    /// Staff attach documents to a request in their scope: results the requester may
    /// download, or internal files. One history event names them (seen by the requester
    /// only for results).
    pub async fn staff_attach(
        &self,
        ctx: &crate::server::service::StaffContext,
        reference: &str,
        files: &[ClaimedFile],
        visibility: Visibility,
        note: Option<&str>,
    ) -> ServiceResult<()> {
        let row = self.load_request(reference.trim()).await?;
        if !ctx.can_see(row.service_id, row.institution_id) {
            return Err(AppError::Forbidden.into());
        }
        if !ctx.user.role.handles_requests() || visibility == Visibility::Requester {
            return Err(AppError::Forbidden.into());
        }
        self.attach_files(&row, files, visibility, "staff", Some(ctx.user.id), note)
            .await
    }

    /// The requester adds files while the institution waits for information from them
    /// (with their answer), proved by the tracking code.
    pub async fn requester_attach(
        &self,
        reference: &str,
        proof: impl Into<crate::server::service::Proof>,
        files: &[ClaimedFile],
    ) -> ServiceResult<()> {
        let row = self.authorise_requester(reference, &proof.into()).await?;
        if row.status()? != crate::domain::Status::AwaitingInformation {
            return Err(AppError::Conflict.into());
        }
        self.attach_files(&row, files, Visibility::Requester, "requester", None, None)
            .await
    }

    async fn attach_files(
        &self,
        row: &crate::server::service::shared::RequestRow,
        files: &[ClaimedFile],
        visibility: Visibility,
        actor_kind: &str,
        user_id: Option<i64>,
        note: Option<&str>,
    ) -> ServiceResult<()> {
        if files.is_empty() {
            return Ok(());
        }
        let total: u64 = files.iter().map(|f| f.size).sum();
        let max = self.file_policy().max_request_bytes;
        if total > max {
            return Err(AppError::TooLarge(Quota::Request, max).into());
        }
        let status = row.status()?;
        let at = self.now();
        let mut tx = self.db.write.begin().await?;
        let refused = self
            .attach_claimed(&mut tx, row.id, files, visibility, user_id, None)
            .await?;
        let names: Vec<&str> = files
            .iter()
            .filter(|f| !matches!(f.scan, Scan::Infected(_)))
            .map(|f| f.name.as_str())
            .collect();
        if !names.is_empty() {
            let comment = match note.map(str::trim).filter(|n| !n.is_empty()) {
                Some(n) => format!("{}\n{n}", names.join(", ")),
                None => names.join(", "),
            };
            sqlx::query(
                "INSERT INTO request_events (request_id, at, actor_kind, actor_user_id, action, from_status, to_status, comment, visible_to_requester, rule)
                 VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, NULL)",
            )
            .bind(row.id)
            .bind(at)
            .bind(actor_kind)
            .bind(user_id)
            .bind(crate::domain::ActionKind::Attach.as_str())
            .bind(status.as_str())
            .bind(comment)
            .bind(i64::from(visibility != Visibility::Internal))
            .execute(&mut *tx)
            .await?;
        }
        for (name, sig) in &refused {
            super::scan::record_refusal(&mut tx, row.id, at, status, name, sig).await?;
        }
        sqlx::query("UPDATE requests SET updated_at = $1 WHERE id = $2")
            .bind(at)
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
