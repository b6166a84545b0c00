//! Reading a file back: the requester (reference and tracking code, every time) sees their
//! own files and the documents staff gave them; staff see the files of requests in their
//! scope. The bytes stream out chunk by chunk.

use super::Taka;
use crate::error::AppError;
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::service::StaffContext;
use bytes::Bytes;
use futures_util::Stream;

/// A file someone may download.
#[derive(Clone, Debug)]
pub struct Download {
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    blob_id: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    request_id: i64,
    blob_id: Option<i64>,
    name: String,
    kind: String,
    size: i64,
    sha256: String,
    visibility: String,
    state: String,
}

impl Taka {
    async fn attachment_row(&self, public_id: &str) -> ServiceResult<Row> {
        Ok(sqlx::query_as(
            "SELECT request_id, blob_id, name, kind, size, sha256, visibility, state
             FROM attachments WHERE public_id = $1",
        )
        .bind(public_id.trim())
        .fetch_optional(&self.db.read)
        .await?
        .ok_or(AppError::NotFound)?)
    }

    fn downloadable(row: Row) -> ServiceResult<Download> {
        match (row.state.as_str(), row.blob_id) {
            ("ok", Some(blob_id)) => Ok(Download {
                name: row.name,
                content_type: row.kind,
                size: row.size,
                sha256: row.sha256,
                blob_id,
            }),
            // Quarantined until the scanner has said it is clean.
            ("quarantined", _) => Err(AppError::NotReady.into()),
            _ => Err(AppError::NotFound.into()),
        }
    }

    /// A file of the request `reference`, for its requester (proved by the code): their
    /// own files and result documents, never internal ones. Anything else answers as an
    /// unknown file.
    pub async fn requester_download(
        &self,
        reference: &str,
        proof: impl Into<crate::server::service::Proof>,
        public_id: &str,
    ) -> ServiceResult<Download> {
        let request = self.authorise_requester(reference, &proof.into()).await?;
        let row = self.attachment_row(public_id).await?;
        if row.request_id != request.id || row.visibility == "internal" {
            return Err(AppError::NotFound.into());
        }
        Self::downloadable(row)
    }

    /// A file of a request in the staff member's scope.
    pub async fn staff_download(
        &self,
        ctx: &StaffContext,
        public_id: &str,
    ) -> ServiceResult<Download> {
        let row = self.attachment_row(public_id).await?;
        let (service_id, institution_id): (i64, i64) =
            sqlx::query_as("SELECT service_id, institution_id FROM requests WHERE id = $1")
                .bind(row.request_id)
                .fetch_one(&self.db.read)
                .await?;
        if !ctx.can_see(service_id, institution_id) {
            // Another institution's staff learn nothing about the file.
            return Err(AppError::NotFound.into());
        }
        Self::downloadable(row)
    }

    /// The file's bytes, one stored chunk at a time.
    pub fn download_stream(
        &self,
        d: &Download,
    ) -> impl Stream<Item = Result<Bytes, ServiceError>> + Send + 'static + use<> {
        let taka = self.clone();
        let blob_id = d.blob_id;
        futures_util::stream::try_unfold(0i64, move |seq| {
            let taka = taka.clone();
            async move {
                let chunk: Option<(Vec<u8>,)> =
                    sqlx::query_as("SELECT data FROM blob_chunks WHERE blob_id = $1 AND seq = $2")
                        .bind(blob_id)
                        .bind(seq)
                        .fetch_optional(&taka.db.read)
                        .await?;
                Ok::<_, ServiceError>(chunk.map(|(data,)| (Bytes::from(data), seq + 1)))
            }
        })
    }
}
