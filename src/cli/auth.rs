//! `cdp token create|list|revoke` and `cdp user add|list`: the passwords are read here (a
//! prompt without echo, or stdin), never from the command line.

use std::io::{BufRead, IsTerminal, Write as _};

use super::Resolved;
use crate::error::{Error, Result};
use crate::ops;
use crate::output::Format;
use crate::table::Cell;

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> Cell {
    t.map(Cell::Timestamp).unwrap_or(Cell::Null)
}

pub async fn token_create(r: &Resolved, name: &str) -> Result<()> {
    let ctx = r.context()?;
    let made = ops::auth::token_create(&ctx, name).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&made).map_err(Error::Output);
    }
    writeln!(std::io::stdout().lock(), "{}", made.token).map_err(Error::Output)?;
    r.printer.note(&format!(
        "Token `{}` (id {}) made. It is shown this once; cdp keeps only its hash. Send it as `Authorization: Bearer <token>`.",
        made.name, made.id
    ));
    Ok(())
}

pub async fn token_list(r: &Resolved) -> Result<()> {
    let ctx = r.context()?;
    let list = ops::auth::token_list(&ctx).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&list).map_err(Error::Output);
    }
    let rows = list
        .tokens
        .into_iter()
        .map(|t| {
            vec![
                Cell::Text(t.name),
                Cell::Text(t.id),
                Cell::Text(t.created_by),
                Cell::Timestamp(t.created_at),
                when(t.last_used_at),
                when(t.revoked_at),
            ]
        })
        .collect();
    r.printer
        .rows(
            &[
                "name",
                "id",
                "created by",
                "created",
                "last used",
                "revoked",
            ],
            rows,
        )
        .map_err(Error::Output)
}

pub async fn token_revoke(r: &Resolved, name: &str) -> Result<()> {
    let ctx = r.context()?;
    let done = ops::auth::token_revoke(&ctx, name).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&done).map_err(Error::Output);
    }
    r.printer.note(&format!("Revoked `{}`.", done.name));
    Ok(())
}

/// The password: from a prompt (twice) on a terminal, else the first line of stdin.
fn read_password(name: &str) -> Result<String> {
    if std::io::stdin().is_terminal() {
        let first =
            rpassword::prompt_password(format!("Password for {name}: ")).map_err(Error::Output)?;
        let again = rpassword::prompt_password("Again: ").map_err(Error::Output)?;
        if first != again {
            return Err(Error::Usage(
                "the two passwords differ; nothing changed".into(),
            ));
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(Error::Output)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub async fn user_add(r: &Resolved, name: &str) -> Result<()> {
    let ctx = r.context()?;
    let password = read_password(name)?;
    let added = ops::auth::user_add(&ctx, name, &password).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&added).map_err(Error::Output);
    }
    r.printer.note(&if added.created {
        format!("Added `{}`.", added.name)
    } else {
        format!("Set the password of `{}`.", added.name)
    });
    Ok(())
}

pub async fn user_list(r: &Resolved) -> Result<()> {
    let ctx = r.context()?;
    let list = ops::auth::user_list(&ctx).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&list).map_err(Error::Output);
    }
    let rows = list
        .users
        .into_iter()
        .map(|u| {
            vec![
                Cell::Text(u.name),
                Cell::Timestamp(u.created_at),
                Cell::Timestamp(u.updated_at),
            ]
        })
        .collect();
    r.printer
        .rows(&["name", "added", "password set"], rows)
        .map_err(Error::Output)
}
