-- Who may use the daemon: API tokens (only a SHA-256 of each is kept; the token is shown once,
-- when it is made) and UI users (a bcrypt hash of each password).

create table api_tokens (
    id           text primary key,
    name         text not null,
    hash         text not null unique,
    created_by   text not null,
    created_at   text not null,
    last_used_at text,
    revoked_at   text
);

create table ui_users (
    name          text primary key,
    password_hash text not null,
    created_at    text not null,
    updated_at    text not null
);
