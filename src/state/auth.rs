//! What the state store keeps of who may use the daemon: API tokens by the SHA-256 of each (the
//! token itself is never stored), UI users by a bcrypt hash of their password, and the UI's
//! secrets (the key that signs session cookies).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StateError;

/// An API token as listed: never the token, only its name and public id.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TokenRecord {
    /// The public part of the token (`cdp_<id>_...`), to tell tokens apart.
    pub id: String,
    pub name: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A UI user as listed (never the hash).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct UserRecord {
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[async_trait]
pub trait AuthState {
    /// Records a new token by its hash.
    async fn put_token(&self, token: &TokenRecord, hash: &str) -> Result<(), StateError>;

    /// Every token, newest first, revoked ones included.
    async fn tokens(&self) -> Result<Vec<TokenRecord>, StateError>;

    /// The token not revoked whose hash this is.
    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StateError>;

    /// Revokes the tokens not revoked yet of this name or id; how many.
    async fn revoke_tokens(&self, name_or_id: &str, at: DateTime<Utc>) -> Result<u64, StateError>;

    async fn touch_token(&self, id: &str, at: DateTime<Utc>) -> Result<(), StateError>;

    /// Adds the user or replaces their password; whether they are new.
    async fn put_user(&self, name: &str, hash: &str, at: DateTime<Utc>)
    -> Result<bool, StateError>;

    /// The user's password hash, if there is such a user.
    async fn password_hash(&self, name: &str) -> Result<Option<String>, StateError>;

    async fn users(&self) -> Result<Vec<UserRecord>, StateError>;

    /// The UI's secret `name`: the one stored, or `fresh` stored now when there is none yet (so
    /// that daemons starting together on one store agree on it).
    async fn ui_secret(
        &self,
        name: &str,
        fresh: &str,
        at: DateTime<Utc>,
    ) -> Result<String, StateError>;
}

/// `impl AuthState` for a backend struct with a `pool`.
macro_rules! impl_auth_state {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::state::auth::AuthState for $ty {
            async fn put_token(
                &self,
                t: &$crate::state::auth::TokenRecord,
                hash: &str,
            ) -> Result<(), $crate::state::StateError> {
                sqlx::query(
                    "insert into api_tokens (id, name, hash, created_by, created_at) values ($1, $2, $3, $4, $5)",
                )
                .bind(&t.id)
                .bind(&t.name)
                .bind(hash)
                .bind(&t.created_by)
                .bind(t.created_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn tokens(
                &self,
            ) -> Result<Vec<$crate::state::auth::TokenRecord>, $crate::state::StateError> {
                let rows = sqlx::query(
                    "select id, name, created_by, created_at, last_used_at, revoked_at from api_tokens \
                     order by created_at desc, id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|r| Ok(token_of(r)?)).collect()
            }

            async fn token_by_hash(
                &self,
                hash: &str,
            ) -> Result<Option<$crate::state::auth::TokenRecord>, $crate::state::StateError> {
                let row = sqlx::query(
                    "select id, name, created_by, created_at, last_used_at, revoked_at from api_tokens \
                     where hash = $1 and revoked_at is null",
                )
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.as_ref().map(token_of).transpose()?)
            }

            async fn revoke_tokens(
                &self,
                name_or_id: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<u64, $crate::state::StateError> {
                let done = sqlx::query(
                    "update api_tokens set revoked_at = $1 where (name = $2 or id = $2) and revoked_at is null",
                )
                .bind(at)
                .bind(name_or_id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }

            async fn touch_token(
                &self,
                id: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::state::StateError> {
                sqlx::query("update api_tokens set last_used_at = $1 where id = $2")
                    .bind(at)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn put_user(
                &self,
                name: &str,
                hash: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::state::StateError> {
                let mut tx = self.pool.begin().await?;
                let known = sqlx::query("select 1 from ui_users where name = $1")
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
                sqlx::query(
                    "insert into ui_users (name, password_hash, created_at, updated_at) values ($1, $2, $3, $3) \
                     on conflict (name) do update set password_hash = excluded.password_hash, updated_at = excluded.updated_at",
                )
                .bind(name)
                .bind(hash)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(!known)
            }

            async fn password_hash(
                &self,
                name: &str,
            ) -> Result<Option<String>, $crate::state::StateError> {
                use sqlx::Row as _;
                let row = sqlx::query("select password_hash from ui_users where name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|r| r.try_get::<String, _>(0)).transpose()?)
            }

            async fn users(
                &self,
            ) -> Result<Vec<$crate::state::auth::UserRecord>, $crate::state::StateError> {
                use sqlx::Row as _;
                let rows = sqlx::query("select name, created_at, updated_at from ui_users order by name")
                    .fetch_all(&self.pool)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push($crate::state::auth::UserRecord {
                        name: r.try_get("name")?,
                        created_at: r.try_get("created_at")?,
                        updated_at: r.try_get("updated_at")?,
                    });
                }
                Ok(out)
            }

            async fn ui_secret(
                &self,
                name: &str,
                fresh: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<String, $crate::state::StateError> {
                use sqlx::Row as _;
                sqlx::query(
                    "insert into ui_secrets (name, value, created_at) values ($1, $2, $3) \
                     on conflict (name) do nothing",
                )
                .bind(name)
                .bind(fresh)
                .bind(at)
                .execute(&self.pool)
                .await?;
                let row = sqlx::query("select value from ui_secrets where name = $1")
                    .bind(name)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.try_get::<String, _>(0)?)
            }
        }

        fn token_of<R: sqlx::Row>(r: &R) -> Result<$crate::state::auth::TokenRecord, sqlx::Error>
        where
            for<'a> &'a str: sqlx::ColumnIndex<R>,
            for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<chrono::DateTime<chrono::Utc>>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> chrono::DateTime<chrono::Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
        {
            Ok($crate::state::auth::TokenRecord {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
                last_used_at: r.try_get("last_used_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        }
    };
}
pub(crate) use impl_auth_state;
