-- Secrets of the daemon's web UI: the key that signs session cookies, made once (insert if
-- absent) and shared by every daemon on this store. Not part of `state export`: a secret.

create table ui_secrets (
    name       text primary key,
    value      text not null,
    created_at timestamptz not null
);
