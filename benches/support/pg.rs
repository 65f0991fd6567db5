//! PostgreSQL databases for the benchmarks: one made (and dropped) per run on the server of
//! `CDP_TEST_POSTGRES_URL`.

/// Runs `sql` (`create database ...`, `drop database ...`) on the server of `admin`, from a
/// thread of its own so that it works inside or outside a runtime.
pub fn pg(admin: &str, sql: &str) {
    let (admin, sql) = (admin.to_string(), sql.to_string());
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                use sqlx::Connection;
                let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut c)
                    .await
                    .unwrap();
            })
    })
    .join()
    .unwrap();
}

/// The URL of database `name` on the server of `admin`.
pub fn db_url(admin: &str, name: &str) -> String {
    let base = admin.split('?').next().unwrap();
    let cut = base.rfind('/').unwrap();
    format!("{}/{name}", &base[..cut])
}
