//! The holdout assignment, the same in Rust and in each warehouse's SQL: a user's bucket is
//! `int(first 8 hex digits of md5(salt || ':' || user_id), 16) mod 10000`, and the user is held
//! out when the bucket is below the holdout share in basis points.

use md5::{Digest, Md5};

use crate::sql::dialect::Dialect;

/// Buckets in all: a holdout share is a whole number of them (basis points).
pub const BUCKETS: u32 = 10_000;

/// The arm a user is assigned to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arm {
    Treatment,
    Holdout,
}

impl Arm {
    pub fn as_str(self) -> &'static str {
        match self {
            Arm::Treatment => "treatment",
            Arm::Holdout => "holdout",
        }
    }
}

/// The user's bucket in `0..10000`.
pub fn bucket(salt: &str, user_id: &str) -> u32 {
    let digest = Md5::new()
        .chain_update(salt.as_bytes())
        .chain_update(b":")
        .chain_update(user_id.as_bytes())
        .finalize();
    // The first 8 hex digits are the first 4 bytes, most significant first.
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % BUCKETS
}

/// The arm of a bucket for a holdout of `holdout_bp` basis points (`1000` for 10 %).
pub fn arm(bucket: u32, holdout_bp: u32) -> Arm {
    if bucket < holdout_bp {
        Arm::Holdout
    } else {
        Arm::Treatment
    }
}

/// A holdout share (`0.1` for 10 %) as basis points, rounded: the threshold the SQL compares
/// with, so that floating point never decides a user's arm.
pub fn basis_points(share: f64) -> u32 {
    (share * f64::from(BUCKETS))
        .round()
        .clamp(0.0, f64::from(BUCKETS)) as u32
}

/// The bucket of `user_id` (an SQL expression of any type, read as text) in `dialect`.
pub fn bucket_sql(dialect: &dyn Dialect, salt: &str, user_id: &str) -> String {
    let text = format!(
        "{} || cast({user_id} as {})",
        dialect.string(&format!("{salt}:")),
        dialect.text_type()
    );
    let hex8 = format!("substr(md5({text}), 1, 8)");
    format!("({} % {BUCKETS})", dialect.hex_to_bigint(&hex8))
}

/// `'holdout'` or `'treatment'` for a bucket expression.
pub fn arm_sql(dialect: &dyn Dialect, bucket: &str, holdout_bp: u32) -> String {
    format!(
        "case when {bucket} < {holdout_bp} then {} else {} end",
        dialect.string(Arm::Holdout.as_str()),
        dialect.string(Arm::Treatment.as_str())
    )
}

/// Test vectors (in the README too), computed independently with Python:
/// `int(hashlib.md5(f"{salt}:{user}".encode()).hexdigest()[:8], 16) % 10000`.
pub const TEST_VECTORS: &[(&str, &str, u32)] = &[
    ("spring_upsell", "u1", 5392),
    ("spring_upsell", "u2", 6313),
    ("spring_upsell", "42", 120),
    ("annual_plan_offer", "u1", 1385),
    ("annual_plan_offer", "user-0007", 8535),
    ("it's a salt", "ü", 6978),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::dialect::DialectKind;

    #[test]
    fn buckets_match_the_test_vectors() {
        for (salt, user, want) in TEST_VECTORS {
            assert_eq!(bucket(salt, user), *want, "{salt}:{user}");
        }
    }

    #[test]
    fn a_holdout_share_is_whole_basis_points() {
        assert_eq!(basis_points(0.1), 1000);
        assert_eq!(basis_points(0.07), 700);
        assert_eq!(basis_points(0.333), 3330);
        assert_eq!(basis_points(1.5), 10_000);
        assert_eq!(arm(999, 1000), Arm::Holdout);
        assert_eq!(arm(1000, 1000), Arm::Treatment);
        assert_eq!(arm(0, 0), Arm::Treatment);
    }

    #[test]
    fn the_sql_escapes_the_salt_and_reads_the_first_eight_hex_digits() {
        let duck = bucket_sql(DialectKind::Duckdb.dialect(), "it's", "u.user_id");
        assert_eq!(
            duck,
            "(cast('0x' || substr(md5('it''s:' || cast(u.user_id as varchar)), 1, 8) as bigint) % 10000)"
        );
        let pg = bucket_sql(DialectKind::Postgres.dialect(), "s", "id");
        assert!(
            pg.contains("cast(cast('x' || substr(md5('s:' || cast(id as "),
            "{pg}"
        );
        assert!(pg.contains("as bit(32)) as bigint)"), "{pg}");
        let sf = bucket_sql(DialectKind::Snowflake.dialect(), "a\\b", "id");
        assert!(
            sf.starts_with("(to_number(substr(md5('a\\\\b:' || "),
            "{sf}"
        );
    }
}
