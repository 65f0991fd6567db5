//! Keyed locks: one holder at a time per key (`project` for refresh, apply and sync; later
//! `job:refresh:<segment>` and the like), each recorded in the `locks` table with who holds it
//! and until when.
//!
//! A lock is held by something the operating system or the server ends with the process: a file
//! lock beside the SQLite file, a PostgreSQL session advisory lock. `until` is the lease its
//! holder declares and renews; these backends only record it, a Redis backend enforces it.

use chrono::{DateTime, Utc};

/// The lock refresh, apply and sync take: one of them at a time per state store.
pub const PROJECT_LOCK: &str = "project";

/// Who takes a lock: the command, the person or service, the machine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockOwner {
    /// What holds it, e.g. `cdp refresh`.
    pub holder: String,
    /// The person or service it runs for (`applied_by` in the audit log).
    pub actor: String,
    pub host: String,
}

/// Held while a command changes state; dropping it releases the lock. A process that dies
/// releases it too: the kernel drops its file lock, PostgreSQL its session's advisory lock.
#[derive(Debug)]
pub struct Lock {
    key: String,
    holder: LockHolder,
    guard: Guard,
}

/// What keeps a lock taken for as long as it lives.
pub(super) enum Guard {
    /// Held, never read: closing the file releases the lock.
    File(#[allow(dead_code)] std::fs::File),
    Postgres(sqlx::PgConnection),
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Guard::File(_) => "Guard::File",
            Guard::Postgres(_) => "Guard::Postgres",
        })
    }
}

impl Lock {
    pub(super) fn new(key: &str, holder: LockHolder, guard: Guard) -> Lock {
        Lock {
            key: key.to_string(),
            holder,
            guard,
        }
    }

    /// What is locked.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Who holds it (this process), as recorded when it was taken or last renewed.
    pub fn holder(&self) -> &LockHolder {
        &self.holder
    }

    /// The end of the lease its holder declared, if it declared one.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.holder.until
    }

    pub(super) fn holder_mut(&mut self) -> &mut LockHolder {
        &mut self.holder
    }

    /// Checks that what keeps the lock is still there: a PostgreSQL session can end under a
    /// process (a restarted server, a dropped connection), and the advisory lock with it.
    pub(super) async fn check(&mut self) -> Result<(), sqlx::Error> {
        match &mut self.guard {
            Guard::File(_) => Ok(()),
            Guard::Postgres(conn) => sqlx::Connection::ping(conn).await,
        }
    }
}

/// Who holds a lock, as recorded in the `locks` table when it was taken or renewed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockHolder {
    pub holder: String,
    /// The person or service; empty for locks recorded before cdp kept it.
    pub actor: String,
    pub pid: i64,
    pub host: String,
    pub since: Option<DateTime<Utc>>,
    /// The lease its holder declared and renews; `None` when it declared none.
    pub until: Option<DateTime<Utc>>,
}

impl LockHolder {
    /// This process holding a lock for `owner` from now, without a lease yet.
    pub(super) fn this_process(owner: &LockOwner) -> LockHolder {
        LockHolder {
            holder: owner.holder.clone(),
            actor: owner.actor.clone(),
            pid: i64::from(std::process::id()),
            host: owner.host.clone(),
            since: Some(stored_now()),
            until: None,
        }
    }

    /// The same holder with its lease ending `ttl` from now.
    pub(super) fn renewed(&self, ttl: std::time::Duration) -> LockHolder {
        let ttl = chrono::TimeDelta::from_std(ttl).unwrap_or(chrono::TimeDelta::MAX);
        let until = stored_now()
            .checked_add_signed(ttl)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        LockHolder {
            until: Some(until),
            ..self.clone()
        }
    }
}

/// Now, to the microsecond both engines store, so a lock says what its row says.
fn stored_now() -> DateTime<Utc> {
    chrono::SubsecRound::trunc_subsecs(Utc::now(), 6)
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.holder.is_empty() {
            return f.write_str("unknown holder");
        }
        write!(f, "`{}` (pid {} on {}", self.holder, self.pid, self.host)?;
        if !self.actor.is_empty() {
            write!(f, ", for `{}`", self.actor)?;
        }
        if let Some(since) = self.since {
            write!(f, ", since {}", since.format("%Y-%m-%d %H:%M:%S UTC"))?;
        }
        if let Some(until) = self.until {
            write!(f, ", until {}", until.format("%Y-%m-%d %H:%M:%S UTC"))?;
        }
        f.write_str(")")
    }
}

/// A lock's name in messages: "the project lock", "the lock `job:refresh:vip`".
pub(super) struct LockName<'a>(pub &'a str);

impl std::fmt::Display for LockName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 == PROJECT_LOCK {
            f.write_str("the project lock")
        } else {
            write!(f, "the lock `{}`", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_says_who_and_until_when() {
        let at = |h| {
            chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 6, 1, h, 0, 0)
                .single()
                .unwrap()
        };
        let mut h = LockHolder {
            holder: "cdp refresh".into(),
            actor: "ana".into(),
            pid: 7,
            host: "box".into(),
            since: Some(at(12)),
            until: None,
        };
        assert_eq!(
            h.to_string(),
            "`cdp refresh` (pid 7 on box, for `ana`, since 2026-06-01 12:00:00 UTC)"
        );
        h.until = Some(at(13));
        assert!(h.to_string().ends_with(", until 2026-06-01 13:00:00 UTC)"));
        assert_eq!(LockHolder::default().to_string(), "unknown holder");
        assert_eq!(LockName(PROJECT_LOCK).to_string(), "the project lock");
        assert_eq!(LockName("job:x").to_string(), "the lock `job:x`");
    }
}
