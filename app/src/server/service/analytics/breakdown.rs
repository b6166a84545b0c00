//! The next level down with its own counts (institutions, or an institution's services),
//! and sectors and municipalities as the sum of their institutions.

use super::rollups::{Cell, counts_of};
use super::{Filter, Resolved, open_statuses};
use crate::domain::Lang;
use crate::domain::analytics::Scope;
use crate::model::{Breakdown, PeriodCounts};
use crate::server::error::ServiceResult;
use crate::server::service::Taka;

impl Taka {
    /// The next level down with its own counts: institutions, or an institution's services.
    pub(super) async fn parts(
        &self,
        f: &Filter,
        resolved: &Resolved,
        cells: &[Cell],
        by_service: bool,
        lang: Lang,
    ) -> ServiceResult<Vec<Breakdown>> {
        if resolved.service.is_some() {
            return Ok(Vec::new());
        }
        let (key, names_sql) = if by_service {
            (
                "r.service_id",
                "SELECT s.id, s.code, COALESCE(st.name, sl.name) FROM services s
                 JOIN service_texts sl ON sl.service_id = s.id AND sl.lang = 'lv'
                 LEFT JOIN service_texts st ON st.service_id = s.id AND st.lang = $1",
            )
        } else {
            (
                "r.institution_id",
                "SELECT i.id, i.code, COALESCE(it.name, il.name) FROM institutions i
                 JOIN institution_texts il ON il.institution_id = i.id AND il.lang = 'lv'
                 LEFT JOIN institution_texts it ON it.institution_id = i.id AND it.lang = $1",
            )
        };
        let names: Vec<(i64, String, String)> = sqlx::query_as(names_sql)
            .bind(lang.code())
            .fetch_all(&self.db.read)
            .await?;
        let mut totals: std::collections::HashMap<i64, [i64; 9]> = Default::default();
        for c in cells {
            let e = totals.entry(c.key).or_insert([0; 9]);
            for (e, v) in e.iter_mut().zip(c.counts) {
                *e += v;
            }
        }
        let sql = f.sql(
            &format!(
                "SELECT {key}, COUNT(*) FROM requests r WHERE r.status IN ({}) AND {{F}} GROUP BY {key}",
                open_statuses()
            ),
            1,
        );
        let open: Vec<(i64, i64)> = f
            .bind(sqlx::query_as(&sql))
            .fetch_all(&self.db.read)
            .await?;
        let mut keys: Vec<i64> = totals.keys().copied().collect();
        keys.extend(open.iter().map(|o| o.0));
        keys.sort_unstable();
        keys.dedup();
        let mut parts: Vec<Breakdown> = keys
            .into_iter()
            .filter_map(|k| {
                let (_, code, name) = names.iter().find(|n| n.0 == k)?;
                let scope = if by_service {
                    Scope::Service(code.clone())
                } else {
                    Scope::Institution(code.clone())
                };
                Some(Breakdown {
                    scope,
                    name: name.clone(),
                    counts: counts_of(&totals.get(&k).copied().unwrap_or([0; 9])),
                    backlog: open.iter().find(|o| o.0 == k).map(|o| o.1).unwrap_or(0),
                })
            })
            .collect();
        parts.sort_by(|x, y| {
            y.counts
                .received
                .cmp(&x.counts.received)
                .then(x.name.cmp(&y.name))
        });
        Ok(parts)
    }

    /// Sectors and municipalities as the sum of their institutions.
    pub(super) async fn groups(&self, parts: &[Breakdown]) -> ServiceResult<Vec<Breakdown>> {
        let rows: Vec<(String, Option<String>, Option<String>)> =
            sqlx::query_as("SELECT code, sector, municipality FROM institutions")
                .fetch_all(&self.db.read)
                .await?;
        let mut groups: std::collections::BTreeMap<(u8, String), Breakdown> = Default::default();
        for p in parts {
            let Scope::Institution(code) = &p.scope else {
                continue;
            };
            let Some((_, sector, municipality)) = rows.iter().find(|r| &r.0 == code) else {
                continue;
            };
            let keys = [
                municipality.clone().map(|m| (0u8, m)),
                sector
                    .clone()
                    .filter(|_| municipality.is_none())
                    .map(|s| (1u8, s)),
            ];
            for (kind, value) in keys.into_iter().flatten() {
                let scope = if kind == 0 {
                    Scope::Municipality(value.clone())
                } else {
                    Scope::Sector(value.clone())
                };
                let g = groups.entry((kind, value.clone())).or_insert(Breakdown {
                    scope,
                    name: value,
                    counts: PeriodCounts::default(),
                    backlog: 0,
                });
                let (c, a) = (&mut g.counts, &p.counts);
                c.received += a.received;
                c.fulfilled += a.fulfilled;
                c.refused += a.refused;
                c.approved += a.approved;
                c.withdrawn += a.withdrawn;
                c.sla_judged += a.sla_judged;
                c.sla_met += a.sla_met;
                c.ratings += a.ratings;
                c.rating_sum += a.rating_sum;
                g.backlog += p.backlog;
            }
        }
        Ok(groups.into_values().collect())
    }
}
