-- The state store: what is applied, what ran, what each refresh found, and who did what.

create table definitions (
    kind       text    not null,
    name       text    not null,
    version    integer not null,
    hash       text    not null,
    content    text    not null,
    applied_by text    not null,
    applied_at text    not null,
    removed_by text,
    removed_at text,
    primary key (kind, name, version)
);

create table runs (
    id         integer primary key autoincrement,
    command    text    not null,
    segment    text,
    started_at text    not null,
    ended_at   text,
    rows       integer,
    status     text    not null,
    error      text,
    pid        integer not null,
    host       text    not null
);

create table snapshots (
    run_id      integer not null references runs (id),
    segment     text    not null,
    version     integer not null,
    at          text    not null,
    size        integer not null,
    entered     integer not null,
    exited      integer not null,
    duration_ms integer not null,
    primary key (run_id, segment)
);
create index snapshots_by_segment on snapshots (segment, at);

create table audit (
    id      integer primary key autoincrement,
    at      text not null,
    actor   text not null,
    action  text not null,
    subject text not null,
    detail  text not null
);

create table locks (
    name   text    primary key,
    holder text    not null,
    pid    integer not null,
    host   text    not null,
    since  text    not null
);
