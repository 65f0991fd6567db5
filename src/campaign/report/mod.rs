//! A campaign's report from the warehouse: the totals per arm of its goal and guardrails over
//! the frozen assignments (`sql`) read into the statistics' inputs, the guardrails compared
//! (`guardrail`), the whole as one document (`document`), as titled tables (`sections`) and as
//! a dashboard result for the PDF and Excel renderers (`tiles`).

mod document;
mod guardrail;
pub mod sections;
mod sql;
pub mod tiles;

pub use document::{CampaignReport, Window};
pub use guardrail::{Guardrail, GuardrailArm, compare_guardrail};
pub use sql::{goal_test, totals_sql};

use crate::campaign::assignment::Arm;
use crate::campaign::stats::ArmTotals;
use crate::table::Cell;

const USERS: &str = "users";
const CONVERTED: &str = "conversions";
const REVENUE: &str = "revenue";
const REVENUE_SQ: &str = "revenue_sq";

/// The column of the i-th guardrail's count of users.
fn guardrail_column(i: usize) -> String {
    format!("guardrail_{i}")
}

/// What the query found, per arm (an arm without users has zero totals).
#[derive(Clone, Debug, PartialEq)]
pub struct Totals {
    pub treatment: ArmTotals,
    pub holdout: ArmTotals,
    /// Per guardrail event, in the campaign's order: users who had it, treatment then holdout.
    pub guardrails: Vec<(String, [u64; 2])>,
}

impl Totals {
    pub fn users(&self) -> u64 {
        self.treatment.users + self.holdout.users
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the assignments hold an arm `{0}`, neither `treatment` nor `holdout`")]
    UnknownArm(String),
    #[error("the report's query returned {got} columns, not the {expected} it selects")]
    Columns { expected: usize, got: usize },
}

/// A number cell as a float (0 for a null, which an empty sum would be).
fn float(cell: &Cell) -> f64 {
    match cell {
        Cell::Float(f) => *f,
        Cell::Int(i) => *i as f64,
        Cell::Text(t) => t.parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Reads the rows of [`totals_sql`] for a campaign with `guardrails`.
pub fn read(rows: &[Vec<Cell>], guardrails: &[String]) -> Result<Totals, ReportError> {
    let empty = ArmTotals {
        users: 0,
        conversions: 0,
        revenue: 0.0,
        revenue_sq: 0.0,
    };
    let mut totals = Totals {
        treatment: empty,
        holdout: empty,
        guardrails: guardrails.iter().map(|g| (g.clone(), [0, 0])).collect(),
    };
    let expected = 5 + guardrails.len();
    for row in rows {
        if row.len() != expected {
            return Err(ReportError::Columns {
                expected,
                got: row.len(),
            });
        }
        let arm = match row[0].to_text().as_str() {
            "treatment" => Arm::Treatment,
            "holdout" => Arm::Holdout,
            other => return Err(ReportError::UnknownArm(other.to_string())),
        };
        let count = |cell: &Cell| cell.as_i64().max(0) as u64;
        let arm_totals = ArmTotals {
            users: count(&row[1]),
            conversions: count(&row[2]),
            revenue: float(&row[3]),
            revenue_sq: float(&row[4]),
        };
        let side = match arm {
            Arm::Treatment => {
                totals.treatment = arm_totals;
                0
            }
            Arm::Holdout => {
                totals.holdout = arm_totals;
                1
            }
        };
        for (i, g) in totals.guardrails.iter_mut().enumerate() {
            g.1[side] = count(&row[5 + i]);
        }
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_per_arm_and_a_missing_arm_is_zero() {
        let rows = vec![vec![
            Cell::Text("treatment".into()),
            Cell::Int(10),
            Cell::Int(3),
            Cell::Float(30.0),
            Cell::Float(300.0),
            Cell::Int(2),
        ]];
        let t = read(&rows, &["unsubscribe".into()]).unwrap();
        assert_eq!(t.treatment.users, 10);
        assert_eq!(t.treatment.conversions, 3);
        assert_eq!(t.treatment.revenue_sq, 300.0);
        assert_eq!(t.holdout.users, 0);
        assert_eq!(t.guardrails, vec![("unsubscribe".to_string(), [2, 0])]);
        let odd = vec![vec![Cell::Text("control".into()); 6]];
        assert!(matches!(
            read(&odd, &["x".into()]),
            Err(ReportError::UnknownArm(a)) if a == "control"
        ));
        assert!(matches!(
            read(&rows, &[]),
            Err(ReportError::Columns {
                expected: 5,
                got: 6
            })
        ));
    }
}
