-- Each `state migrate` this store took part in, as its source or its target. A log of the store
-- itself: not exported, not copied by a migration.

create table state_migrations (
    id          integer primary key autoincrement,
    role        text    not null,
    source      text    not null,
    target      text    not null,
    actor       text    not null,
    started_at  text    not null,
    ended_at    text    not null,
    tables      integer not null,
    rows        integer not null,
    duration_ms integer not null,
    result      text    not null,
    error       text
);

-- Each `env promote`: who promoted which applied segments from which environment, with each
-- segment's version there and content hash (a JSON list), recorded in the target's store.

create table promotions (
    id       integer primary key autoincrement,
    at       text not null,
    actor    text not null,
    from_env text not null,
    to_env   text not null,
    segments text not null
);
