//! Rules for a request's personal data (GDPR Articles 5, 17): when retention makes it go,
//! who may erase it on a data subject's request, and what stops an erasure. Pure.

use super::{Role, Status};
use serde::{Deserialize, Serialize};

/// Why personal data cannot be erased now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErasureBlock {
    /// A legal hold keeps the data (a court case, an audit) until it is lifted.
    LegalHold,
    /// The request is still open: its decision or fulfilment needs the data.
    StillOpen,
    /// The data is gone already.
    AlreadyGone,
}

/// Whether `role` may erase a request's personal data or place a legal hold (within its
/// scope): those answerable for the service and the institution, not providers, not the
/// read-only administrator.
pub fn may_manage_personal_data(role: Role) -> bool {
    matches!(role, Role::Owner | Role::PortfolioOwner)
}

/// Whether `role` may read the record of staff views of personal data (institution-wide).
pub fn may_read_view_log(role: Role) -> bool {
    matches!(role, Role::PortfolioOwner | Role::Admin)
}

/// What stops an erasure now, if anything.
pub fn erasure_block(status: Status, legal_hold: bool, anonymised: bool) -> Option<ErasureBlock> {
    if anonymised {
        Some(ErasureBlock::AlreadyGone)
    } else if legal_hold {
        Some(ErasureBlock::LegalHold)
    } else if status.is_open() {
        Some(ErasureBlock::StillOpen)
    } else {
        None
    }
}

/// Whether retention has run out: the request ended (`ended_at`) more than
/// `retention_days` ago, and nothing keeps it.
pub fn retention_over(
    status: Status,
    ended_at: i64,
    retention_days: i64,
    now: i64,
    legal_hold: bool,
    anonymised: bool,
) -> bool {
    erasure_block(status, legal_hold, anonymised).is_none()
        && ended_at.saturating_add(retention_days.max(0).saturating_mul(86_400)) < now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erasure_and_retention_for_every_status() {
        for s in Status::ALL {
            let open = s.is_open();
            assert_eq!(erasure_block(s, false, false).is_some(), open, "{s:?}");
            assert_eq!(erasure_block(s, true, false), Some(ErasureBlock::LegalHold));
            assert_eq!(
                erasure_block(s, true, true),
                Some(ErasureBlock::AlreadyGone)
            );
            let day = 86_400;
            assert_eq!(
                retention_over(s, 0, 10, 11 * day, false, false),
                !open,
                "{s:?}"
            );
            assert!(
                !retention_over(s, 0, 10, 10 * day, false, false),
                "not before the end"
            );
            assert!(
                !retention_over(s, 0, 10, 11 * day, true, false),
                "a hold keeps it"
            );
            assert!(
                !retention_over(s, 0, 10, 11 * day, false, true),
                "gone already"
            );
        }
        assert!(!retention_over(
            Status::Closed,
            i64::MAX,
            i64::MAX,
            0,
            false,
            false
        ));
        assert!(retention_over(Status::Closed, 0, -5, 1, false, false));
    }

    #[test]
    fn who_manages_personal_data() {
        assert!(!may_manage_personal_data(Role::Provider));
        assert!(may_manage_personal_data(Role::Owner));
        assert!(may_manage_personal_data(Role::PortfolioOwner));
        assert!(!may_manage_personal_data(Role::Admin));
        assert!(may_read_view_log(Role::Admin));
        assert!(!may_read_view_log(Role::Owner));
    }
}
