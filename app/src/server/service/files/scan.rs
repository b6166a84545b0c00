//! The virus scanner (clamd, when `CLAMD_URL` is set): a stored file is quarantined until
//! clamd says it is clean. An infected file loses its bytes at once; where it was attached
//! to a request, the history records the refusal for the requester to see.

use super::{Scan, Taka};
use crate::domain::{ActionKind, Status};
use crate::server::clamd::{Clamd, ScanOutcome};
use crate::server::error::ServiceResult;

impl Taka {
    /// Scan a stored file unless it was scanned before (the same content uploaded again).
    /// Without a scanner the file is `Unscanned`; when the scanner cannot be reached it
    /// stays `Pending` (quarantined) and the sweep tries again.
    pub(super) async fn scan_blob(&self, blob_id: i64) -> ServiceResult<Scan> {
        let (scan, note): (String, Option<String>) =
            sqlx::query_as("SELECT scan, scan_note FROM blobs WHERE id = $1")
                .bind(blob_id)
                .fetch_one(&self.db.write)
                .await?;
        let Some(url) = self.file_policy().clamd_url.clone() else {
            return Ok(Scan::from_row(&scan, note));
        };
        if matches!(scan.as_str(), "clean" | "infected") {
            return Ok(Scan::from_row(&scan, note));
        }
        let outcome = self.ask_clamd(&url, blob_id).await;
        let (scan, note) = match outcome {
            Ok(ScanOutcome::Clean) => (Scan::Clean, None),
            Ok(ScanOutcome::Infected(sig)) => (Scan::Infected(sig.clone()), Some(sig)),
            Err(e) => {
                tracing::warn!(error = %e, blob_id, "virus scanner unavailable: file quarantined");
                (Scan::Pending, None)
            }
        };
        sqlx::query("UPDATE blobs SET scan = $1, scan_note = $2 WHERE id = $3")
            .bind(scan.as_str())
            .bind(&note)
            .bind(blob_id)
            .execute(&self.db.write)
            .await?;
        if matches!(scan, Scan::Infected(_)) {
            sqlx::query("DELETE FROM blob_chunks WHERE blob_id = $1")
                .bind(blob_id)
                .execute(&self.db.write)
                .await?;
        }
        Ok(scan)
    }

    async fn ask_clamd(&self, url: &str, blob_id: i64) -> Result<ScanOutcome, String> {
        let clamd = Clamd::from_url(url).map_err(|e| e.to_string())?;
        let mut scan = clamd.start().await.map_err(|e| e.to_string())?;
        let mut seq = 0i64;
        loop {
            let chunk: Option<(Vec<u8>,)> =
                sqlx::query_as("SELECT data FROM blob_chunks WHERE blob_id = $1 AND seq = $2")
                    .bind(blob_id)
                    .bind(seq)
                    .fetch_optional(&self.db.read)
                    .await
                    .map_err(|e| e.to_string())?;
            let Some((data,)) = chunk else { break };
            scan.send(&data).await.map_err(|e| e.to_string())?;
            seq += 1;
        }
        scan.finish().await.map_err(|e| e.to_string())
    }

    /// Files still quarantined: ask the scanner again; release the clean ones and refuse
    /// the infected ones, with a record in their requests' history (the sweep).
    pub async fn rescan_quarantined(&self) -> ServiceResult<u64> {
        if self.file_policy().clamd_url.is_none() {
            return Ok(0);
        }
        let pending: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM blobs WHERE scan = 'pending' AND sha256 IS NOT NULL")
                .fetch_all(&self.db.read)
                .await?;
        let mut done = 0;
        for (blob_id,) in pending {
            match self.scan_blob(blob_id).await? {
                Scan::Clean => {
                    sqlx::query("UPDATE attachments SET state = 'ok' WHERE blob_id = $1 AND state = 'quarantined'")
                        .bind(blob_id)
                        .execute(&self.db.write)
                        .await?;
                    done += 1;
                }
                Scan::Infected(sig) => {
                    let hit: Vec<(i64, i64, String, String)> = sqlx::query_as(
                        "SELECT a.id, a.request_id, a.name, r.status FROM attachments a
                         JOIN requests r ON r.id = a.request_id
                         WHERE a.blob_id = $1 AND a.state = 'quarantined'",
                    )
                    .bind(blob_id)
                    .fetch_all(&self.db.read)
                    .await?;
                    let mut tx = self.db.write.begin().await?;
                    for (id, request_id, name, status) in hit {
                        sqlx::query("UPDATE attachments SET state = 'infected', blob_id = NULL WHERE id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        let status = Status::parse(&status).unwrap_or(Status::Submitted);
                        record_refusal(&mut tx, request_id, self.now(), status, &name, &sig)
                            .await?;
                    }
                    tx.commit().await?;
                    done += 1;
                }
                _ => {}
            }
        }
        Ok(done)
    }
}

/// The history's record that the scanner refused a file, for the requester to see.
pub(crate) async fn record_refusal(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    request_id: i64,
    at: i64,
    status: Status,
    name: &str,
    signature: &str,
) -> ServiceResult<()> {
    sqlx::query(
        "INSERT INTO request_events (request_id, at, actor_kind, actor_user_id, action, from_status, to_status, comment, visible_to_requester, rule)
         VALUES ($1, $2, 'system', NULL, $3, $4, $4, $5, 1, NULL)",
    )
    .bind(request_id)
    .bind(at)
    .bind(ActionKind::FileRefused.as_str())
    .bind(status.as_str())
    .bind(format!("{name}: {signature}"))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
