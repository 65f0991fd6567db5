//! Frozen assignments: the demo campaign's audience (after a real refresh) is assigned with the
//! arms Rust computes, a second launch changes nothing, and a user who joins later is added
//! without touching anyone assigned before.

use chrono::{Duration, Utc};

use cdp::campaign::assignment::{arm, bucket};
use cdp::campaign::freeze::{assignments, counts_sql, ensure_sql, freeze_sql};
use cdp::membership::sql::Tables;
use cdp::sql::dialect::DialectKind;
use cdp::warehouse::Warehouse;
use cdp::warehouse::duckdb::DuckDbWarehouse;

use crate::common::TempProject;

#[test]
fn assignments_are_frozen_at_the_first_launch_and_only_new_members_join() {
    let p = TempProject::demo();
    p.run(&["demo", "seed", "--users", "3000"]).ok();
    p.run(&["apply", "--auto-approve"]).ok();
    p.run(&["refresh", "--all"]).ok();
    let project = cdp::project::load(p.path(), None).unwrap();
    let campaign = project.campaigns[0].clone();
    let db = p.path().join(".cdp/warehouse.duckdb");
    let t = Tables::new(DialectKind::Duckdb, "cdp");
    let first = Utc::now();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut wh = DuckDbWarehouse::open_file(&db, "256MB").unwrap();
        for sql in ensure_sql(&t) {
            wh.execute(&sql).await.unwrap();
        }
        wh.execute(&freeze_sql(&t, &campaign, first)).await.unwrap();
        let all = format!(
            "select user_id, arm, bucket, cast(assigned_at as varchar) from {} order by user_id",
            assignments(&t)
        );
        let frozen = wh.rows(&all).await.unwrap();
        assert!(frozen.len() > 20, "the audience has {} members", frozen.len());
        for row in &frozen {
            let (user, got_arm, got_bucket) = (row[0].to_text(), row[1].to_text(), row[2].as_i64());
            let b = bucket(&campaign.salt, &user);
            assert_eq!(got_bucket, i64::from(b), "{user}");
            assert_eq!(got_arm, arm(b, campaign.holdout_bp).as_str(), "{user}");
        }
        let counts = wh.rows(&counts_sql(&t, &campaign.name)).await.unwrap();
        let total: i64 = counts.iter().map(|r| r[1].as_i64()).sum();
        assert_eq!(total as usize, frozen.len());

        // Again, later: nothing changes.
        wh.execute(&freeze_sql(&t, &campaign, first + Duration::days(1)))
            .await
            .unwrap();
        let again = wh.rows(&all).await.unwrap();
        assert_eq!(
            again.iter().map(|r| r.iter().map(|c| c.to_text()).collect::<Vec<_>>()).collect::<Vec<_>>(),
            frozen.iter().map(|r| r.iter().map(|c| c.to_text()).collect::<Vec<_>>()).collect::<Vec<_>>()
        );

        // A user who becomes a member later is assigned then; the others keep theirs.
        wh.execute(&format!(
            "insert into {} values ('{}', 'zz-newcomer', timestamp '2026-06-20 00:00:00', null, 999, null)",
            t.membership(),
            campaign.audience
        ))
        .await
        .unwrap();
        wh.execute(&freeze_sql(&t, &campaign, first + Duration::days(2)))
            .await
            .unwrap();
        let after = wh.rows(&all).await.unwrap();
        assert_eq!(after.len(), frozen.len() + 1);
        let newcomer = after.iter().find(|r| r[0].to_text() == "zz-newcomer").unwrap();
        assert_eq!(newcomer[2].as_i64(), i64::from(bucket(&campaign.salt, "zz-newcomer")));
    });
}
