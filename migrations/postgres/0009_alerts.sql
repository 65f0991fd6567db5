-- The daemon's alerts: one row per job key (`refresh:vip`, `sync:vip`...) with its failure streak
-- and whether the alert its latest change of state owes (first failure, or recovery) was sent.
-- `claimed_by` / `claim_expires` (epoch milliseconds) are the lease of the daemon sending it, so
-- that several daemons on one store send it once.

create table alert_streaks (
    job           text primary key,
    failing       boolean     not null,
    since         timestamptz not null,
    failures      bigint      not null,
    last_error    text,
    pending       boolean     not null,
    alerted_at    timestamptz,
    claimed_by    text,
    claim_expires bigint,
    updated_at    timestamptz not null
);
