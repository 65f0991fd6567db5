-- Syncs to destinations: each (run, segment, destination)'s progress and checkpoint, the users a
-- destination rejected, and objects cdp made in a destination (an Amplitude cohort's id).

create table syncs (
    run_id      integer not null references runs (id),
    segment     text    not null,
    destination text    not null,
    started_at  text    not null,
    ended_at    text,
    status      text    not null,
    pending     integer not null,
    entered     integer not null,
    exited      integer not null,
    acked_seq   integer not null default 0,
    sent        integer not null default 0,
    rejected    integer not null default 0,
    retried     integer not null default 0,
    requests    integer not null default 0,
    duration_ms integer not null default 0,
    folded      integer not null default 0,
    error       text,
    primary key (run_id, segment, destination)
);
create index syncs_by_target on syncs (segment, destination, run_id);

create table sync_rejections (
    run_id      integer not null,
    segment     text    not null,
    destination text    not null,
    user_id     text    not null,
    is_member   integer not null,
    reason      text    not null,
    permanent   integer not null,
    at          text    not null,
    primary key (run_id, segment, destination, user_id)
);
create index sync_rejections_by_user on sync_rejections (segment, destination, user_id);

create table destination_objects (
    segment     text not null,
    destination text not null,
    kind        text not null,
    external_id text not null,
    created_at  text not null,
    primary key (segment, destination, kind)
);
