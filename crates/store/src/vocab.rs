//! Reading the domain's closed vocabularies (statuses, kinds) from text columns. Rows typed with
//! `#[sqlx(try_from = "String")]` cover the plain columns; these helpers cover nullable ones (in a
//! hand-written `FromRow`) and the rusqlite bulk reads.

use std::str::FromStr;

use spo_domain::text_enum::Unknown;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

/// The vocabulary value in column `col`.
pub(crate) fn get<T: FromStr<Err = Unknown>>(row: &SqliteRow, col: &str) -> sqlx::Result<T> {
    let text: String = row.try_get(col)?;
    text.parse().map_err(|e: Unknown| sqlx::Error::ColumnDecode { index: col.to_owned(), source: Box::new(e) })
}

/// The vocabulary value in nullable column `col`.
pub(crate) fn get_opt<T: FromStr<Err = Unknown>>(row: &SqliteRow, col: &str) -> sqlx::Result<Option<T>> {
    let text: Option<String> = row.try_get(col)?;
    text.map(|t| {
        t.parse().map_err(|e: Unknown| sqlx::Error::ColumnDecode { index: col.to_owned(), source: Box::new(e) })
    })
    .transpose()
}

/// A stored spelling read by a bulk read (rusqlite).
pub(crate) fn parse<T: FromStr<Err = Unknown>>(text: &str) -> crate::Result<T> {
    text.parse().map_err(|e: Unknown| crate::Error::BulkRead(e.to_string()))
}

/// A value written by a newer build (a restored backup, another seat of the team) in a list where
/// one unknown row must not hide the others: `None`, logged.
pub(crate) fn known<T: FromStr<Err = Unknown>>(id: &str, text: &str) -> Option<T> {
    text.parse().map_err(|e: Unknown| tracing::warn!(row = id, error = %e, "left out: written by a newer build")).ok()
}

/// A team row whose status or kind this build cannot read (written by a seat on a newer version)
/// where no `CHECK` constraint would refuse it: it waits with the rows that could not be applied
/// (retried after every pull, so after an update) instead of breaking every list that reads it.
pub(crate) fn unknown_in_team_row(table: &str, data: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    use spo_domain::pricing::decision::DecisionStrategy;
    use spo_domain::pricing::strategy::StrategyKind;
    let check = |col: &str, known: fn(&str) -> bool| {
        data.get(col)
            .and_then(serde_json::Value::as_str)
            .filter(|text| !known(text))
            .map(|text| format!("{table}.{col} {text:?} is not known to this version of the app; update it"))
    };
    match table {
        "decisions" => check("strategy", |t| DecisionStrategy::parse(t).is_some()),
        "pricing_rules" => check("strategy", |t| StrategyKind::parse(t).is_some()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use spo_domain::competitors::{Availability, CandidateStatus, MatchKind};
    use spo_domain::jobs::JobRunStatus;
    use spo_domain::notices::NoticeKind;
    use spo_domain::pricing::decision::DecisionStatus;
    use spo_domain::pricing::plan::ScopeKind;
    use spo_domain::pricing::risk::Risk;
    use spo_domain::pricing::run::{RunKind, RunStatus};
    use std::collections::BTreeSet;

    #[test]
    fn a_team_row_from_a_newer_version_waits_instead_of_breaking_the_lists() {
        let row = |v: serde_json::Value| v.as_object().cloned().expect("object");
        let newer = row(serde_json::json!({ "strategy": "undercut_everyone", "status": "proposed" }));
        let why = super::unknown_in_team_row("decisions", &newer).expect("refused");
        assert!(why.contains("undercut_everyone") && why.contains("update"), "{why}");
        assert!(super::unknown_in_team_row("pricing_rules", &newer).is_some());
        assert!(super::unknown_in_team_row("decisions", &row(serde_json::json!({ "strategy": "rollback" }))).is_none());
        assert!(
            super::unknown_in_team_row("pricing_rules", &row(serde_json::json!({ "strategy": "rollback" }))).is_some()
        );
        assert!(super::unknown_in_team_row("products", &newer).is_none(), "only the columns without a CHECK");
    }

    /// The quoted values of `CHECK (col IN ('a', 'b', …))` in a table's definition.
    fn check_values(sql: &str, col: &str) -> BTreeSet<String> {
        let start = format!("CHECK ({col} IN (");
        let from = sql.find(&start).unwrap_or_else(|| panic!("no CHECK on {col} in {sql}")) + start.len();
        let list = &sql[from..from + sql[from..].find(')').expect("closing parenthesis")];
        list.split(',').map(|v| v.trim().trim_matches('\'').to_owned()).collect()
    }

    fn spellings<T: Copy>(all: &[T], text: impl Fn(T) -> &'static str) -> BTreeSet<String> {
        all.iter().map(|v| text(*v).to_owned()).collect()
    }

    /// Every enum stored in a column with a `CHECK` constraint allows exactly the constraint's
    /// values: a value added to one side only fails here, not in a merchant's database.
    #[tokio::test]
    async fn check_constraints_agree_with_the_enums() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = crate::Db::open(dir.path().join("spo.sqlite3")).await.expect("open");
        let table = |name: &'static str| {
            let pool = db.pool();
            async move {
                sqlx::query_scalar::<_, String>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1")
                    .bind(name)
                    .fetch_one(&pool)
                    .await
                    .unwrap_or_else(|e| panic!("{name}: {e}"))
            }
        };
        let cases = [
            ("competitor_listings", "match_kind", spellings(MatchKind::ALL, MatchKind::as_str)),
            ("price_observations", "availability", spellings(Availability::ALL, Availability::as_str)),
            ("listing_candidates", "status", spellings(CandidateStatus::ALL, CandidateStatus::as_str)),
            ("pricing_rules", "scope", spellings(ScopeKind::ALL, ScopeKind::as_str)),
            ("optimization_runs", "kind", spellings(RunKind::ALL, RunKind::as_str)),
            ("optimization_runs", "status", spellings(RunStatus::ALL, RunStatus::as_str)),
            ("decisions", "risk", spellings(&[Risk::Low, Risk::Medium, Risk::High], Risk::as_str)),
            ("decisions", "status", spellings(&DecisionStatus::ALL, DecisionStatus::as_str)),
            ("job_runs", "status", spellings(JobRunStatus::ALL, JobRunStatus::as_str)),
            ("notifications", "kind", spellings(NoticeKind::ALL, NoticeKind::as_str)),
        ];
        for (name, col, want) in cases {
            let sql = table(name).await;
            assert_eq!(check_values(&sql, col), want, "{name}.{col}");
        }
    }
}
