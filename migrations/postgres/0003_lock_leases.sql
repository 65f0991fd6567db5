-- Keyed locks: each row of `locks` is one key (`project`, later `job:refresh:<segment>`...), with
-- the person or service holding it and the lease its holder declared and renews (null: none).

alter table locks add column actor text not null default '';
alter table locks add column until timestamptz;
