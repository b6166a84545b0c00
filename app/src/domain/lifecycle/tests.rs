//! The lifecycle, exhaustively: every action from every status by every actor.

use super::*;
use Status::*;

/// A sample action of each kind by `actor`, with its required text filled in (the system
/// assigns to someone else, people to themselves).
fn sample(kind: ActionKind, actor: Actor) -> Action {
    match kind {
        ActionKind::Register => Action::Register { note: None },
        ActionKind::StartAssessment => Action::StartAssessment,
        ActionKind::RequestInformation => Action::RequestInformation {
            reason: "why".into(),
        },
        ActionKind::ProvideInformation => Action::ProvideInformation {
            answer: "here".into(),
        },
        ActionKind::Approve => Action::Approve { note: None },
        ActionKind::Refuse => Action::Refuse {
            reason: "no".into(),
        },
        ActionKind::Assign => Action::Assign {
            to_self: actor != Actor::System,
        },
        ActionKind::Escalate => Action::Escalate {
            reason: "busy".into(),
        },
        ActionKind::RecordAction => Action::RecordAction {
            note: "done".into(),
            visible_to_requester: false,
        },
        ActionKind::Fulfil => Action::Fulfil {
            result: "issued".into(),
        },
        ActionKind::Rate => Action::Rate {
            score: 5,
            comment: None,
        },
        ActionKind::Close => Action::Close { note: None },
        ActionKind::Withdraw => Action::Withdraw { reason: None },
        ActionKind::Submit
        | ActionKind::SlaAtRisk
        | ActionKind::SlaBreached
        | ActionKind::SlaEscalated
        | ActionKind::Reminder
        | ActionKind::Attach
        | ActionKind::FileRefused => unreachable!("not a transition"),
    }
}

/// The expected lifecycle, written out independently of `edge` and `permits`:
/// (action, from, to, who). `S` = any staff role that handles requests.
#[derive(Clone, Copy)]
enum Who {
    Requester,
    Staff,
    StaffOrSystem,
}
const EXPECTED: &[(ActionKind, Status, Status, Who)] = &[
    (
        ActionKind::Register,
        Submitted,
        Registered,
        Who::StaffOrSystem,
    ),
    (
        ActionKind::StartAssessment,
        Registered,
        UnderAssessment,
        Who::StaffOrSystem,
    ),
    (
        ActionKind::RequestInformation,
        UnderAssessment,
        AwaitingInformation,
        Who::Staff,
    ),
    (
        ActionKind::ProvideInformation,
        AwaitingInformation,
        UnderAssessment,
        Who::Requester,
    ),
    (
        ActionKind::Approve,
        UnderAssessment,
        Approved,
        Who::StaffOrSystem,
    ),
    (ActionKind::Refuse, UnderAssessment, Refused, Who::Staff),
    (
        ActionKind::Assign,
        Approved,
        InFulfilment,
        Who::StaffOrSystem,
    ),
    (
        ActionKind::Assign,
        InFulfilment,
        InFulfilment,
        Who::StaffOrSystem,
    ),
    (ActionKind::Escalate, Approved, InFulfilment, Who::Staff),
    (ActionKind::Escalate, InFulfilment, InFulfilment, Who::Staff),
    (
        ActionKind::RecordAction,
        InFulfilment,
        InFulfilment,
        Who::Staff,
    ),
    (ActionKind::Fulfil, InFulfilment, Fulfilled, Who::Staff),
    (ActionKind::Rate, Fulfilled, Closed, Who::Requester),
    (ActionKind::Close, Fulfilled, Closed, Who::Staff),
    (ActionKind::Close, Refused, Closed, Who::Staff),
    (ActionKind::Withdraw, Submitted, Withdrawn, Who::Requester),
    (ActionKind::Withdraw, Registered, Withdrawn, Who::Requester),
    (
        ActionKind::Withdraw,
        UnderAssessment,
        Withdrawn,
        Who::Requester,
    ),
    (
        ActionKind::Withdraw,
        AwaitingInformation,
        Withdrawn,
        Who::Requester,
    ),
];

fn who_allows(who: Who, actor: Actor) -> bool {
    let staff = matches!(
        actor,
        Actor::Staff(Role::Provider | Role::Owner | Role::PortfolioOwner)
    );
    match who {
        Who::Requester => actor == Actor::Requester,
        Who::Staff => staff,
        Who::StaffOrSystem => staff || actor == Actor::System,
    }
}

/// Every status × every action × every actor: allowed exactly where the table says.
#[test]
fn every_transition_matches_the_table() {
    let mut allowed = 0;
    let mut refused = 0;
    for status in Status::ALL {
        for kind in ActionKind::TRANSITIONS {
            for actor in Actor::ALL {
                let expected = EXPECTED
                    .iter()
                    .find(|(k, from, _, _)| *k == kind && *from == status);
                let got = apply(status, &sample(kind, actor), actor);
                match expected {
                    Some((_, _, to, who)) if who_allows(*who, actor) => {
                        let t = got.unwrap_or_else(|e| {
                            panic!("{kind:?} from {status:?} by {actor:?} refused: {e}")
                        });
                        assert_eq!(t.to, *to);
                        assert_eq!(t.from, status);
                        allowed += 1;
                    }
                    Some(_) => {
                        assert_eq!(
                            got,
                            Err(LifecycleError::NotPermitted {
                                action: kind,
                                actor
                            }),
                            "{kind:?} from {status:?} by {actor:?}"
                        );
                        refused += 1;
                    }
                    None => {
                        assert_eq!(
                            got,
                            Err(LifecycleError::NotInThisStatus {
                                action: kind,
                                status
                            }),
                            "{kind:?} from {status:?} by {actor:?}"
                        );
                        refused += 1;
                    }
                }
            }
        }
    }
    assert_eq!(allowed + refused, 10 * 13 * 6);
    // 19 edges: 14 staff edges × 3 roles, 5 of them also the system's, 5 requester edges.
    let expected_allowed: usize = EXPECTED
        .iter()
        .map(|(_, _, _, who)| Actor::ALL.iter().filter(|a| who_allows(*who, **a)).count())
        .sum();
    assert_eq!(allowed, expected_allowed);
}

#[test]
fn available_actions_agree_with_apply() {
    for status in Status::ALL {
        for actor in Actor::ALL {
            let menu = available_actions(status, actor);
            for kind in ActionKind::TRANSITIONS {
                assert_eq!(
                    menu.contains(&kind),
                    apply(status, &sample(kind, actor), actor).is_ok(),
                    "{kind:?} {status:?} {actor:?}"
                );
            }
        }
    }
}

#[test]
fn terminal_statuses_allow_nothing() {
    for status in [Closed, Withdrawn] {
        assert!(status.is_terminal());
        for actor in Actor::ALL {
            assert!(available_actions(status, actor).is_empty());
        }
    }
}

#[test]
fn reasons_are_required_where_a_person_expects_one() {
    let staff = Actor::Staff(Role::Provider);
    for (status, action) in [
        (
            UnderAssessment,
            Action::Refuse {
                reason: "  ".into(),
            },
        ),
        (
            UnderAssessment,
            Action::RequestInformation {
                reason: String::new(),
            },
        ),
        (
            InFulfilment,
            Action::Escalate {
                reason: "\n".into(),
            },
        ),
        (
            InFulfilment,
            Action::Fulfil {
                result: String::new(),
            },
        ),
        (
            InFulfilment,
            Action::RecordAction {
                note: " ".into(),
                visible_to_requester: true,
            },
        ),
    ] {
        assert_eq!(
            apply(status, &action, staff),
            Err(LifecycleError::ReasonRequired(action.kind()))
        );
    }
    assert_eq!(
        apply(
            AwaitingInformation,
            &Action::ProvideInformation { answer: "".into() },
            Actor::Requester
        ),
        Err(LifecycleError::ReasonRequired(
            ActionKind::ProvideInformation
        ))
    );
    // Optional notes may be empty.
    assert!(apply(UnderAssessment, &Action::Approve { note: None }, staff).is_ok());
    assert!(
        apply(
            Submitted,
            &Action::Withdraw { reason: None },
            Actor::Requester
        )
        .is_ok()
    );
}

#[test]
fn only_owners_assign_to_someone_else() {
    let other = Action::Assign { to_self: false };
    for (actor, ok) in [
        (Actor::Staff(Role::Provider), false),
        (Actor::Staff(Role::Owner), true),
        (Actor::Staff(Role::PortfolioOwner), true),
        (Actor::Staff(Role::Admin), false),
        (Actor::Requester, false),
        (Actor::System, true),
    ] {
        assert_eq!(apply(Approved, &other, actor).is_ok(), ok, "{actor:?}");
    }
    assert_eq!(
        apply(Approved, &Action::Assign { to_self: true }, Actor::System),
        Err(LifecycleError::NotPermitted {
            action: ActionKind::Assign,
            actor: Actor::System
        }),
        "the system has no self to take a request for"
    );
}

#[test]
fn the_system_may_do_what_automation_needs_and_nothing_else() {
    let may: Vec<ActionKind> = ActionKind::TRANSITIONS
        .into_iter()
        .filter(|k| k.permits(Actor::System))
        .collect();
    assert_eq!(
        may,
        [
            ActionKind::Register,
            ActionKind::StartAssessment,
            ActionKind::Approve,
            ActionKind::Assign
        ]
    );
    for k in ActionKind::SYSTEM_EVENTS {
        assert!(!k.permits(Actor::System), "{k:?} is recorded, not taken");
        assert_eq!(ActionKind::parse(k.as_str()), Some(k));
    }
}

#[test]
fn who_may_submit() {
    assert!(ActionKind::Submit.permits(Actor::Requester));
    assert!(ActionKind::Submit.permits(Actor::Staff(Role::Provider)));
    assert!(!ActionKind::Submit.permits(Actor::Staff(Role::Admin)));
    assert!(!ActionKind::Submit.permits(Actor::System));
}

#[test]
fn ratings_outside_one_to_five_are_refused() {
    for score in [0u8, 6, 255] {
        assert_eq!(
            apply(
                Fulfilled,
                &Action::Rate {
                    score,
                    comment: None
                },
                Actor::Requester
            ),
            Err(LifecycleError::InvalidRating)
        );
    }
    for score in 1..=5u8 {
        assert!(
            apply(
                Fulfilled,
                &Action::Rate {
                    score,
                    comment: None
                },
                Actor::Requester
            )
            .is_ok()
        );
    }
}

#[test]
fn overlong_text_is_refused() {
    let long = "ā".repeat(MAX_COMMENT_CHARS + 1);
    assert_eq!(
        apply(
            UnderAssessment,
            &Action::Refuse { reason: long },
            Actor::Staff(Role::Owner)
        ),
        Err(LifecycleError::TextTooLong)
    );
    let exact = "ā".repeat(MAX_COMMENT_CHARS);
    assert!(
        apply(
            UnderAssessment,
            &Action::Refuse { reason: exact },
            Actor::Staff(Role::Owner)
        )
        .is_ok()
    );
}

#[test]
fn visibility_to_requester() {
    let staff = Actor::Staff(Role::Provider);
    let internal = apply(
        InFulfilment,
        &Action::RecordAction {
            note: "x".into(),
            visible_to_requester: false,
        },
        staff,
    )
    .unwrap();
    assert!(!internal.visible_to_requester);
    let public = apply(
        InFulfilment,
        &Action::RecordAction {
            note: "x".into(),
            visible_to_requester: true,
        },
        staff,
    )
    .unwrap();
    assert!(public.visible_to_requester);
    assert!(
        !apply(Approved, &Action::Assign { to_self: true }, staff)
            .unwrap()
            .visible_to_requester
    );
    assert!(
        apply(
            UnderAssessment,
            &Action::Refuse { reason: "r".into() },
            staff
        )
        .unwrap()
        .visible_to_requester
    );
}

#[test]
fn stages_follow_the_brief() {
    assert_eq!(Submitted.stage(), Stage::Requesting);
    assert_eq!(AwaitingInformation.stage(), Stage::Processing);
    assert_eq!(Refused.stage(), Stage::Processing);
    assert_eq!(InFulfilment.stage(), Stage::Delivery);
    assert_eq!(Fulfilled.stage(), Stage::Evaluation);
}

#[test]
fn names_round_trip() {
    for s in Status::ALL {
        assert_eq!(Status::parse(s.as_str()), Some(s));
    }
    for r in Role::ALL {
        assert_eq!(Role::parse(r.as_str()), Some(r));
    }
    for k in ActionKind::TRANSITIONS {
        assert_eq!(ActionKind::parse(k.as_str()), Some(k));
    }
    assert_eq!(Status::parse("nonsense"), None);
}

#[test]
fn the_happy_path_reaches_closed() {
    let p = Actor::Staff(Role::Provider);
    let steps: Vec<(Action, Actor)> = vec![
        (Action::Register { note: None }, p),
        (Action::StartAssessment, p),
        (
            Action::RequestInformation {
                reason: "need a copy".into(),
            },
            p,
        ),
        (
            Action::ProvideInformation {
                answer: "attached".into(),
            },
            Actor::Requester,
        ),
        (Action::Approve { note: None }, p),
        (Action::Assign { to_self: true }, p),
        (
            Action::Fulfil {
                result: "issued".into(),
            },
            p,
        ),
        (
            Action::Rate {
                score: 4,
                comment: Some("ok".into()),
            },
            Actor::Requester,
        ),
    ];
    let mut status = Submitted;
    for (action, actor) in steps {
        status = apply(status, &action, actor).unwrap().to;
    }
    assert_eq!(status, Closed);
}
