//! Documents: storing uploaded files (streamed in chunks into the database, content
//! addressed by SHA-256, photos without their location, scanned by clamd when one is
//! configured), uploads a browser sends ahead of its form, attaching files to requests,
//! and reading them back for those who may.
//!
//! - `mod.rs`: storing a file, quotas, uploads ahead of a form;
//! - `attach.rs`: files onto requests (submission, answers, staff), lists of them;
//! - `download.rs`: who may read a file, and its bytes as a stream;
//! - `scan.rs`: the virus scanner, and files waiting for it.

mod attach;
mod download;
mod scan;

pub use attach::ClaimedFile;
pub use download::Download;
pub(crate) use scan::record_refusal;

use super::Taka;
use crate::domain::files::{self, FileKind, FileProblem, Scrubber};
use crate::domain::{FieldError, FieldErrors};
use crate::error::{AppError, Quota};
use crate::server::db::is_unique_violation;
use crate::server::error::{ServiceError, ServiceResult};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};

/// Bytes per stored chunk: small enough that a 20 MB upload never sits in memory whole,
/// large enough that a file is a few dozen rows.
pub const CHUNK_BYTES: usize = 256 * 1024;

/// How long a browser's upload waits for the form that uses it.
pub const UPLOAD_SECONDS: i64 = 24 * 3600;

/// Limits on what one request and one client may upload (the per-file limit is the
/// field's own, never above `max_file_bytes`).
#[derive(Clone, Debug, PartialEq)]
pub struct FilePolicy {
    /// Any one file (`TAKA_MAX_FILE_MB`).
    pub max_file_bytes: u64,
    /// All files of one submission or answer together (`TAKA_MAX_REQUEST_MB`).
    pub max_request_bytes: u64,
    /// All uploads of one client address in a day (`TAKA_MAX_DAILY_MB`; 0: no limit).
    pub max_daily_bytes: u64,
    /// `CLAMD_URL`: files are quarantined until clamd says they are clean.
    pub clamd_url: Option<String>,
}

impl Default for FilePolicy {
    fn default() -> Self {
        FilePolicy {
            max_file_bytes: 25_000_000,
            max_request_bytes: 60_000_000,
            max_daily_bytes: 500_000_000,
            clamd_url: None,
        }
    }
}

/// What the scanner said of a stored file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scan {
    /// No scanner is configured.
    Unscanned,
    Clean,
    /// Quarantined: the scanner has not answered yet.
    Pending,
    /// Refused: the scanner found this.
    Infected(String),
}

impl Scan {
    fn as_str(&self) -> &'static str {
        match self {
            Scan::Unscanned => "unscanned",
            Scan::Clean => "clean",
            Scan::Pending => "pending",
            Scan::Infected(_) => "infected",
        }
    }
    fn from_row(scan: &str, note: Option<String>) -> Scan {
        match scan {
            "clean" => Scan::Clean,
            "pending" => Scan::Pending,
            "infected" => Scan::Infected(note.unwrap_or_default()),
            _ => Scan::Unscanned,
        }
    }
}

/// A file that arrived and is stored (or was refused by the scanner).
#[derive(Clone, Debug)]
pub struct StoredFile {
    pub blob_id: i64,
    pub sha256: String,
    pub size: u64,
    pub kind: FileKind,
    /// Safe to show and to save under.
    pub name: String,
    pub scan: Scan,
}

/// Who is uploading, for the daily quota (a keyed hash of the client address).
#[derive(Clone, Debug)]
pub struct Uploader(pub String);

impl Taka {
    pub fn file_policy(&self) -> &FilePolicy {
        &self.policy().files
    }

    /// The quota key of a client address.
    pub fn uploader(&self, ip: std::net::IpAddr) -> Uploader {
        Uploader(self.secret().mac("upload-quota", ip.to_string().as_bytes())[..32].to_string())
    }

    /// Store one file as it streams in, for the field `field` (named in errors), taking
    /// only `accept` and at most `max_bytes`. Refusals change nothing: a wrong kind is
    /// refused from the first bytes, before anything is written, and a file over a limit
    /// is removed again before the answer (413).
    pub async fn store_file<S, E>(
        &self,
        field: &str,
        name: &str,
        body: S,
        accept: &[FileKind],
        max_bytes: u64,
        uploader: &Uploader,
    ) -> ServiceResult<StoredFile>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let policy = self.file_policy();
        let day = self.now().div_euclid(86_400);
        let used = self.uploaded_today(uploader, day).await?;
        let daily_left = if policy.max_daily_bytes == 0 {
            u64::MAX
        } else {
            policy.max_daily_bytes.saturating_sub(used)
        };
        let file_max = max_bytes.min(policy.max_file_bytes);
        let over = |received: u64| -> Option<ServiceError> {
            if received > file_max {
                Some(AppError::TooLarge(Quota::File, file_max).into())
            } else if received > daily_left {
                Some(AppError::TooLarge(Quota::Day, policy.max_daily_bytes).into())
            } else {
                None
            }
        };
        let mut body = body;
        let mut received: u64 = 0;
        let mut head: Vec<u8> = Vec::new();
        let mut ended = false;
        while head.len() < files::SNIFF_BYTES {
            match body.next().await {
                Some(Ok(b)) => {
                    received += b.len() as u64;
                    if let Some(e) = over(received) {
                        return Err(e);
                    }
                    head.extend_from_slice(&b);
                }
                Some(Err(e)) => {
                    tracing::info!(error = %e, "upload broke off");
                    return Err(AppError::BadRequest.into());
                }
                None => {
                    ended = true;
                    break;
                }
            }
        }
        let kind = files::check(name, &head, accept).map_err(|p| {
            let error = match p {
                FileProblem::NotAccepted => FieldError::FileNotAccepted {
                    name: name.chars().take(files::MAX_NAME_CHARS).collect(),
                    allowed: accept
                        .iter()
                        .map(|k| k.label())
                        .collect::<Vec<_>>()
                        .join(", "),
                },
                FileProblem::Mismatch { claimed } => FieldError::FileMismatch {
                    name: name.chars().take(files::MAX_NAME_CHARS).collect(),
                    claimed: claimed.label().to_string(),
                },
            };
            ServiceError::from(AppError::Invalid(FieldErrors::from([(
                field.to_string(),
                error,
            )])))
        })?;
        if received == 0 {
            return Err(AppError::Invalid(FieldErrors::from([(
                field.to_string(),
                FieldError::Required,
            )]))
            .into());
        }
        let safe = files::safe_name(name, kind);

        // Staged: no hash yet, so nobody can find it; the sweep removes what a crash left.
        let now = self.now();
        let (blob_id,): (i64,) = sqlx::query_as(
            "INSERT INTO blobs (kind, scan, created_at, staged_at) VALUES ($1, 'unscanned', $2, $2) RETURNING id",
        )
        .bind(kind.mime())
        .bind(now)
        .fetch_one(&self.db.write)
        .await?;
        let written = self
            .write_chunks(blob_id, head, ended, &mut body, &mut received, &over, kind)
            .await;
        let (sha256, size) = match written {
            Ok(w) => w,
            Err(e) => {
                self.drop_blob(blob_id).await?;
                return Err(e);
            }
        };
        let blob_id = match self.finish_blob(blob_id, &sha256, size).await {
            Ok(id) => id,
            Err(e) => {
                self.drop_blob(blob_id).await?;
                return Err(e);
            }
        };
        self.count_upload(uploader, day, size).await?;
        let scan = self.scan_blob(blob_id).await?;
        Ok(StoredFile {
            blob_id,
            sha256,
            size,
            kind,
            name: safe,
            scan,
        })
    }

    /// Write what arrives through the scrubber into chunks, hashing what is stored.
    #[allow(clippy::too_many_arguments)]
    async fn write_chunks<S, E>(
        &self,
        blob_id: i64,
        head: Vec<u8>,
        ended: bool,
        body: &mut S,
        received: &mut u64,
        over: &impl Fn(u64) -> Option<ServiceError>,
        kind: FileKind,
    ) -> ServiceResult<(String, u64)>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let mut scrubber = Scrubber::new(kind);
        let mut hasher = Sha256::new();
        let mut out: Vec<u8> = Vec::with_capacity(CHUNK_BYTES * 2);
        let mut seq: i64 = 0;
        let mut size: u64 = 0;
        scrubber.push(&head, &mut out);
        drop(head);
        let mut done = ended;
        if done {
            scrubber.finish(&mut out);
        }
        loop {
            while out.len() >= CHUNK_BYTES {
                let rest = out.split_off(CHUNK_BYTES);
                let chunk = std::mem::replace(&mut out, rest);
                self.put_chunk(blob_id, seq, &chunk, &mut hasher).await?;
                size += chunk.len() as u64;
                seq += 1;
            }
            if done {
                break;
            }
            match body.next().await {
                Some(Ok(b)) => {
                    *received += b.len() as u64;
                    if let Some(e) = over(*received) {
                        return Err(e);
                    }
                    scrubber.push(&b, &mut out);
                }
                Some(Err(e)) => {
                    tracing::info!(error = %e, "upload broke off");
                    return Err(AppError::BadRequest.into());
                }
                None => {
                    scrubber.finish(&mut out);
                    done = true;
                }
            }
        }
        if !out.is_empty() {
            self.put_chunk(blob_id, seq, &out, &mut hasher).await?;
            size += out.len() as u64;
        }
        Ok((hex::encode(hasher.finalize()), size))
    }

    async fn put_chunk(
        &self,
        blob_id: i64,
        seq: i64,
        data: &[u8],
        hasher: &mut Sha256,
    ) -> ServiceResult<()> {
        hasher.update(data);
        // One statement per chunk: on SQLite the one writing connection is never held
        // while the network is slow.
        sqlx::query("INSERT INTO blob_chunks (blob_id, seq, data) VALUES ($1, $2, $3)")
            .bind(blob_id)
            .bind(seq)
            .bind(data.to_vec())
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    /// Name the staged blob by its hash, or, when that content is stored already, drop
    /// the staged copy and use the stored one.
    async fn finish_blob(&self, staged: i64, sha256: &str, size: u64) -> ServiceResult<i64> {
        let named =
            sqlx::query("UPDATE blobs SET sha256 = $1, size = $2, staged_at = NULL WHERE id = $3")
                .bind(sha256)
                .bind(size as i64)
                .bind(staged)
                .execute(&self.db.write)
                .await;
        match named {
            Ok(_) => Ok(staged),
            Err(e) if is_unique_violation(&e) => {
                self.drop_blob(staged).await?;
                let (id,): (i64,) = sqlx::query_as("SELECT id FROM blobs WHERE sha256 = $1")
                    .bind(sha256)
                    .fetch_one(&self.db.write)
                    .await?;
                Ok(id)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn drop_blob(&self, blob_id: i64) -> ServiceResult<()> {
        sqlx::query("DELETE FROM blob_chunks WHERE blob_id = $1")
            .bind(blob_id)
            .execute(&self.db.write)
            .await?;
        sqlx::query("DELETE FROM blobs WHERE id = $1")
            .bind(blob_id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    async fn uploaded_today(&self, uploader: &Uploader, day: i64) -> ServiceResult<u64> {
        let used: Option<(i64,)> =
            sqlx::query_as("SELECT bytes FROM upload_quota WHERE client_key = $1 AND day = $2")
                .bind(&uploader.0)
                .bind(day)
                .fetch_optional(&self.db.read)
                .await?;
        Ok(used.map(|(b,)| b.max(0) as u64).unwrap_or(0))
    }

    async fn count_upload(&self, uploader: &Uploader, day: i64, size: u64) -> ServiceResult<()> {
        sqlx::query(
            "INSERT INTO upload_quota (client_key, day, bytes) VALUES ($1, $2, $3)
             ON CONFLICT (client_key, day) DO UPDATE SET bytes = upload_quota.bytes + $3",
        )
        .bind(&uploader.0)
        .bind(day)
        .bind(size as i64)
        .execute(&self.db.write)
        .await?;
        Ok(())
    }

    /// Keep a stored file for a form still being filled in (a browser uploads each file
    /// as it is chosen); the token is what the form posts.
    pub async fn create_upload(
        &self,
        file: &StoredFile,
        service_code: &str,
        field: &str,
        uploader: &Uploader,
    ) -> ServiceResult<String> {
        // A letter first: a form names it as a key (`upload[FIELD][TOKEN]`), and the form
        // decoder takes a key that starts with a digit for a list index.
        let token = format!("u{}", super::new_token());
        let (service_id,): (i64,) =
            sqlx::query_as("SELECT id FROM services WHERE code = $1 AND active = 1")
                .bind(service_code)
                .fetch_optional(&self.db.read)
                .await?
                .ok_or(AppError::NotFound)?;
        sqlx::query(
            "INSERT INTO uploads (token_hash, blob_id, name, service_id, field, client_key, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(self.upload_hash(&token))
        .bind(file.blob_id)
        .bind(&file.name)
        .bind(service_id)
        .bind(field)
        .bind(&uploader.0)
        .bind(self.now())
        .execute(&self.db.write)
        .await?;
        Ok(token)
    }

    pub(super) fn upload_hash(&self, token: &str) -> String {
        self.secret().mac("upload", token.trim().as_bytes())
    }

    /// Remove uploads nobody used within a day, staged blobs a crash left, and stored
    /// contents nothing refers to any more (the sweep).
    pub async fn forget_unused_files(&self) -> ServiceResult<u64> {
        let now = self.now();
        let uploads = sqlx::query("DELETE FROM uploads WHERE created_at < $1")
            .bind(now - UPLOAD_SECONDS)
            .execute(&self.db.write)
            .await?
            .rows_affected();
        sqlx::query(
            "UPDATE blobs SET staged_at = $1 WHERE sha256 IS NOT NULL AND staged_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.blob_id = blobs.id)
               AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.blob_id = blobs.id)
               AND created_at < $2",
        )
        .bind(now)
        .bind(now - 3600)
        .execute(&self.db.write)
        .await?;
        let stale: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM blobs WHERE staged_at IS NOT NULL AND staged_at < $1
               AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.blob_id = blobs.id)
               AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.blob_id = blobs.id)",
        )
        .bind(now - 3600)
        .fetch_all(&self.db.read)
        .await?;
        for (id,) in &stale {
            self.drop_blob(*id).await?;
        }
        Ok(uploads + stale.len() as u64)
    }
}
