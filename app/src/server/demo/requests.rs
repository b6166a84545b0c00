//! Demo requests in every status, made through the service layer itself (as the
//! requester and as staff, on a manual clock) so they follow the same rules as real ones.

use super::DEMO_PASSWORD;
use super::catalogue::DemoService;
use crate::domain::partners::Location;
use crate::domain::sla;
use crate::domain::{
    Action, Actor, Channel, FieldSpec, FieldType, Lang, Role, SlaState, Status, lifecycle,
};
use crate::server::Taka;
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::service::{Clock, NewRequest, Origin};
use std::collections::BTreeMap;

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn sample_value(f: &FieldSpec, rng: &mut Lcg, now: i64) -> Option<String> {
    let date = |days_ago: i64| crate::server::service::local_date_string(now - days_ago * 86_400);
    Some(match f.kind {
        FieldType::Choice | FieldType::MultiChoice => {
            f.options.get(rng.below(f.options.len()))?.value.clone()
        }
        FieldType::YesNo => "yes".into(),
        // Demo requests come without files.
        FieldType::File => return None,
        FieldType::Date => date(rng.below(300) as i64),
        FieldType::Number => {
            let lo = f.min.unwrap_or(1);
            let hi = f.max.unwrap_or(if f.name == "year" { 2026 } else { 900 });
            if f.name == "year" {
                "2026".into()
            } else {
                (lo + rng.below((hi - lo + 1) as usize) as i64).to_string()
            }
        }
        FieldType::Email => "iedzivotajs@example.lv".into(),
        FieldType::Phone => "+37120000000".into(),
        FieldType::Text | FieldType::LongText => match f.name.as_str() {
            "child_name" => ["Marta Ozola", "Emīls Kalniņš", "Sofija Liepa"][rng.below(3)].into(),
            "iban" => "LV80BANK0000435195001".into(),
            "plate" => format!(
                "K{}-{}",
                ["L", "M", "R"][rng.below(3)],
                1000 + rng.below(8999)
            ),
            "address" | "new_address" => format!("Rīgas iela {}, Valmiera", 1 + rng.below(80)),
            "cadastre" => format!("9601{:07}", rng.below(9_999_999)),
            "personal_code" => format!("{:06}-{:05}", 10180 + rng.below(200000), rng.below(99999)),
            "species" => "Bērzs, kļava".into(),
            "new_name" => "Anna Ozoliņa".into(),
            _ => {
                "Lūdzu izskatīt pieprasījumu. Papildu informācija pieejama pēc pieprasījuma.".into()
            }
        },
    })
}

/// The actions that take a just submitted request to `target`, in order. A service's
/// automation may already have taken some of them (registered, approved, assigned): the
/// demo skips a step the request is past (`still_to_take`).
fn path_to(target: Status) -> Vec<(Action, bool)> {
    let mut steps: Vec<(Action, bool)> = Vec::new(); // (action, by requester)
    let processing = |steps: &mut Vec<(Action, bool)>| {
        steps.push((Action::Register { note: None }, false));
        steps.push((Action::StartAssessment, false));
    };
    let delivery = |steps: &mut Vec<(Action, bool)>| {
        processing(steps);
        steps.push((
            Action::Approve {
                note: Some("Atbilst nosacījumiem.".into()),
            },
            false,
        ));
        steps.push((Action::Assign { to_self: true }, false));
        steps.push((
            Action::RecordAction {
                note: "Sagatavoti dokumenti.".into(),
                visible_to_requester: true,
            },
            false,
        ));
    };
    match target {
        Status::Submitted => {}
        Status::Registered => steps.push((Action::Register { note: None }, false)),
        Status::UnderAssessment => processing(&mut steps),
        Status::AwaitingInformation => {
            processing(&mut steps);
            steps.push((
                Action::RequestInformation {
                    reason: "Lūdzu, precizējiet adresi un pievienojiet īres līgumu.".into(),
                },
                false,
            ));
        }
        Status::Approved => {
            processing(&mut steps);
            steps.push((Action::Approve { note: None }, false));
        }
        Status::Refused => {
            processing(&mut steps);
            steps.push((Action::Refuse { reason: "Pieprasītājs neatbilst pakalpojuma nosacījumiem: dzīvesvieta nav deklarēta novadā.".into() }, false));
        }
        Status::InFulfilment => delivery(&mut steps),
        Status::Fulfilled => {
            delivery(&mut steps);
            steps.push((
                Action::Fulfil {
                    result: "Pakalpojums sniegts; lēmums nosūtīts uz e-pastu.".into(),
                },
                false,
            ));
        }
        Status::Closed => {
            delivery(&mut steps);
            steps.push((
                Action::Fulfil {
                    result: "Pakalpojums sniegts.".into(),
                },
                false,
            ));
            steps.push((
                Action::Rate {
                    score: 4,
                    comment: Some("Ātri un saprotami.".into()),
                },
                true,
            ));
        }
        Status::Withdrawn => {
            processing(&mut steps);
            steps.push((
                Action::Withdraw {
                    reason: Some("Vairs nav vajadzīgs.".into()),
                },
                true,
            ));
        }
    }
    steps
}

/// Whether the demo still takes `action` on a request in `status`: only a step the
/// lifecycle allows now, and no taking over a request automation already assigned.
fn still_to_take(status: Status, action: &Action, by_requester: bool) -> bool {
    let actor = if by_requester {
        Actor::Requester
    } else {
        Actor::Staff(Role::Provider)
    };
    let assigned = matches!(action, Action::Assign { .. }) && status == Status::InFulfilment;
    !assigned && lifecycle::apply(status, action, actor).is_ok()
}

pub(super) async fn make_requests(
    taka: &Taka,
    catalogue: &[DemoService],
    names: &[String],
    now: i64,
) -> ServiceResult<usize> {
    let clock = Clock::manual(now);
    let demo = taka.clone_with_clock(clock.clone());
    let mut rng = Lcg(2026);
    let providers: BTreeMap<&str, &str> = [("VNP", "sniedzejs"), ("PMLP", "pmlp.sniedzejs")]
        .into_iter()
        .collect();
    let mut sessions = BTreeMap::new();
    for (inst, user) in &providers {
        let (token, _) = demo
            .sign_in(
                user,
                DEMO_PASSWORD,
                &crate::server::service::Client::local(),
            )
            .await?;
        let ctx = demo
            .staff_for_session(&token, Lang::Lv)
            .await?
            .ok_or_else(|| ServiceError::Internal("demo session".into()))?;
        sessions.insert(*inst, (token, ctx));
    }
    // Some of every status; more of the open ones, as in a living system.
    let plan: &[(Status, usize)] = &[
        (Status::Submitted, 6),
        (Status::Registered, 5),
        (Status::UnderAssessment, 6),
        (Status::AwaitingInformation, 4),
        (Status::Approved, 4),
        (Status::Refused, 4),
        (Status::InFulfilment, 6),
        (Status::Fulfilled, 5),
        (Status::Closed, 10),
        (Status::Withdrawn, 3),
    ];
    let mut made = 0;
    for (target, count) in plan {
        for _ in 0..*count {
            let svc = &catalogue[rng.below(catalogue.len())];
            // Older requests have gone further; all start within the last 40 days.
            let age_days = match target {
                Status::Submitted => rng.below(2),
                Status::Closed | Status::Fulfilled | Status::Withdrawn => 15 + rng.below(25),
                _ => 3 + rng.below(20),
            } as i64;
            let mut t = now - age_days * 86_400 - rng.below(8 * 3600) as i64;
            clock.set(t);
            let values = svc
                .fields
                .iter()
                .filter_map(|f| sample_value(f, &mut rng, now).map(|v| (f.name.clone(), v)))
                .collect();
            let name = names[rng.below(names.len())].as_str();
            let email = format!(
                "{}@example.lv",
                name.split(' ')
                    .next()
                    .unwrap_or("x")
                    .to_lowercase()
                    .replace(['ā', 'ē', 'ī', 'ū', 'ļ', 'ņ', 'š', 'ž', 'č', 'ģ', 'ķ'], "a")
            );
            let in_person = rng.below(5) == 0;
            let (_, ctx) = sessions
                .get(svc.institution.as_str())
                .ok_or_else(|| ServiceError::Internal("demo institution".into()))?;
            let receipt = demo
                .submit(
                    NewRequest {
                        service_code: svc.code.clone(),
                        values,
                        contact_name: name.into(),
                        contact_email: email,
                        contact_phone: if rng.below(2) == 0 {
                            "+371 2612 3456".into()
                        } else {
                            String::new()
                        },
                        lang: if rng.below(4) == 0 {
                            Lang::En
                        } else {
                            Lang::Lv
                        },
                        channel: if in_person {
                            Channel::InPerson
                        } else {
                            Channel::Web
                        },
                        idempotency: None,
                        files: Default::default(),
                        origin: Origin {
                            location: place(svc, &mut rng),
                            ..Default::default()
                        },
                    },
                    in_person.then_some(ctx),
                )
                .await?;
            let steps = path_to(*target);
            let step_gap = (age_days * 86_400 / (steps.len() as i64 + 1)).max(600);
            for (action, by_requester) in steps {
                let status = demo
                    .track(&receipt.reference, &receipt.tracking_code, Lang::Lv)
                    .await?
                    .status;
                if !still_to_take(status, &action, by_requester) {
                    continue;
                }
                t += step_gap / 2 + rng.below(step_gap as usize / 2 + 1) as i64;
                clock.set(t.min(now));
                if by_requester {
                    demo.requester_act(
                        &receipt.reference,
                        &receipt.tracking_code,
                        action,
                        Lang::Lv,
                    )
                    .await?;
                } else {
                    let row = demo
                        .staff_request(ctx, &receipt.reference, Lang::Lv)
                        .await?;
                    demo.staff_act(ctx, &receipt.reference, row.version, action, None)
                        .await?;
                }
            }
            made += 1;
        }
    }
    // Three fresh requests placed so that one is on time, one at risk and one already late
    // for registration, whatever the day the demo is loaded.
    if let Some(svc) = catalogue.iter().find(|s| !s.auto_register) {
        let (service_id, institution_id): (i64, i64) =
            sqlx::query_as("SELECT id, institution_id FROM services WHERE code = $1")
                .bind(svc.code.as_str())
                .fetch_one(&demo.db.read)
                .await?;
        let cal = demo.calendar_for(service_id, institution_id).await?;
        let targets = demo.targets(service_id).await?;
        for (i, want) in [SlaState::OnTime, SlaState::AtRisk, SlaState::Breached]
            .into_iter()
            .enumerate()
        {
            let Some(at) = (0..3000_i64)
                .map(|k| now - 600 - k * 600)
                .find(|t| sla::on_submit(&cal, &targets, Status::Submitted, *t).state(now) == want)
            else {
                continue;
            };
            clock.set(at);
            let values = svc
                .fields
                .iter()
                .filter_map(|f| sample_value(f, &mut rng, now).map(|v| (f.name.clone(), v)))
                .collect();
            demo.submit(
                NewRequest {
                    service_code: svc.code.clone(),
                    values,
                    contact_name: names[i % names.len()].clone(),
                    contact_email: format!("pieprasitajs{}@example.lv", i + 1),
                    contact_phone: String::new(),
                    lang: Lang::Lv,
                    channel: Channel::Web,
                    idempotency: None,
                    files: Default::default(),
                    origin: Origin {
                        location: place(svc, &mut rng),
                        ..Default::default()
                    },
                },
                None,
            )
            .await?;
            made += 1;
        }
    }
    for (token, _) in sessions.values() {
        demo.sign_out(token).await?;
    }
    // Mark what is at risk or late now, as the background job would.
    taka.sla_sweep().await?;
    Ok(made)
}

/// Places in Valmiera for the services that ask where (the rest: none).
fn place(svc: &DemoService, rng: &mut Lcg) -> Location {
    const PLACES: [(&str, f64, f64); 5] = [
        ("Rīgas iela 10, Valmiera", 57.53810, 25.42630),
        ("Lāčplēša iela 2, Valmiera", 57.53640, 25.42210),
        ("Vecpuiškas parks, Valmiera", 57.54150, 25.43020),
        ("Stacijas iela 1, Valmiera", 57.53070, 25.41360),
        ("Gaujas krastmala pie tilta, Valmiera", 57.53990, 25.41810),
    ];
    if !svc.asks_location {
        return Location::default();
    }
    let (address, lat, long) = PLACES[rng.below(PLACES.len())];
    Location {
        lat: Some(lat),
        long: Some(long),
        address: Some(address.to_string()),
    }
}
