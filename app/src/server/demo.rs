//! Demo data: one municipality and one state institution, ten services, a staff user per
//! role, and requests in every status, made through the service layer itself so they
//! follow the same rules as real ones. Loaded only into an empty database, only on request.

use super::Taka;
use super::error::{ServiceError, ServiceResult};
use super::service::{Clock, NewRequest, NewUser};
use crate::domain::fields::ChoiceOption;
use crate::domain::sla;
use crate::domain::{
    Action, Channel, FieldSpec, FieldType, Lang, LocalText, Role, SlaState, Status,
};
use std::collections::BTreeMap;

/// The password of every demo account. Demo data only; never used otherwise.
pub const DEMO_PASSWORD: &str = "demo-parole-2026";

fn field(name: &str, kind: FieldType, required: bool, lv: &str, en: &str) -> FieldSpec {
    FieldSpec {
        name: name.into(),
        label: LocalText::new(lv, en),
        help: None,
        kind,
        required,
        options: vec![],
        min: None,
        max: None,
        max_chars: None,
    }
}

fn choice(
    name: &str,
    required: bool,
    lv: &str,
    en: &str,
    options: &[(&str, &str, &str)],
) -> FieldSpec {
    let mut f = field(name, FieldType::Choice, required, lv, en);
    f.options = options
        .iter()
        .map(|(v, lv, en)| ChoiceOption {
            value: v.to_string(),
            label: LocalText::new(lv, en),
        })
        .collect();
    f
}

fn with_help(mut f: FieldSpec, lv: &str, en: &str) -> FieldSpec {
    f.help = Some(LocalText::new(lv, en));
    f
}

struct DemoService {
    code: &'static str,
    institution: &'static str,
    sla_days: i64,
    auto_register: bool,
    situations: &'static [&'static str],
    /// name, summary, description, conditions, documents — Latvian then English.
    lv: [&'static str; 4],
    en: [&'static str; 4],
    docs_lv: &'static [&'static str],
    docs_en: &'static [&'static str],
    fields: fn() -> Vec<FieldSpec>,
}

fn services() -> Vec<DemoService> {
    vec![
        DemoService {
            code: "VNP-BERNA-PABALSTS",
            institution: "VNP",
            sla_days: 10,
            auto_register: true,
            situations: &["birth"],
            lv: [
                "Pabalsts bērna piedzimšanas gadījumā",
                "Vienreizējs pašvaldības pabalsts ģimenei pēc bērna piedzimšanas.",
                "Pašvaldība izmaksā vienreizēju pabalstu par katru jaundzimušo, kura dzīvesvieta deklarēta novadā. Pabalstu pārskaita uz pieprasītāja norādīto kontu.",
                "Vismaz viena vecāka un bērna dzīvesvieta ir deklarēta novadā; pieprasījums iesniegts sešu mēnešu laikā pēc bērna piedzimšanas.",
            ],
            en: [
                "Childbirth allowance",
                "A one-off municipal allowance for a family after the birth of a child.",
                "The municipality pays a one-off allowance for each newborn whose place of residence is declared in the municipality. It is paid to the account you give.",
                "At least one parent and the child have their residence declared in the municipality; the request is made within six months of the birth.",
            ],
            docs_lv: &["Bērna dzimšanas apliecība (ja bērns reģistrēts ārvalstīs)"],
            docs_en: &["The child's birth certificate (if the birth was registered abroad)"],
            fields: || {
                vec![
                    field(
                        "child_name",
                        FieldType::Text,
                        true,
                        "Bērna vārds, uzvārds",
                        "Child's full name",
                    ),
                    field(
                        "birth_date",
                        FieldType::Date,
                        true,
                        "Bērna dzimšanas datums",
                        "Child's date of birth",
                    ),
                    with_help(
                        field(
                            "iban",
                            FieldType::Text,
                            true,
                            "Konta numurs (IBAN)",
                            "Account number (IBAN)",
                        ),
                        "Piemēram, LV80BANK0000435195001",
                        "For example LV80BANK0000435195001",
                    ),
                    field(
                        "both_parents",
                        FieldType::YesNo,
                        false,
                        "Abu vecāku dzīvesvieta ir novadā",
                        "Both parents live in the municipality",
                    ),
                ]
            },
        },
        DemoService {
            code: "VNP-PIRMSSKOLA",
            institution: "VNP",
            sla_days: 15,
            auto_register: false,
            situations: &["birth", "family"],
            lv: [
                "Rinda uz vietu pirmsskolas izglītības iestādē",
                "Pieteikt bērnu rindā uz vietu pašvaldības bērnudārzā.",
                "Bērnu var pieteikt no dzimšanas. Vietu piešķir rindas kārtībā, ņemot vērā vēlamo iestādi un datumu.",
                "Bērna dzīvesvieta ir deklarēta novadā. Pieteikumu var iesniegt viens no vecākiem vai aizbildnis.",
            ],
            en: [
                "Waiting list for a kindergarten place",
                "Put a child on the waiting list for a place in a municipal kindergarten.",
                "A child can be registered from birth. Places are given in order of the list, by preferred kindergarten and date.",
                "The child's residence is declared in the municipality. A parent or guardian may apply.",
            ],
            docs_lv: &[],
            docs_en: &[],
            fields: || {
                vec![
                    field(
                        "child_name",
                        FieldType::Text,
                        true,
                        "Bērna vārds, uzvārds",
                        "Child's full name",
                    ),
                    field(
                        "birth_date",
                        FieldType::Date,
                        true,
                        "Bērna dzimšanas datums",
                        "Child's date of birth",
                    ),
                    choice(
                        "kindergarten",
                        true,
                        "Vēlamā iestāde",
                        "Preferred kindergarten",
                        &[
                            ("saulite", "PII \"Saulīte\"", "Kindergarten \"Saulīte\""),
                            ("kalnini", "PII \"Kalniņi\"", "Kindergarten \"Kalniņi\""),
                            ("any", "Jebkura tuvākā", "Any nearby"),
                        ],
                    ),
                    field(
                        "start_date",
                        FieldType::Date,
                        true,
                        "Vēlamais sākuma datums",
                        "Preferred start date",
                    ),
                    field(
                        "notes",
                        FieldType::LongText,
                        false,
                        "Papildu informācija",
                        "Additional information",
                    ),
                ]
            },
        },
        DemoService {
            code: "VNP-STAVATLAUJA",
            institution: "VNP",
            sla_days: 5,
            auto_register: true,
            situations: &["moving", "housing"],
            lv: [
                "Iedzīvotāja transportlīdzekļa stāvatļauja",
                "Atļauja novietot auto maksas stāvvietās pie savas dzīvesvietas.",
                "Stāvatļauja ļauj bez maksas novietot transportlīdzekli maksas zonā pie deklarētās dzīvesvietas. Derīga vienu gadu.",
                "Dzīvesvieta deklarēta maksas stāvvietu zonā; transportlīdzeklis reģistrēts uz pieprasītāju vai viņa darba devēju.",
            ],
            en: [
                "Resident parking permit",
                "Permission to park in paid zones near your home.",
                "The permit lets you park free of charge in the paid zone near your declared residence. It is valid for one year.",
                "Your residence is declared in a paid parking zone; the vehicle is registered to you or your employer.",
            ],
            docs_lv: &["Transportlīdzekļa reģistrācijas apliecība"],
            docs_en: &["Vehicle registration certificate"],
            fields: || {
                vec![
                    field(
                        "plate",
                        FieldType::Text,
                        true,
                        "Valsts reģistrācijas numurs",
                        "Registration number",
                    ),
                    field(
                        "address",
                        FieldType::Text,
                        true,
                        "Dzīvesvietas adrese",
                        "Home address",
                    ),
                    choice(
                        "zone",
                        true,
                        "Zona",
                        "Zone",
                        &[
                            ("a", "A zona (centrs)", "Zone A (centre)"),
                            ("b", "B zona", "Zone B"),
                        ],
                    ),
                ]
            },
        },
        DemoService {
            code: "VNP-KOKU-CIRSANA",
            institution: "VNP",
            sla_days: 20,
            auto_register: false,
            situations: &["housing"],
            lv: [
                "Atļauja koku ciršanai ārpus meža",
                "Atļauja nocirst kokus savā īpašumā pilsētā vai ciemā.",
                "Pašvaldības komisija apseko kokus un izlemj par atļauju. Var tikt prasīta zaudējumu kompensācija.",
                "Pieprasītājs ir zemes īpašnieks vai viņa pilnvarota persona.",
            ],
            en: [
                "Permit to fell trees outside forests",
                "Permission to fell trees on your property in a town or village.",
                "A municipal commission inspects the trees and decides. Compensation may be required.",
                "You own the land or are authorised by the owner.",
            ],
            docs_lv: &[
                "Zemes robežu plāns ar atzīmētiem kokiem",
                "Pilnvara (ja iesniedz pilnvarotā persona)",
            ],
            docs_en: &[
                "Land boundary plan with the trees marked",
                "Authorisation (if applying on the owner's behalf)",
            ],
            fields: || {
                let mut count = field(
                    "tree_count",
                    FieldType::Number,
                    true,
                    "Koku skaits",
                    "Number of trees",
                );
                count.min = Some(1);
                count.max = Some(500);
                vec![
                    field(
                        "cadastre",
                        FieldType::Text,
                        true,
                        "Kadastra numurs",
                        "Cadastral number",
                    ),
                    count,
                    field(
                        "species",
                        FieldType::Text,
                        true,
                        "Koku sugas",
                        "Tree species",
                    ),
                    field(
                        "reason",
                        FieldType::LongText,
                        true,
                        "Ciršanas iemesls",
                        "Reason for felling",
                    ),
                ]
            },
        },
        DemoService {
            code: "VNP-NIN-ATVIEGLOJUMS",
            institution: "VNP",
            sla_days: 30,
            auto_register: false,
            situations: &["housing", "social"],
            lv: [
                "Nekustamā īpašuma nodokļa atvieglojums",
                "Nodokļa samazinājums noteiktām iedzīvotāju grupām.",
                "Atvieglojumu piešķir par kārtējo gadu, ja pieprasītājs atbilst kādai no saistošajos noteikumos minētajām grupām.",
                "Īpašums ir pieprasītāja deklarētā dzīvesvieta; pieprasītājs atbilst atvieglojuma grupai.",
            ],
            en: [
                "Property tax relief",
                "A reduction of property tax for certain groups of residents.",
                "Relief is granted for the current year when you belong to one of the groups in the municipal regulations.",
                "The property is your declared residence; you belong to a relief group.",
            ],
            docs_lv: &["Dokuments, kas apliecina atbilstību grupai"],
            docs_en: &["A document proving that you belong to the group"],
            fields: || {
                vec![
                    field(
                        "cadastre",
                        FieldType::Text,
                        true,
                        "Kadastra numurs",
                        "Cadastral number",
                    ),
                    choice(
                        "group",
                        true,
                        "Atvieglojuma grupa",
                        "Relief group",
                        &[
                            ("large_family", "Daudzbērnu ģimene", "Large family"),
                            ("senior", "Pensionārs", "Pensioner"),
                            (
                                "disability",
                                "Persona ar invaliditāti",
                                "Person with a disability",
                            ),
                        ],
                    ),
                    field(
                        "year",
                        FieldType::Number,
                        true,
                        "Taksācijas gads",
                        "Tax year",
                    ),
                ]
            },
        },
        DemoService {
            code: "VNP-TRUCIGAS-STATUSS",
            institution: "VNP",
            sla_days: 20,
            auto_register: false,
            situations: &["social"],
            lv: [
                "Trūcīgas vai maznodrošinātas mājsaimniecības statuss",
                "Statuss, kas dod tiesības uz sociālo palīdzību un atvieglojumiem.",
                "Sociālais dienests izvērtē mājsaimniecības ienākumus un materiālo stāvokli un pieņem lēmumu.",
                "Mājsaimniecības ienākumi nepārsniedz saistošajos noteikumos noteikto slieksni.",
            ],
            en: [
                "Low-income household status",
                "A status that gives access to social assistance and reductions.",
                "The social service assesses the household's income and means and decides.",
                "The household's income is below the threshold in the municipal regulations.",
            ],
            docs_lv: &["Izziņas par ienākumiem pēdējos trīs mēnešos"],
            docs_en: &["Statements of income for the last three months"],
            fields: || {
                let mut members = field(
                    "members",
                    FieldType::Number,
                    true,
                    "Mājsaimniecības locekļu skaits",
                    "Household members",
                );
                members.min = Some(1);
                members.max = Some(20);
                vec![
                    members,
                    field(
                        "income",
                        FieldType::Number,
                        true,
                        "Kopējie ienākumi mēnesī (EUR)",
                        "Total monthly income (EUR)",
                    ),
                    field(
                        "situation",
                        FieldType::LongText,
                        true,
                        "Situācijas apraksts",
                        "Describe your situation",
                    ),
                ]
            },
        },
        DemoService {
            code: "PMLP-DZIVESVIETA",
            institution: "PMLP",
            sla_days: 3,
            auto_register: true,
            situations: &["moving"],
            lv: [
                "Dzīvesvietas deklarēšana",
                "Paziņot savu jauno dzīvesvietas adresi.",
                "Deklarētā dzīvesvieta ir adrese, kur ar jums var sazināties valsts un pašvaldības iestādes. Deklarēšana ir obligāta mēneša laikā pēc pārcelšanās.",
                "Jums ir tiesības dzīvot norādītajā mājoklī (īpašums, īre vai īpašnieka piekrišana).",
            ],
            en: [
                "Declaring your place of residence",
                "Tell us your new home address.",
                "Your declared residence is the address where state and municipal institutions contact you. You must declare it within a month of moving.",
                "You have the right to live at the address (ownership, lease or the owner's consent).",
            ],
            docs_lv: &["Īres līgums vai īpašnieka piekrišana (ja neesat īpašnieks)"],
            docs_en: &["Lease or the owner's consent (if you are not the owner)"],
            fields: || {
                vec![
                    field(
                        "personal_code",
                        FieldType::Text,
                        true,
                        "Personas kods",
                        "Personal identity number",
                    ),
                    field(
                        "new_address",
                        FieldType::Text,
                        true,
                        "Jaunā adrese",
                        "New address",
                    ),
                    field(
                        "move_date",
                        FieldType::Date,
                        true,
                        "Pārcelšanās datums",
                        "Date of moving",
                    ),
                    choice(
                        "basis",
                        true,
                        "Tiesiskais pamats",
                        "Legal basis",
                        &[
                            ("owner", "Esmu īpašnieks", "I am the owner"),
                            ("lease", "Īres līgums", "Lease"),
                            ("consent", "Īpašnieka piekrišana", "Owner's consent"),
                        ],
                    ),
                ]
            },
        },
        DemoService {
            code: "PMLP-PASE",
            institution: "PMLP",
            sla_days: 10,
            auto_register: true,
            situations: &["documents"],
            lv: [
                "Pases izsniegšana",
                "Pieteikties jaunai Latvijas pilsoņa pasei.",
                "Pasi izsniedz pēc pieteikuma un valsts nodevas samaksas. Pēc pieteikuma jums tiks piedāvāts laiks fotografēšanai klātienē.",
                "Latvijas pilsonis vai nepilsonis; valsts nodeva samaksāta.",
            ],
            en: [
                "Passport issue",
                "Apply for a new Latvian citizen's passport.",
                "The passport is issued after the application and the state fee. You will be offered a time to have your photo taken in person.",
                "Latvian citizen or non-citizen; the state fee is paid.",
            ],
            docs_lv: &["Iepriekšējā pase (ja ir)"],
            docs_en: &["Your previous passport (if any)"],
            fields: || {
                vec![
                    field(
                        "personal_code",
                        FieldType::Text,
                        true,
                        "Personas kods",
                        "Personal identity number",
                    ),
                    choice(
                        "urgency",
                        true,
                        "Izgatavošanas termiņš",
                        "Processing time",
                        &[
                            (
                                "normal",
                                "Parastais (10 darba dienas)",
                                "Normal (10 working days)",
                            ),
                            (
                                "fast",
                                "Paātrinātais (2 darba dienas)",
                                "Fast (2 working days)",
                            ),
                        ],
                    ),
                    choice(
                        "office",
                        true,
                        "Izsniegšanas vieta",
                        "Where to collect",
                        &[
                            (
                                "riga",
                                "Rīga, Čiekurkalna 1. līnija 1",
                                "Riga, Čiekurkalna 1. līnija 1",
                            ),
                            (
                                "valmiera",
                                "Valmiera, Rīgas iela 3",
                                "Valmiera, Rīgas iela 3",
                            ),
                        ],
                    ),
                    field(
                        "fee_paid",
                        FieldType::YesNo,
                        true,
                        "Valsts nodeva ir samaksāta",
                        "The state fee is paid",
                    ),
                ]
            },
        },
        DemoService {
            code: "PMLP-IZZINA",
            institution: "PMLP",
            sla_days: 2,
            auto_register: true,
            situations: &["documents", "moving"],
            lv: [
                "Izziņa no Fizisko personu reģistra",
                "Izziņa par jūsu deklarēto dzīvesvietu vai ģimenes stāvokli.",
                "Izziņu sagatavo elektroniski un nosūta uz jūsu e-pastu vai izsniedz klātienē.",
                "Izziņu var pieprasīt par sevi vai savu nepilngadīgo bērnu.",
            ],
            en: [
                "Statement from the Population Register",
                "A statement of your declared residence or marital status.",
                "The statement is prepared electronically and sent to your e-mail or handed over in person.",
                "You may request a statement about yourself or your minor child.",
            ],
            docs_lv: &[],
            docs_en: &[],
            fields: || {
                vec![
                    field(
                        "personal_code",
                        FieldType::Text,
                        true,
                        "Personas kods",
                        "Personal identity number",
                    ),
                    choice(
                        "kind",
                        true,
                        "Izziņas veids",
                        "Kind of statement",
                        &[
                            (
                                "residence",
                                "Par deklarēto dzīvesvietu",
                                "Declared residence",
                            ),
                            ("family", "Par ģimenes stāvokli", "Marital status"),
                        ],
                    ),
                    field(
                        "purpose",
                        FieldType::Text,
                        false,
                        "Iesniegšanai (kur)",
                        "To be submitted to",
                    ),
                ]
            },
        },
        DemoService {
            code: "PMLP-VARDA-MAINA",
            institution: "PMLP",
            sla_days: 30,
            auto_register: false,
            situations: &["family", "documents"],
            lv: [
                "Vārda vai uzvārda maiņa",
                "Mainīt savu vārdu vai uzvārdu.",
                "Iestāde izvērtē pamatojumu un pieņem lēmumu. Pēc pozitīva lēmuma jāsaņem jauni personu apliecinoši dokumenti.",
                "Pilngadīga persona; vārdu var mainīt ne biežāk kā reizi trijos gados.",
            ],
            en: [
                "Change of first name or surname",
                "Change your first name or surname.",
                "The office assesses your reasons and decides. After a positive decision you need new identity documents.",
                "An adult; a name can be changed at most once every three years.",
            ],
            docs_lv: &["Dokuments, kas pamato maiņu (ja ir)"],
            docs_en: &["A document supporting the change (if any)"],
            fields: || {
                vec![
                    field(
                        "personal_code",
                        FieldType::Text,
                        true,
                        "Personas kods",
                        "Personal identity number",
                    ),
                    field(
                        "new_name",
                        FieldType::Text,
                        true,
                        "Jaunais vārds, uzvārds",
                        "New full name",
                    ),
                    field(
                        "reason",
                        FieldType::LongText,
                        true,
                        "Maiņas pamatojums",
                        "Reason for the change",
                    ),
                ]
            },
        },
    ]
}

const SITUATIONS: &[(&str, &str, &str)] = &[
    ("birth", "Bērna piedzimšana", "Birth of a child"),
    ("family", "Ģimene un laulība", "Family and marriage"),
    ("moving", "Dzīvesvietas maiņa", "Moving house"),
    ("housing", "Mājoklis un īpašums", "Home and property"),
    ("social", "Sociālais atbalsts", "Social support"),
    (
        "documents",
        "Personu apliecinoši dokumenti",
        "Identity documents",
    ),
];

const NAMES: &[&str] = &[
    "Anna Bērziņa",
    "Jānis Kalniņš",
    "Līga Ozola",
    "Mārtiņš Liepa",
    "Ilze Krūmiņa",
    "Edgars Zariņš",
    "Dace Vītola",
    "Kristaps Jansons",
    "Inese Pētersone",
    "Andris Balodis",
    "Laura Siliņa",
    "Artūrs Eglītis",
    "Zane Kļaviņa",
    "Roberts Āboliņš",
    "Elīna Grīnberga",
    "Oskars Lapiņš",
];

/// Whether the database has no institutions yet.
pub async fn is_empty(taka: &Taka) -> ServiceResult<bool> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM institutions")
        .fetch_one(&taka.db.read)
        .await?;
    Ok(n == 0)
}

/// Load the demo data into an empty database. Returns the number of requests made.
pub async fn load(taka: &Taka) -> ServiceResult<usize> {
    if !is_empty(taka).await? {
        return Ok(0);
    }
    load_catalogue(taka).await?;
    make_requests(taka, &services(), taka.now()).await
}

/// Institutions, services, life situations and staff, without requests (tests use this).
pub async fn load_catalogue(taka: &Taka) -> ServiceResult<()> {
    let now = taka.now();
    let db = &taka.db.write;
    for (code, kind, sector, municipality, lv, en) in [
        (
            "VNP",
            "municipality",
            "local_government",
            Some("valmiera"),
            "Valmieras novada pašvaldība",
            "Valmiera Municipality",
        ),
        (
            "PMLP",
            "state",
            "interior",
            None,
            "Pilsonības un migrācijas lietu pārvalde",
            "Office of Citizenship and Migration Affairs",
        ),
    ] {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO institutions (code, kind, sector, municipality, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(code)
        .bind(kind)
        .bind(sector)
        .bind(municipality)
        .bind(now)
        .fetch_one(db)
        .await?;
        for (lang, name) in [("lv", lv), ("en", en)] {
            sqlx::query(
                "INSERT INTO institution_texts (institution_id, lang, name) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(lang)
            .bind(name)
            .execute(db)
            .await?;
        }
    }
    for (pos, (code, lv, en)) in SITUATIONS.iter().enumerate() {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO life_situations (code, position) VALUES ($1, $2) RETURNING id",
        )
        .bind(*code)
        .bind(pos as i64)
        .fetch_one(db)
        .await?;
        for (lang, name) in [("lv", lv), ("en", en)] {
            sqlx::query("INSERT INTO life_situation_texts (life_situation_id, lang, name) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(lang)
                .bind(*name)
                .execute(db)
                .await?;
        }
    }
    let catalogue = services();
    for s in &catalogue {
        let fields = (s.fields)();
        crate::domain::fields::check_schema(&fields).map_err(ServiceError::Internal)?;
        let (inst_id,): (i64,) = sqlx::query_as("SELECT id FROM institutions WHERE code = $1")
            .bind(s.institution)
            .fetch_one(db)
            .await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO services (code, institution_id, sla_register_hours, sla_decide_days, sla_fulfil_days,
                sla_target_pct, fields_json, auto_register, active, created_at)
             VALUES ($1, $2, 8, $3, $4, 90, $5, $6, 1, $7) RETURNING id",
        )
        .bind(s.code)
        .bind(inst_id)
        // The demo states one figure per service: split between deciding and fulfilling.
        .bind((s.sla_days + 1) / 2)
        .bind(s.sla_days / 2)
        .bind(serde_json::to_string(&fields).map_err(|e| ServiceError::Internal(e.to_string()))?)
        .bind(i64::from(s.auto_register))
        .bind(now)
        .fetch_one(db)
        .await?;
        for (lang, t, docs) in [("lv", &s.lv, s.docs_lv), ("en", &s.en, s.docs_en)] {
            sqlx::query(
                "INSERT INTO service_texts (service_id, lang, name, summary, description, conditions, documents_json)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(lang)
            .bind(t[0])
            .bind(t[1])
            .bind(t[2])
            .bind(t[3])
            .bind(serde_json::to_string(docs).unwrap_or_else(|_| "[]".into()))
            .execute(db)
            .await?;
        }
        for sit in s.situations {
            sqlx::query(
                "INSERT INTO service_life_situations (service_id, life_situation_id)
                 SELECT $1, id FROM life_situations WHERE code = $2",
            )
            .bind(id)
            .bind(*sit)
            .execute(db)
            .await?;
        }
    }

    let vnp: Vec<String> = catalogue
        .iter()
        .filter(|s| s.institution == "VNP")
        .map(|s| s.code.to_string())
        .collect();
    let pmlp: Vec<String> = catalogue
        .iter()
        .filter(|s| s.institution == "PMLP")
        .map(|s| s.code.to_string())
        .collect();
    for (username, name, role, inst, svcs) in [
        (
            "sniedzejs",
            "Laima Sniedzēja",
            Role::Provider,
            "VNP",
            vnp.clone(),
        ),
        (
            "sniedzejs2",
            "Pēteris Kociņš",
            Role::Provider,
            "VNP",
            vnp.clone(),
        ),
        (
            "saimnieks",
            "Gatis Saimnieks",
            Role::Owner,
            "VNP",
            vnp.clone(),
        ),
        (
            "vaditajs",
            "Rita Vadītāja",
            Role::PortfolioOwner,
            "VNP",
            vec![],
        ),
        (
            "admins",
            "Aivars Administrators",
            Role::Admin,
            "VNP",
            vec![],
        ),
        (
            "pmlp.sniedzejs",
            "Sandra Kalēja",
            Role::Provider,
            "PMLP",
            pmlp.clone(),
        ),
        (
            "pmlp.saimnieks",
            "Uldis Vanags",
            Role::Owner,
            "PMLP",
            pmlp.clone(),
        ),
        (
            "pmlp.vaditajs",
            "Maija Strautiņa",
            Role::PortfolioOwner,
            "PMLP",
            vec![],
        ),
    ] {
        taka.create_user(NewUser {
            username: username.into(),
            display_name: name.into(),
            email: Some(format!("{}@demo.taka.lv", username.replace('.', "-"))),
            password: DEMO_PASSWORD.into(),
            role,
            institution_code: inst.into(),
            service_codes: svcs,
        })
        .await?;
    }
    // Every service has one named owner (pakalpojuma saimnieks).
    for (owner, inst) in [("saimnieks", "VNP"), ("pmlp.saimnieks", "PMLP")] {
        sqlx::query(
            "UPDATE services SET owner_user_id = (SELECT id FROM users WHERE username = $1)
             WHERE institution_id = (SELECT id FROM institutions WHERE code = $2)",
        )
        .bind(owner)
        .bind(inst)
        .execute(db)
        .await?;
    }
    Ok(())
}

/// A small deterministic generator, so every demo database looks the same.
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
        FieldType::Choice => f.options.get(rng.below(f.options.len()))?.value.clone(),
        FieldType::YesNo => "yes".into(),
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

/// The actions that take a new request to `target`, in order.
fn path_to(target: Status, auto_registered: bool) -> Vec<(Action, bool)> {
    let mut steps: Vec<(Action, bool)> = Vec::new(); // (action, by requester)
    let processing = |steps: &mut Vec<(Action, bool)>| {
        if !auto_registered {
            steps.push((Action::Register { note: None }, false));
        }
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
        Status::Registered => {
            if !auto_registered {
                steps.push((Action::Register { note: None }, false));
            }
        }
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

async fn make_requests(taka: &Taka, catalogue: &[DemoService], now: i64) -> ServiceResult<usize> {
    let clock = Clock::manual(now);
    let demo = Taka::with_clock(taka.db.clone(), clock.clone());
    let mut rng = Lcg(2026);
    let providers: BTreeMap<&str, &str> = [("VNP", "sniedzejs"), ("PMLP", "pmlp.sniedzejs")]
        .into_iter()
        .collect();
    let mut sessions = BTreeMap::new();
    for (inst, user) in &providers {
        let (token, _) = demo.sign_in(user, DEMO_PASSWORD).await?;
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
            let values = (svc.fields)()
                .iter()
                .filter_map(|f| sample_value(f, &mut rng, now).map(|v| (f.name.clone(), v)))
                .collect();
            let name = NAMES[rng.below(NAMES.len())];
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
                .get(svc.institution)
                .ok_or_else(|| ServiceError::Internal("demo institution".into()))?;
            let receipt = demo
                .submit(
                    NewRequest {
                        service_code: svc.code.into(),
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
                    },
                    in_person.then_some(ctx),
                )
                .await?;
            let steps = path_to(*target, svc.auto_register);
            let step_gap = (age_days * 86_400 / (steps.len() as i64 + 1)).max(600);
            for (action, by_requester) in steps {
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
                .bind(svc.code)
                .fetch_one(&demo.db.read)
                .await?;
        let cal = demo.calendar_for(institution_id).await?;
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
            let values = (svc.fields)()
                .iter()
                .filter_map(|f| sample_value(f, &mut rng, now).map(|v| (f.name.clone(), v)))
                .collect();
            demo.submit(
                NewRequest {
                    service_code: svc.code.into(),
                    values,
                    contact_name: NAMES[i % NAMES.len()].into(),
                    contact_email: format!("pieprasitajs{}@example.lv", i + 1),
                    contact_phone: String::new(),
                    lang: Lang::Lv,
                    channel: Channel::Web,
                    idempotency: None,
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
