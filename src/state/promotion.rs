//! A promotion as the target environment's store records it (in `apply`'s transaction): who
//! promoted which applied segments from where, with each segment's version in the source and
//! content hash; and reading them back.

use chrono::{DateTime, Utc};

/// One segment of a promotion.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PromotedSegment {
    pub segment: String,
    /// `add`, `change`, `remove` or `unchanged` in the target.
    pub action: String,
    /// Its applied version in the source (none for a removal).
    pub source_version: Option<i64>,
    /// Its content hash (none for a removal).
    pub hash: Option<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Promotion {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub from_env: String,
    pub to_env: String,
    pub segments: Vec<PromotedSegment>,
}

/// Reading the promotions a store received.
#[async_trait::async_trait]
pub trait Promotions {
    /// Promotions into this store, newest first.
    async fn promotions(&self, limit: i64) -> Result<Vec<Promotion>, super::StateError>;
}

/// `impl Promotions` for a backend struct with a `pool`.
macro_rules! impl_promotions {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::state::promotion::Promotions for $ty {
            async fn promotions(
                &self,
                limit: i64,
            ) -> Result<Vec<$crate::state::promotion::Promotion>, $crate::state::StateError> {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "select at, actor, from_env, to_env, segments from promotions \
                     order by id desc limit $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    let segments: String = row.try_get("segments")?;
                    out.push($crate::state::promotion::Promotion {
                        at: row.try_get("at")?,
                        actor: row.try_get("actor")?,
                        from_env: row.try_get("from_env")?,
                        to_env: row.try_get("to_env")?,
                        segments: serde_json::from_str(&segments).unwrap_or_default(),
                    });
                }
                Ok(out)
            }
        }
    };
}
pub(crate) use impl_promotions;
