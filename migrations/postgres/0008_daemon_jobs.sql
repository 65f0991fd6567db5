-- The daemon's jobs: each scheduled instant of a schedule (`refresh:vip` at 06:00) is one row,
-- unique, so that several daemons run it once; a job started from the API or the UI is a row
-- with no instant. `attempts` counts the daemons that took it (more than one: its first daemon
-- died and another took it up). Dashboards' tiles, computed on their `refresh:` interval, are
-- kept here too, so that pages are served without opening the warehouse.

create table daemon_jobs (
    id         text primary key,
    job        text not null,
    instant    timestamptz,
    status     text not null,
    daemon     text,
    attempts   bigint  not null default 0,
    queued_at  timestamptz not null,
    started_at timestamptz,
    ended_at   timestamptz,
    error      text,
    report     text,
    unique (job, instant)
);
create index daemon_jobs_by_job on daemon_jobs (job, instant);

create table dashboard_tiles (
    dashboard   text primary key,
    computed_at timestamptz not null,
    data        text not null
);
