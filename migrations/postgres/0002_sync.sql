-- Syncs to destinations: each (run, segment, destination)'s progress and checkpoint, the users a
-- destination rejected, and objects cdp made in a destination (an Amplitude cohort's id).

create table syncs (
    run_id      bigint      not null references runs (id),
    segment     text        not null,
    destination text        not null,
    started_at  timestamptz not null,
    ended_at    timestamptz,
    status      text        not null,
    pending     bigint      not null,
    entered     bigint      not null,
    exited      bigint      not null,
    acked_seq   bigint      not null default 0,
    sent        bigint      not null default 0,
    rejected    bigint      not null default 0,
    retried     bigint      not null default 0,
    requests    bigint      not null default 0,
    duration_ms bigint      not null default 0,
    folded      boolean     not null default false,
    error       text,
    primary key (run_id, segment, destination)
);
create index syncs_by_target on syncs (segment, destination, run_id);

create table sync_rejections (
    run_id      bigint      not null,
    segment     text        not null,
    destination text        not null,
    user_id     text        not null,
    is_member   boolean     not null,
    reason      text        not null,
    permanent   boolean     not null,
    at          timestamptz not null,
    primary key (run_id, segment, destination, user_id)
);
create index sync_rejections_by_user on sync_rejections (segment, destination, user_id);

create table destination_objects (
    segment     text        not null,
    destination text        not null,
    kind        text        not null,
    external_id text        not null,
    created_at  timestamptz not null,
    primary key (segment, destination, kind)
);
