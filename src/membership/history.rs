//! Reading membership back: members now or as of an instant, and overlaps between segments.

use chrono::{DateTime, Utc};

use super::sql::Tables;

impl Tables {
    /// Members of `segment`, now (`at: None`) or as of an instant: the intervals covering it.
    pub fn members_sql(&self, segment: &str, at: Option<DateTime<Utc>>) -> String {
        let d = self.dialect();
        let when = match at {
            None => "m.exited_at is null".to_string(),
            Some(t) => {
                let t = d.timestamp(t);
                format!("m.entered_at <= {t} and (m.exited_at is null or m.exited_at > {t})")
            }
        };
        format!(
            "select m.user_id from {} as m where m.segment = {} and {when}",
            self.membership(),
            d.string(segment)
        )
    }

    /// Current members of each pair of `segments` (the diagonal: each one's size), computed in the
    /// warehouse: rows (a, b, users).
    pub fn overlap_sql(&self, segments: &[String]) -> String {
        let d = self.dialect();
        let list: Vec<String> = segments.iter().map(|s| d.string(s)).collect();
        let list = list.join(", ");
        let m = self.membership();
        format!(
            "select a.segment as a, b.segment as b, count(*) as users\n\
             from {m} as a join {m} as b on a.user_id = b.user_id\n\
             where a.segment in ({list}) and b.segment in ({list})\n  \
             and a.exited_at is null and b.exited_at is null\n\
             group by a.segment, b.segment"
        )
    }
}
