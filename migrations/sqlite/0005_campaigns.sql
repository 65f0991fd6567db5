-- Campaign launches and the send of every recipient. A recipient's row is written `pending`
-- before the request that messages them goes out and settled (`sent`, `failed`, `unknown`) by its
-- answer, so a launch killed anywhere never messages anyone twice: a row still `pending` belongs
-- to a request that may have gone out, and the next launch records it `unknown`.

create table campaign_launches (
    id          integer primary key autoincrement,
    campaign    text    not null,
    send_id     text    not null,
    started_at  text    not null,
    ended_at    text,
    status      text    not null,
    assigned    integer not null default 0,
    to_send     integer not null default 0,
    sent        integer not null default 0,
    unknown     integer not null default 0,
    failed      integer not null default 0,
    capped      integer not null default 0,
    requests    integer not null default 0,
    retried     integer not null default 0,
    actor       text    not null,
    host        text    not null,
    error       text
);

create index campaign_launches_campaign on campaign_launches (campaign, id);

create table campaign_sends (
    campaign  text    not null,
    user_id   text    not null,
    launch_id integer not null,
    batch     integer not null,
    status    text    not null,
    prior     text,
    reason    text,
    at        text    not null,
    exposed_at text,
    primary key (campaign, user_id)
);

create index campaign_sends_batch on campaign_sends (launch_id, batch);
create index campaign_sends_user_at on campaign_sends (user_id, at);
