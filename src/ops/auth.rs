//! `token create|list|revoke` and `user add`: the credentials the daemon accepts, kept in the
//! state store (tokens as hashes, passwords as bcrypt hashes) and audited.

use chrono::Utc;

use crate::auth::{self, check_name, hash_password, new_token, token_hash};
use crate::error::{Error, Result};
use crate::ops::Context;
use crate::state::auth::{TokenRecord, UserRecord};

/// A token just made: the only time it is shown.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TokenCreated {
    pub name: String,
    pub id: String,
    pub token: String,
}

pub async fn token_create(ctx: &Context, name: &str) -> Result<TokenCreated> {
    check_name(name)?;
    let store = ctx.store().await?;
    if store
        .tokens()
        .await?
        .iter()
        .any(|t| t.name == name && t.revoked_at.is_none())
    {
        return Err(Error::TokenExists(name.to_string()));
    }
    let (id, token) = new_token();
    let record = TokenRecord {
        id: id.clone(),
        name: name.to_string(),
        created_by: ctx.actor.name.clone(),
        created_at: Utc::now(),
        last_used_at: None,
        revoked_at: None,
    };
    store.put_token(&record, &token_hash(&token)).await?;
    store
        .audit(&ctx.actor.name, "token create", name, &format!("id {id}"))
        .await?;
    Ok(TokenCreated {
        name: name.to_string(),
        id,
        token,
    })
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct TokenList {
    pub tokens: Vec<TokenRecord>,
}

pub async fn token_list(ctx: &Context) -> Result<TokenList> {
    Ok(TokenList {
        tokens: ctx.store().await?.tokens().await?,
    })
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct TokenRevoked {
    pub name: String,
    pub revoked: u64,
}

/// Revokes the token of that name (or id); it stops working at once.
pub async fn token_revoke(ctx: &Context, name: &str) -> Result<TokenRevoked> {
    let store = ctx.store().await?;
    let revoked = store.revoke_tokens(name, Utc::now()).await?;
    if revoked == 0 {
        return Err(Error::NoSuchToken(name.to_string()));
    }
    store
        .audit(&ctx.actor.name, "token revoke", name, "")
        .await?;
    Ok(TokenRevoked {
        name: name.to_string(),
        revoked,
    })
}

/// The token a bearer header presents, when it is one of the store's and not revoked; its use
/// is recorded.
pub async fn check_token(ctx: &Context, presented: &str) -> Result<Option<TokenRecord>> {
    let store = ctx.store().await?;
    let found = store.token_by_hash(&token_hash(presented)).await?;
    if let Some(t) = &found {
        store.touch_token(&t.id, Utc::now()).await?;
    }
    Ok(found)
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct UserAdded {
    pub name: String,
    /// False when an existing user's password was replaced.
    pub created: bool,
}

/// Adds a UI user, or sets an existing one's password.
pub async fn user_add(ctx: &Context, name: &str, password: &str) -> Result<UserAdded> {
    check_name(name)?;
    let hash = hash_password(password)?;
    let store = ctx.store().await?;
    let created = store.put_user(name, &hash, Utc::now()).await?;
    let action = if created { "user add" } else { "user password" };
    store.audit(&ctx.actor.name, action, name, "").await?;
    Ok(UserAdded {
        name: name.to_string(),
        created,
    })
}

/// Whether `name` and `password` are a UI user's.
pub async fn check_password(ctx: &Context, name: &str, password: &str) -> Result<bool> {
    let hash = ctx.store().await?.password_hash(name).await?;
    Ok(hash.is_some_and(|h| auth::verify_password(password, &h)))
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct UserList {
    pub users: Vec<UserRecord>,
}

pub async fn user_list(ctx: &Context) -> Result<UserList> {
    Ok(UserList {
        users: ctx.store().await?.users().await?,
    })
}
