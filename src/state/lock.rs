//! The project lock: one refresh or apply at a time per state store.

use chrono::{DateTime, Utc};

/// Held while a command changes state; dropping it releases the lock. A process that dies
/// releases it too: the kernel drops its file lock, PostgreSQL its session's advisory lock.
pub enum Lock {
    File(std::fs::File),
    Postgres(sqlx::PgConnection),
}

impl std::fmt::Debug for Lock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Lock::File(_) => "Lock::File",
            Lock::Postgres(_) => "Lock::Postgres",
        })
    }
}

/// Who took the lock last, as recorded in the `locks` table.
#[derive(Clone, Debug, Default)]
pub struct LockHolder {
    pub holder: String,
    pub pid: i64,
    pub host: String,
    pub since: Option<DateTime<Utc>>,
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.holder.is_empty() {
            return f.write_str("unknown holder");
        }
        write!(f, "`{}` (pid {} on {}", self.holder, self.pid, self.host)?;
        if let Some(since) = self.since {
            write!(f, ", since {}", since.format("%Y-%m-%d %H:%M:%S UTC"))?;
        }
        f.write_str(")")
    }
}
