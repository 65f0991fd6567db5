//! The queue on Redis, shared by every daemon of an environment. A reliable queue: an entry
//! taken moves to a processing list in the same script that locks its job key to the daemon, so
//! nothing is lost between the two; the lock expires unless its daemon renews it; a dedupe key
//! per (job, instant) queues a scheduled instant once; and any daemon puts back the entries
//! whose lock has expired (their daemon died). Each step is one Lua script, so atomic.

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::ConnectionManager;
use redis::{Script, Value};

use super::{Queue, Taken};
use crate::daemon::work::Entry;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// How long a dedupe key is kept: longer than any downtime a missed schedule is caught up after.
const DEDUPE_SECONDS: u64 = 7 * 24 * 3600;

pub struct RedisQueue {
    conn: ConnectionManager,
    /// `cdp:<project>:<environment>:`, before every key.
    prefix: String,
    /// This daemon: `host:pid:random`, the value of the locks it holds.
    owner: String,
    ttl: Duration,
}

const OFFER: &str = r"
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then
  redis.call('LPUSH', KEYS[2], ARGV[1])
  return 1
end
return 0";

/// An entry is `<job key>\n<id>\n<json>`: the scripts read the key and id without JSON.
const TAKE: &str = r"
local e = redis.call('RPOP', KEYS[1])
if not e then return false end
local a = string.find(e, '\n', 1, true)
local b = string.find(e, '\n', a + 1, true)
local key = string.sub(e, 1, a - 1)
local id = string.sub(e, a + 1, b - 1)
if redis.call('SET', ARGV[1] .. key, ARGV[2] .. ' ' .. id, 'NX', 'PX', ARGV[3]) then
  redis.call('LPUSH', KEYS[2], e)
  return {1, e}
end
return {0, e}";

const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0";

const DONE: &str = r"
local removed = redis.call('LREM', KEYS[1], 1, ARGV[1])
if ARGV[3] == '1' and removed > 0 then redis.call('RPUSH', KEYS[2], ARGV[1]) end
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
return removed";

const REAP: &str = r"
local n = 0
for _, e in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local a = string.find(e, '\n', 1, true)
  local b = string.find(e, '\n', a + 1, true)
  local key = string.sub(e, 1, a - 1)
  local id = string.sub(e, a + 1, b - 1)
  local holder = redis.call('GET', ARGV[1] .. key)
  if (not holder) or string.sub(holder, -(string.len(id) + 1)) ~= (' ' .. id) then
    redis.call('LREM', KEYS[1], 1, e)
    redis.call('RPUSH', KEYS[2], e)
    n = n + 1
  end
end
return n";

impl RedisQueue {
    /// Connects; `namespace` keeps environments (and projects) on one Redis apart.
    pub async fn connect(
        url: &Secret,
        namespace: &str,
        ttl: Duration,
        host: &str,
    ) -> Result<RedisQueue> {
        let client = redis::Client::open(url.expose()).map_err(|e| queue_error(&e))?;
        let conn = ConnectionManager::new(client)
            .await
            .map_err(|e| queue_error(&e))?;
        let owner = format!(
            "{host}:{}:{:08x}",
            std::process::id(),
            rand::random::<u32>()
        );
        Ok(RedisQueue {
            conn,
            prefix: format!("cdp:{namespace}:"),
            owner,
            ttl,
        })
    }

    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn lock_key(&self, entry: &Entry) -> String {
        format!("{}lock:{}", self.prefix, entry.work.key())
    }

    fn lock_value(&self, entry: &Entry) -> String {
        format!("{} {}", self.owner, entry.id)
    }

    fn ttl_ms(&self) -> u64 {
        self.ttl.as_millis() as u64
    }

    async fn finish(&self, entry: &Entry, requeue: bool) -> Result<()> {
        let mut conn = self.conn.clone();
        let _: i64 = Script::new(DONE)
            .key(self.key("processing"))
            .key(self.key("queue"))
            .key(self.lock_key(entry))
            .arg(encode(entry))
            .arg(self.lock_value(entry))
            .arg(if requeue { "1" } else { "0" })
            .invoke_async(&mut conn)
            .await
            .map_err(|e| queue_error(&e))?;
        Ok(())
    }
}

fn encode(entry: &Entry) -> String {
    let json = serde_json::to_string(entry).unwrap_or_default();
    format!("{}\n{}\n{json}", entry.work.key(), entry.id)
}

fn decode(text: &str) -> Result<Entry> {
    let json = text.splitn(3, '\n').nth(2).unwrap_or_default();
    serde_json::from_str(json).map_err(|e| Error::Queue {
        message: format!("an entry of the queue is not a job: {e}"),
    })
}

fn queue_error(e: &redis::RedisError) -> Error {
    // A URL with a password is never part of what the redis crate says of a failed command.
    Error::Queue {
        message: e.to_string(),
    }
}

#[async_trait]
impl Queue for RedisQueue {
    async fn offer(&self, entry: &Entry) -> Result<bool> {
        let mut conn = self.conn.clone();
        let queued: i64 = Script::new(OFFER)
            .key(self.key(&format!("dedupe:{}", entry.dedupe_key())))
            .key(self.key("queue"))
            .arg(encode(entry))
            .arg(DEDUPE_SECONDS)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| queue_error(&e))?;
        Ok(queued == 1)
    }

    async fn take(&self, wait: Duration) -> Result<Option<Taken>> {
        let mut conn = self.conn.clone();
        let got: Value = Script::new(TAKE)
            .key(self.key("queue"))
            .key(self.key("processing"))
            .arg(self.key("lock:"))
            .arg(&self.owner)
            .arg(self.ttl_ms())
            .invoke_async(&mut conn)
            .await
            .map_err(|e| queue_error(&e))?;
        let (locked, text): (i64, String) = match got {
            Value::Nil => {
                tokio::time::sleep(wait.min(Duration::from_millis(500))).await;
                return Ok(None);
            }
            other => redis::from_redis_value(other).map_err(|e| Error::Queue {
                message: format!("the take script answered {e}"),
            })?,
        };
        let entry = decode(&text)?;
        Ok(Some(if locked == 1 {
            Taken::Run(entry)
        } else {
            Taken::Skipped(entry)
        }))
    }

    async fn renew(&self, entry: &Entry) -> Result<bool> {
        let mut conn = self.conn.clone();
        let renewed: i64 = Script::new(RENEW)
            .key(self.lock_key(entry))
            .arg(self.lock_value(entry))
            .arg(self.ttl_ms())
            .invoke_async(&mut conn)
            .await
            .map_err(|e| queue_error(&e))?;
        Ok(renewed == 1)
    }

    async fn done(&self, entry: &Entry) -> Result<()> {
        self.finish(entry, false).await
    }

    async fn give_back(&self, entry: &Entry) -> Result<()> {
        self.finish(entry, true).await
    }

    async fn reap(&self) -> Result<usize> {
        let mut conn = self.conn.clone();
        let n: i64 = Script::new(REAP)
            .key(self.key("processing"))
            .key(self.key("queue"))
            .arg(self.key("lock:"))
            .invoke_async(&mut conn)
            .await
            .map_err(|e| queue_error(&e))?;
        Ok(n.max(0) as usize)
    }

    async fn depth(&self) -> Result<usize> {
        let mut conn = self.conn.clone();
        let n: i64 = redis::cmd("LLEN")
            .arg(self.key("queue"))
            .query_async(&mut conn)
            .await
            .map_err(|e| queue_error(&e))?;
        Ok(n.max(0) as usize)
    }

    async fn ping(&self) -> Result<()> {
        let mut conn = self.conn.clone();
        let _: String = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .map_err(|e| queue_error(&e))?;
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "redis"
    }

    fn lock_ttl(&self) -> Duration {
        self.ttl
    }
}
