//! The holdout assignment's SQL gives the buckets Rust computes (the README's test vectors
//! among them) on DuckDB, PostgreSQL and Snowflake (its SQL as the double runs it), for text
//! and integer user ids, and splits users at the configured share.

use cdp::campaign::assignment::{
    Arm, TEST_VECTORS, arm, arm_sql, basis_points, bucket, bucket_sql,
};
use cdp::sql::dialect::{Dialect, DialectKind};
use cdp::warehouse::Warehouse;
use cdp::warehouse::duckdb::DuckDbWarehouse;
use cdp::warehouse::postgres::PostgresWarehouse;

use crate::common::{PgDatabase, postgres_url};

const SALT: &str = "spring_upsell";

fn text_ids() -> Vec<String> {
    (0..3000).map(|i| format!("user-{i:05}")).collect()
}

/// `(id, bucket, arm)` of every user of `table`, by the SQL of `dialect`.
async fn buckets(
    wh: &mut dyn Warehouse,
    dialect: &dyn Dialect,
    salt: &str,
    table: &str,
    rewrite: &dyn Fn(String) -> String,
) -> Vec<(String, u32, String)> {
    let b = bucket_sql(dialect, salt, "id");
    let sql = rewrite(format!(
        "select cast(id as {}) as id, {b} as bucket, {} as arm from {table} order by 1",
        dialect.text_type(),
        arm_sql(dialect, &b, basis_points(0.1))
    ));
    wh.rows(&sql)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{sql}"))
        .into_iter()
        .map(|r| (r[0].to_text(), r[1].as_i64() as u32, r[2].to_text()))
        .collect()
}

async fn load(wh: &mut dyn Warehouse) {
    let values: Vec<String> = text_ids().iter().map(|id| format!("('{id}')")).collect();
    let ints: Vec<String> = (0..3000).map(|i| format!("({})", i * 7919)).collect();
    let vectors: Vec<String> = TEST_VECTORS
        .iter()
        .map(|(_, u, _)| format!("('{u}')"))
        .collect();
    for sql in [
        "create table users_text (id varchar(40))".to_string(),
        format!("insert into users_text values {}", values.join(", ")),
        "create table users_int (id bigint)".to_string(),
        format!("insert into users_int values {}", ints.join(", ")),
        "create table users_vectors (id varchar(40))".to_string(),
        format!("insert into users_vectors values {}", vectors.join(", ")),
    ] {
        wh.execute(&sql)
            .await
            .unwrap_or_else(|e| panic!("{e:?}\n{sql}"));
    }
}

fn expected(ids: impl Iterator<Item = String>, salt: &str) -> Vec<(String, u32, String)> {
    let mut out: Vec<_> = ids
        .map(|id| {
            let b = bucket(salt, &id);
            (id, b, arm(b, 1000).as_str().to_string())
        })
        .collect();
    out.sort();
    out
}

async fn check(wh: &mut dyn Warehouse, kind: DialectKind, rewrite: &dyn Fn(String) -> String) {
    let d = kind.dialect();
    let got = buckets(wh, d, SALT, "users_text", rewrite).await;
    assert_eq!(
        got,
        expected(text_ids().into_iter(), SALT),
        "{kind:?}, text ids"
    );
    let held = got
        .iter()
        .filter(|(_, _, a)| a == Arm::Holdout.as_str())
        .count();
    assert!(
        (240..=360).contains(&held),
        "{held} of 3000 held out at 10 %"
    );

    let got = buckets(wh, d, SALT, "users_int", rewrite).await;
    let ints = (0..3000).map(|i: i64| (i * 7919).to_string());
    assert_eq!(got, expected(ints, SALT), "{kind:?}, integer ids");

    for (salt, user, want) in TEST_VECTORS {
        let got = buckets(wh, d, salt, "users_vectors", rewrite).await;
        let row = got.iter().find(|(id, _, _)| id == user).unwrap();
        assert_eq!(row.1, *want, "{kind:?}: {salt}:{user}");
    }
}

#[test]
fn the_assignment_is_the_same_in_rust_duckdb_postgres_and_snowflake() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut duck = DuckDbWarehouse::in_memory().unwrap();
        load(&mut duck).await;
        check(&mut duck, DialectKind::Duckdb, &|s| s).await;
        duck.execute(crate::snowflake::translate::SETUP)
            .await
            .unwrap();
        check(&mut duck, DialectKind::Snowflake, &|s| {
            crate::snowflake::translate::to_duckdb(&s)
        })
        .await;
    });
    let Some(admin) = postgres_url("assignment") else {
        return;
    };
    let db = PgDatabase::create(&admin, "assignment");
    rt.block_on(async {
        let mut pg = PostgresWarehouse::connect(&db.url).await.unwrap();
        load(&mut pg).await;
        check(&mut pg, DialectKind::Postgres, &|s| s).await;
    });
}
