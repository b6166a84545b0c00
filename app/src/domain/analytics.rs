//! Analytics vocabulary, pure: what a scope is, and how a percentile is taken. Shared by
//! the server (queries, access) and the browser (links that keep the filters).

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a manager looks at: from the whole country down to one service.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Scope {
    Country,
    Sector(String),
    Municipality(String),
    Institution(String),
    Service(String),
}

impl Scope {
    /// `country`, `sector:health`, `municipality:valmiera`, `institution:VNP`,
    /// `service:VNP-PIRMSSKOLA`.
    pub fn parse(s: &str) -> Option<Scope> {
        let s = s.trim();
        if s == "country" {
            return Some(Scope::Country);
        }
        let (kind, value) = s.split_once(':')?;
        let value = value.trim();
        let ok = !value.is_empty()
            && value.len() <= 64
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !ok {
            return None;
        }
        let value = value.to_string();
        match kind {
            "sector" => Some(Scope::Sector(value)),
            "municipality" => Some(Scope::Municipality(value)),
            "institution" => Some(Scope::Institution(value)),
            "service" => Some(Scope::Service(value)),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Scope::Country => "country",
            Scope::Sector(_) => "sector",
            Scope::Municipality(_) => "municipality",
            Scope::Institution(_) => "institution",
            Scope::Service(_) => "service",
        }
    }

    pub fn is_country(&self) -> bool {
        matches!(self, Scope::Country)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Country => f.write_str("country"),
            Scope::Sector(v)
            | Scope::Municipality(v)
            | Scope::Institution(v)
            | Scope::Service(v) => write!(f, "{}:{v}", self.kind()),
        }
    }
}

impl From<Scope> for String {
    fn from(s: Scope) -> String {
        s.to_string()
    }
}

impl TryFrom<String> for Scope {
    type Error = String;
    fn try_from(s: String) -> Result<Scope, String> {
        Scope::parse(&s).ok_or_else(|| format!("not a scope: {s}"))
    }
}

/// The nearest-rank percentile (`p` in 1..=100) of a histogram of whole numbers given as
/// ascending `(value, count)` pairs: the smallest value with at least p % of all values at
/// or below it. `None` for an empty histogram.
pub fn percentile(histogram: &[(i64, i64)], p: u32) -> Option<i64> {
    let total: i64 = histogram.iter().map(|(_, n)| n.max(&0)).sum();
    if total == 0 {
        return None;
    }
    // rank = ceil(p/100 * total), at least 1.
    let rank = ((i64::from(p.clamp(1, 100)) * total) + 99) / 100;
    let mut seen = 0;
    for (value, n) in histogram {
        seen += n.max(&0);
        if seen >= rank.max(1) {
            return Some(*value);
        }
    }
    histogram.last().map(|(v, _)| *v)
}

/// A distribution summarised: how many, median and 90th percentile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Spread {
    pub count: i64,
    pub median: Option<i64>,
    pub p90: Option<i64>,
}

impl Spread {
    pub fn of(histogram: &[(i64, i64)]) -> Spread {
        Spread {
            count: histogram.iter().map(|(_, n)| n.max(&0)).sum(),
            median: percentile(histogram, 50),
            p90: percentile(histogram, 90),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_refuse_nonsense() {
        for s in [
            "country",
            "sector:interior",
            "municipality:valmiera",
            "institution:VNP",
            "service:VNP-PIRMSSKOLA",
        ] {
            assert_eq!(Scope::parse(s).map(|x| x.to_string()).as_deref(), Some(s));
        }
        for bad in [
            "",
            "world",
            "sector:",
            "institution:VNP'; DROP TABLE x",
            "service:a b",
            "galaxy:x",
        ] {
            assert_eq!(Scope::parse(bad), None, "{bad}");
        }
        let json = serde_json::to_string(&Scope::Institution("VNP".into())).expect("json");
        assert_eq!(json, "\"institution:VNP\"");
    }

    #[test]
    fn nearest_rank_percentiles() {
        // Values 1..=10 once each.
        let h: Vec<(i64, i64)> = (1..=10).map(|v| (v, 1)).collect();
        assert_eq!(percentile(&h, 50), Some(5));
        assert_eq!(percentile(&h, 90), Some(9));
        assert_eq!(percentile(&h, 100), Some(10));
        assert_eq!(percentile(&[(7, 1)], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
        // Weighted: 0 h ×3, 5 h ×1 → median 0, p90 5.
        assert_eq!(
            Spread::of(&[(0, 3), (5, 1)]),
            Spread {
                count: 4,
                median: Some(0),
                p90: Some(5)
            }
        );
        // Agrees with sorting the raw values.
        let raw = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
        let mut sorted = raw.to_vec();
        sorted.sort();
        let mut hist: Vec<(i64, i64)> = Vec::new();
        for v in &sorted {
            match hist.last_mut() {
                Some((last, n)) if last == v => *n += 1,
                _ => hist.push((*v, 1)),
            }
        }
        for p in [10, 50, 90, 99] {
            let rank = (p as usize * sorted.len()).div_ceil(100);
            assert_eq!(percentile(&hist, p), Some(sorted[rank - 1]), "p{p}");
        }
    }
}
