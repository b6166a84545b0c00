//! A service's targets, and the service-level figures of a request for pages and the API.

use crate::domain::Lang;
use crate::domain::sla::{self, SlaClock, Targets};
use crate::error::AppError;
use crate::server::error::ServiceResult;
use crate::server::service::shared::targets_of;
use crate::server::service::{self, Taka};

impl Taka {
    /// Set a service's targets. Requests already running keep the deadlines they have;
    /// the new targets apply from each request's next stage.
    pub async fn set_service_targets(&self, service: &str, t: Targets) -> ServiceResult<()> {
        let mut errors = crate::domain::FieldErrors::new();
        let range = |min: u32, max: u32, v: u32| (min..=max).contains(&v);
        if !range(1, 720, t.register_hours) {
            errors.insert(
                "register_hours".into(),
                crate::domain::FieldError::OutOfRange {
                    min: Some(1),
                    max: Some(720),
                },
            );
        }
        if !range(0, 365, t.decide_days) {
            errors.insert(
                "decide_days".into(),
                crate::domain::FieldError::OutOfRange {
                    min: Some(0),
                    max: Some(365),
                },
            );
        }
        if !range(0, 365, t.fulfil_days) {
            errors.insert(
                "fulfil_days".into(),
                crate::domain::FieldError::OutOfRange {
                    min: Some(0),
                    max: Some(365),
                },
            );
        }
        if !range(1, 100, t.target_pct) {
            errors.insert(
                "target".into(),
                crate::domain::FieldError::OutOfRange {
                    min: Some(1),
                    max: Some(100),
                },
            );
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }
        let updated = sqlx::query(
            "UPDATE services SET sla_register_hours = $1, sla_decide_days = $2, sla_fulfil_days = $3,
                sla_target_pct = $4 WHERE code = $5",
        )
        .bind(i64::from(t.register_hours))
        .bind(i64::from(t.decide_days))
        .bind(i64::from(t.fulfil_days))
        .bind(i64::from(t.target_pct))
        .bind(service)
        .execute(&self.db.write)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(AppError::NotFound.into());
        }
        Ok(())
    }

    /// A service's targets.
    pub(crate) async fn targets(&self, service_id: i64) -> ServiceResult<Targets> {
        let (h, d, f, p): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT sla_register_hours, sla_decide_days, sla_fulfil_days, sla_target_pct FROM services WHERE id = $1",
        )
        .bind(service_id)
        .fetch_one(&self.db.read)
        .await?;
        Ok(targets_of(h, d, f, p))
    }

    /// Service-level figures of a request for pages and the API.
    pub(crate) async fn sla_view(
        &self,
        institution_id: i64,
        service_id: i64,
        clock: &SlaClock,
        fallback_due: i64,
        lang: Lang,
    ) -> ServiceResult<crate::model::SlaView> {
        let now = self.now();
        let cal = self.calendar_for(service_id, institution_id).await?;
        let t = self.targets(service_id).await?;
        let expected = sla::expected_by(&cal, &t, clock, now)
            .or(clock.done_at)
            .unwrap_or(fallback_due);
        Ok(crate::model::SlaView {
            state: clock.state(now),
            stage: clock.stage,
            stage_due: clock.due_at.map(|t| service::local_time_text(lang, t)),
            time_left_minutes: sla::time_left(&cal, clock, now).map(|s| s / 60),
            expected_by: expected,
            expected_on: service::local_date_string(expected),
            expected_iso: service::rfc3339(expected),
        })
    }
}
