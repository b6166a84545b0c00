//! Partner systems (issue 12): the events they may hear about through webhooks, what a
//! webhook's address and secret must be, and where a request is about (Open311's
//! `lat`/`long` or an address). Pure rules, no I/O.

use super::FieldError;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// What a webhook can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum EventType {
    /// A request was submitted for one of the webhook's services.
    #[serde(rename = "request.created")]
    Created,
    /// A request's status changed.
    #[serde(rename = "request.status_changed")]
    StatusChanged,
}

impl EventType {
    pub const ALL: [EventType; 2] = [EventType::Created, EventType::StatusChanged];
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Created => "request.created",
            EventType::StatusChanged => "request.status_changed",
        }
    }
    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.as_str() == s.trim())
    }
    /// A stored comma-separated list; unknown names are skipped.
    pub fn list(s: &str) -> Vec<EventType> {
        s.split(',').filter_map(EventType::parse).collect()
    }
}

/// The longest webhook address and partner name taken.
pub const MAX_URL: usize = 2000;
pub const MAX_NAME: usize = 100;
/// A webhook secret's length, in characters.
pub const MIN_SECRET: usize = 24;
pub const MAX_SECRET: usize = 200;

/// Whether `url` may receive webhooks. HTTPS to a public host; `allow_local` (development
/// and tests only) also takes plain HTTP and loopback or private addresses.
pub fn check_webhook_url(url: &str, allow_local: bool) -> Result<(), FieldError> {
    let url = url.trim();
    if url.is_empty() {
        return Err(FieldError::Required);
    }
    if url.chars().count() > MAX_URL {
        return Err(FieldError::TooLong { max: MAX_URL });
    }
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://").filter(|_| allow_local) {
        r
    } else {
        return Err(FieldError::InvalidUrl);
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::InvalidUrl);
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // No user name or password in the address: the secret signs, nothing else.
    if authority.is_empty() || authority.contains('@') {
        return Err(FieldError::InvalidUrl);
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                authority
            }
        }),
    };
    let port_ok = match authority.rsplit_once(':') {
        Some((_, p)) if !authority.ends_with(']') && !p.contains(']') => {
            p.parse::<u16>().is_ok_and(|p| p > 0)
        }
        _ => true,
    };
    if host.is_empty() || !port_ok {
        return Err(FieldError::InvalidUrl);
    }
    if !allow_local && is_local_host(host) {
        return Err(FieldError::InvalidUrl);
    }
    Ok(())
}

/// Loopback, private, link-local and unspecified addresses, and `localhost`: never a
/// partner's server in production (a webhook must not reach inside our own network).
fn is_local_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") || !host.contains(['.', ':']) {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| !is_public_ip(ip))
}

/// Whether a webhook may go to this address: not loopback, private, link-local, shared
/// (100.64.0.0/10), unspecified or broadcast. Checked for addresses in a registered URL and
/// again for every address a host name resolves to when a delivery connects.
pub fn is_public_ip(ip: IpAddr) -> bool {
    let v4_local = |a: std::net::Ipv4Addr| {
        a.is_loopback()
            || a.is_private()
            || a.is_link_local()
            || a.is_unspecified()
            || a.is_broadcast()
            || a.octets()[0] == 100 && (a.octets()[1] & 0xc0) == 64
    };
    match ip {
        IpAddr::V4(a) => !v4_local(a),
        IpAddr::V6(a) => {
            !(a.is_loopback()
                || a.is_unspecified()
                || (a.segments()[0] & 0xfe00) == 0xfc00
                || (a.segments()[0] & 0xffc0) == 0xfe80
                || a.to_ipv4_mapped().is_some_and(v4_local))
        }
    }
}

/// A webhook secret: long enough to sign with, printable.
pub fn check_webhook_secret(secret: &str) -> Result<(), FieldError> {
    let n = secret.chars().count();
    if n == 0 {
        return Err(FieldError::Required);
    }
    if n < MIN_SECRET {
        return Err(FieldError::TooShort { min: MIN_SECRET });
    }
    if n > MAX_SECRET {
        return Err(FieldError::TooLong { max: MAX_SECRET });
    }
    if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::InvalidSecret);
    }
    Ok(())
}

/// Where a request is about: coordinates (WGS 84), an address, or both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub address: Option<String>,
}

/// The longest address taken.
pub const MAX_ADDRESS: usize = 300;

impl Location {
    pub fn is_empty(&self) -> bool {
        self.lat.is_none() && self.address.is_none()
    }

    /// From the texts a form or Open311 posts (`lat`, `long`, `address_string`). Errors
    /// by field name: `lat`, `long`, `address`. Coordinates come both or neither.
    pub fn parse(
        lat: &str,
        long: &str,
        address: &str,
    ) -> Result<Location, Vec<(&'static str, FieldError)>> {
        let mut errors = Vec::new();
        let coord = |s: &str, limit: f64, name: &'static str, errors: &mut Vec<_>| {
            let s = s.trim();
            if s.is_empty() {
                return None;
            }
            match s.parse::<f64>() {
                Ok(v) if v.is_finite() && v.abs() <= limit => Some(v),
                Ok(_) => {
                    errors.push((
                        name,
                        FieldError::OutOfRange {
                            min: Some(-(limit as i64)),
                            max: Some(limit as i64),
                        },
                    ));
                    None
                }
                Err(_) => {
                    errors.push((name, FieldError::NotANumber));
                    None
                }
            }
        };
        let la = coord(lat, 90.0, "lat", &mut errors);
        let lo = coord(long, 180.0, "long", &mut errors);
        let address = address.trim();
        if address.chars().count() > MAX_ADDRESS {
            errors.push(("address", FieldError::TooLong { max: MAX_ADDRESS }));
        }
        if errors.is_empty() {
            match (la, lo) {
                (Some(_), None) => errors.push(("long", FieldError::Required)),
                (None, Some(_)) => errors.push(("lat", FieldError::Required)),
                _ => {}
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Location {
            lat: la,
            long: lo,
            address: (!address.is_empty()).then(|| address.to_string()),
        })
    }

    /// A link to the place on OpenStreetMap, when there are coordinates.
    pub fn map_link(&self) -> Option<String> {
        let (lat, long) = (self.lat?, self.long?);
        Some(format!(
            "https://www.openstreetmap.org/?mlat={lat:.6}&mlon={long:.6}#map=18/{lat:.6}/{long:.6}"
        ))
    }

    /// Coordinates as people write them: `56.946880, 24.104910`.
    pub fn coordinates_text(&self) -> Option<String> {
        Some(format!("{:.6}, {:.6}", self.lat?, self.long?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_addresses() {
        for ok in [
            "https://partner.example.lv/hooks/taka",
            "https://partner.example.lv:8443/h?x=1",
            "https://93.184.216.34/h",
            "https://[2606:2800:220:1::]/h",
        ] {
            assert_eq!(check_webhook_url(ok, false), Ok(()), "{ok}");
        }
        for bad in [
            "http://partner.example.lv/h",
            "ftp://partner.example.lv/h",
            "https://",
            "https://user:pw@partner.example.lv/h",
            "https://localhost/h",
            "https://127.0.0.1/h",
            "https://10.1.2.3/h",
            "https://192.168.0.1/h",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/h",
            "https://[fd00::1]/h",
            "https://intranet/h",
            "https://partner.example.lv:99999/h",
            "https://partner.example.lv/a b",
            "https://partner.example.lv:x/h",
        ] {
            assert!(check_webhook_url(bad, false).is_err(), "{bad}");
        }
        assert_eq!(check_webhook_url("", false), Err(FieldError::Required));
        assert_eq!(check_webhook_url("http://127.0.0.1:9/h", true), Ok(()));
        assert_eq!(check_webhook_url("https://[::1]:8443/h", true), Ok(()));
        let long = format!("https://a.lv/{}", "x".repeat(MAX_URL));
        assert_eq!(
            check_webhook_url(&long, false),
            Err(FieldError::TooLong { max: MAX_URL })
        );
    }

    #[test]
    fn public_addresses() {
        let public = |s: &str| is_public_ip(s.parse().unwrap());
        for inside in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!public(inside), "{inside}");
        }
        for outside in ["8.8.8.8", "193.41.0.1", "100.128.0.1", "2001:4860::8888"] {
            assert!(public(outside), "{outside}");
        }
    }

    #[test]
    fn webhook_secrets() {
        assert_eq!(check_webhook_secret(&"s".repeat(24)), Ok(()));
        assert_eq!(
            check_webhook_secret("short"),
            Err(FieldError::TooShort { min: MIN_SECRET })
        );
        assert_eq!(check_webhook_secret(""), Err(FieldError::Required));
        assert_eq!(
            check_webhook_secret(&format!("{} x", "s".repeat(30))),
            Err(FieldError::InvalidSecret)
        );
        assert!(check_webhook_secret(&"s".repeat(201)).is_err());
    }

    #[test]
    fn events_by_name() {
        for e in EventType::ALL {
            assert_eq!(EventType::parse(e.as_str()), Some(e));
        }
        assert_eq!(
            EventType::list("request.created,nonsense, request.status_changed"),
            vec![EventType::Created, EventType::StatusChanged]
        );
    }

    #[test]
    fn locations() {
        let l = Location::parse("56.94688", "24.10491", " Brīvības iela 1 ").expect("ok");
        assert_eq!(l.lat, Some(56.94688));
        assert_eq!(l.address.as_deref(), Some("Brīvības iela 1"));
        assert_eq!(
            l.coordinates_text().as_deref(),
            Some("56.946880, 24.104910")
        );
        assert!(l.map_link().is_some_and(|u| u.contains("mlat=56.946880")));
        assert_eq!(Location::parse("", "", ""), Ok(Location::default()));
        assert!(Location::parse("", "", "").expect("empty").is_empty());
        let a = Location::parse("", "", "Rīga").expect("address only");
        assert_eq!(a.map_link(), None);
        for (lat, long, field) in [
            ("91", "0", "lat"),
            ("0", "-181", "long"),
            ("x", "0", "lat"),
            ("NaN", "0", "lat"),
            ("inf", "0", "lat"),
            ("56.9", "", "long"),
            ("", "24.1", "lat"),
        ] {
            let e = Location::parse(lat, long, "").expect_err(lat);
            assert_eq!(e[0].0, field, "{lat} {long}");
        }
        assert!(Location::parse("", "", &"a".repeat(MAX_ADDRESS + 1)).is_err());
    }
}
