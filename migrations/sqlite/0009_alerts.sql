-- The daemon's alerts: one row per job key (`refresh:vip`, `sync:vip`...) with its failure streak
-- and whether the alert its latest change of state owes (first failure, or recovery) was sent.
-- `claimed_by` / `claim_expires` (epoch milliseconds) are the lease of the daemon sending it, so
-- that several daemons on one store send it once.

create table alert_streaks (
    job           text primary key,
    failing       integer not null,
    since         text    not null,
    failures      integer not null,
    last_error    text,
    pending       integer not null,
    alerted_at    text,
    claimed_by    text,
    claim_expires integer,
    updated_at    text    not null
);
