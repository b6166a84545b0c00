//! Who may administer staff and read the audit log, and what no administrator may do to an
//! account. Pure: the service layer finds the accounts (within the actor's institution
//! only) and asks here.

use super::Role;
use crate::domain::FieldError;

/// What an administrator does to a colleague's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffChange {
    /// Invite a new colleague with this role.
    Invite(Role),
    /// Give an existing colleague this role (and service scope).
    SetRole(Role),
    Deactivate,
    /// Send a password-reset link.
    SendReset,
}

/// Why a change to an account is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffRefusal {
    /// The actor's role does not administer staff, or cannot give this role / touch this
    /// account (answered 403).
    NotPermitted,
    /// One's own role and account are changed by a colleague, so nobody locks the
    /// institution out by mistake (a field error).
    OwnAccount,
}

/// Whether `role` administers its institution's staff (and reads the audit log).
pub fn may_administer(role: Role) -> bool {
    matches!(role, Role::PortfolioOwner | Role::Admin)
}

/// Whether `role` edits and publishes service forms (within its scope: an owner its
/// services, a portfolio owner or administrator the institution's).
pub fn may_edit_services(role: Role) -> bool {
    matches!(role, Role::Owner | Role::PortfolioOwner | Role::Admin)
}

/// Whether `actor` may make `change` to an account whose current role is `target`
/// (`None` for an invitation) and which is or is not the actor's own. Both are in the
/// same institution: the service layer never finds another institution's accounts.
pub fn check_staff_change(
    actor: Role,
    change: StaffChange,
    target: Option<Role>,
    own_account: bool,
) -> Result<(), StaffRefusal> {
    if !may_administer(actor) {
        return Err(StaffRefusal::NotPermitted);
    }
    // A portfolio owner runs the institution's work; the administrator role (accounts,
    // settings) is given and changed by administrators only.
    let touches_admin = matches!(target, Some(Role::Admin))
        || matches!(
            change,
            StaffChange::Invite(Role::Admin) | StaffChange::SetRole(Role::Admin)
        );
    if touches_admin && actor != Role::Admin {
        return Err(StaffRefusal::NotPermitted);
    }
    if own_account && matches!(change, StaffChange::SetRole(_) | StaffChange::Deactivate) {
        return Err(StaffRefusal::OwnAccount);
    }
    Ok(())
}

impl StaffRefusal {
    /// The field error shown on the form, when the refusal is one the user can act on.
    pub fn field_error(self) -> Option<FieldError> {
        match self {
            StaffRefusal::OwnAccount => Some(FieldError::OwnAccount),
            StaffRefusal::NotPermitted => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every actor × change × target × own: the whole table, written out as rules.
    #[test]
    fn the_whole_table() {
        let changes = |r: Role| {
            [
                StaffChange::Invite(r),
                StaffChange::SetRole(r),
                StaffChange::Deactivate,
                StaffChange::SendReset,
            ]
        };
        let mut cells = 0;
        for actor in Role::ALL {
            for given in Role::ALL {
                for change in changes(given) {
                    for target in [
                        None,
                        Some(Role::Provider),
                        Some(Role::Owner),
                        Some(Role::PortfolioOwner),
                        Some(Role::Admin),
                    ] {
                        for own in [false, true] {
                            cells += 1;
                            let got = check_staff_change(actor, change, target, own);
                            let admin_involved = target == Some(Role::Admin)
                                || matches!(
                                    change,
                                    StaffChange::Invite(Role::Admin)
                                        | StaffChange::SetRole(Role::Admin)
                                );
                            let expected = match actor {
                                Role::Provider | Role::Owner => Err(StaffRefusal::NotPermitted),
                                Role::PortfolioOwner if admin_involved => {
                                    Err(StaffRefusal::NotPermitted)
                                }
                                _ if own
                                    && matches!(
                                        change,
                                        StaffChange::SetRole(_) | StaffChange::Deactivate
                                    ) =>
                                {
                                    Err(StaffRefusal::OwnAccount)
                                }
                                _ => Ok(()),
                            };
                            assert_eq!(got, expected, "{actor:?} {change:?} {target:?} own={own}");
                        }
                    }
                }
            }
        }
        assert_eq!(cells, 4 * 4 * 4 * 5 * 2);
    }

    #[test]
    fn examples() {
        use Role::*;
        assert_eq!(
            check_staff_change(PortfolioOwner, StaffChange::Invite(Provider), None, false),
            Ok(())
        );
        assert_eq!(
            check_staff_change(PortfolioOwner, StaffChange::Invite(Admin), None, false),
            Err(StaffRefusal::NotPermitted)
        );
        assert_eq!(
            check_staff_change(Admin, StaffChange::Deactivate, Some(Admin), false),
            Ok(())
        );
        assert_eq!(
            check_staff_change(Admin, StaffChange::Deactivate, Some(Admin), true),
            Err(StaffRefusal::OwnAccount)
        );
        assert_eq!(
            check_staff_change(Admin, StaffChange::SendReset, Some(Admin), true),
            Ok(())
        );
        assert_eq!(
            check_staff_change(Owner, StaffChange::SendReset, Some(Provider), false),
            Err(StaffRefusal::NotPermitted)
        );
        assert!(may_administer(PortfolioOwner) && may_administer(Admin));
        assert!(!may_administer(Owner) && !may_administer(Provider));
        assert!(
            may_edit_services(Owner)
                && may_edit_services(PortfolioOwner)
                && may_edit_services(Admin)
        );
        assert!(!may_edit_services(Provider));
    }
}
