//! The report as titled tables of typed cells, each column with its format: what the command
//! line prints and what the PDF and the workbook draw, from one reading of the report.

use std::collections::BTreeMap;

use super::CampaignReport;
use crate::campaign::stats::{ALPHA, SRM_ALARM};
use crate::dashboard::chart::{Format, format};
use crate::table::{Cell, Table};

/// One table of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// A short stable name (`arms`, `uplift` ...), the tile's id in an export.
    pub id: &'static str,
    pub title: String,
    pub table: Table,
    /// Formats by column name; a column without one holds text or a plain number.
    pub formats: BTreeMap<String, Format>,
}

impl Section {
    fn new(id: &'static str, title: &str, columns: &[(&str, Option<Format>)]) -> Section {
        let names: Vec<&str> = columns.iter().map(|c| c.0).collect();
        Section {
            id,
            title: title.to_string(),
            table: Table::new(&names, Vec::new()),
            formats: columns
                .iter()
                .filter_map(|(n, f)| f.clone().map(|f| (n.to_string(), f)))
                .collect(),
        }
    }

    fn with_rows(mut self, rows: Vec<Vec<Cell>>) -> Section {
        let names = self.table.names();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        self.table = Table::new(&names, rows);
        self
    }

    /// Every cell written as its column's format asks (what a terminal table shows).
    pub fn text_rows(&self) -> Vec<Vec<Cell>> {
        let names = self.table.names();
        self.table
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&names)
                    .map(|(cell, name)| Cell::Text(format::cell(cell, self.formats.get(name))))
                    .collect()
            })
            .collect()
    }
}

fn num(v: Option<f64>) -> Cell {
    v.map_or(Cell::Null, Cell::Float)
}

fn low(ci: Option<[f64; 2]>) -> Cell {
    num(ci.map(|c| c[0]))
}

fn high(ci: Option<[f64; 2]>) -> Cell {
    num(ci.map(|c| c[1]))
}

fn text(t: impl Into<String>) -> Cell {
    Cell::Text(t.into())
}

/// A share as people read it (`12.5 %`), or `n/a`.
pub fn percent(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| {
        format::cell(&Cell::Float(v), Some(&Format::Percent))
    })
}

/// A probability as a percentage, saying so when it rounds to certainty (`> 99.99 %`).
pub fn chance(v: Option<f64>) -> String {
    match v {
        Some(p) if p > 0.9999 => "> 99.99 %".into(),
        Some(p) if p < 0.0001 => "< 0.01 %".into(),
        p => percent(p),
    }
}

/// A difference of rates in percentage points, signed (`+5.12 pp`), or `n/a`.
pub fn points(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| format!("{:+.2} pp", v * 100.0))
}

/// A p-value to four decimals, or `< 0.0001`.
pub fn p_value(v: Option<f64>) -> String {
    match v {
        Some(p) if p < 1e-4 => "< 0.0001".into(),
        Some(p) => format!("{p:.4}"),
        None => "n/a".into(),
    }
}

/// The money format of the report's currency (plain numbers without one).
pub fn money_format(r: &CampaignReport) -> Format {
    r.window
        .currency
        .clone()
        .map_or(Format::Number, Format::Currency)
}

/// Users, conversions, rate with its interval and revenue, per arm.
pub fn arms(r: &CampaignReport) -> Section {
    let money = Some(money_format(r));
    let pct = Some(Format::Percent);
    let count = Some(Format::Number);
    let rows = r
        .comparison
        .arms
        .iter()
        .map(|a| {
            vec![
                text(a.arm.as_str()),
                Cell::Int(a.users as i64),
                Cell::Int(a.conversions as i64),
                num(a.rate),
                low(a.rate_ci),
                high(a.rate_ci),
                Cell::Float(a.revenue),
                num(a.revenue_per_user),
            ]
        })
        .collect();
    Section::new(
        "arms",
        "Arms: users converted in their window, with the rate's 95% interval",
        &[
            ("arm", None),
            ("users", count.clone()),
            ("conversions", count),
            ("rate", pct.clone()),
            ("95% low", pct.clone()),
            ("95% high", pct),
            ("revenue", money.clone()),
            ("revenue/user", money),
        ],
    )
    .with_rows(rows)
}

/// Estimates with their 95 % intervals, one per row, all written in `format`.
fn estimates(
    id: &'static str,
    title: &str,
    format: Format,
    rows: Vec<(String, Option<f64>, Option<[f64; 2]>)>,
) -> Section {
    let f = Some(format);
    Section::new(
        id,
        title,
        &[
            ("measure", None),
            ("estimate", f.clone()),
            ("95% low", f.clone()),
            ("95% high", f),
        ],
    )
    .with_rows(
        rows.into_iter()
            .map(|(label, value, ci)| vec![text(label), num(value), low(ci), high(ci)])
            .collect(),
    )
}

/// Absolute and relative uplift with their intervals.
pub fn uplift(r: &CampaignReport) -> Section {
    let u = &r.comparison.uplift;
    estimates(
        "uplift",
        "Uplift, treatment against holdout",
        Format::Percent,
        vec![
            (
                "absolute (the rates' difference, in points)".into(),
                u.absolute,
                u.absolute_ci,
            ),
            (
                "relative (of the holdout's rate)".into(),
                u.relative,
                u.relative_ci,
            ),
        ],
    )
}

/// Incremental conversions and revenue among the treated users, with their intervals.
pub fn incremental(r: &CampaignReport) -> Section {
    let i = &r.comparison.incremental;
    let currency = r.window.currency.as_deref().unwrap_or("in revenue units");
    estimates(
        "incremental",
        "Incremental, over treating nobody",
        Format::Number,
        vec![
            ("conversions".into(), i.conversions, i.conversions_ci),
            (format!("revenue ({currency})"), i.revenue, i.revenue_ci),
        ],
    )
}

/// The tests and checks, each with what it means.
pub fn checks(r: &CampaignReport) -> Section {
    let c = &r.comparison;
    let share = percent(Some(r.window.holdout_share));
    let srm = match (c.srm.p_value, c.srm.warning) {
        (None, _) => "no users to check".to_string(),
        (Some(_), true) => format!(
            "WARNING: the split does not fit the configured {share} holdout (p < {SRM_ALARM}); do not read the uplift until it is explained"
        ),
        (Some(_), false) => format!("the split fits the configured {share} holdout"),
    };
    let significance = match c.uplift.p_value {
        Some(p) if p < ALPHA => "significant at 5 %, two-sided",
        Some(_) => "not significant at 5 %",
        None => "nothing to compare",
    };
    Section::new(
        "checks",
        "Tests and checks",
        &[("check", None), ("value", None), ("meaning", None)],
    )
    .with_rows(vec![
        vec![
            text("p-value"),
            text(p_value(c.uplift.p_value)),
            text(significance),
        ],
        vec![
            text("chance to beat holdout"),
            text(chance(c.uplift.chance_to_beat)),
            text("Bayesian, Beta(1, 1) priors"),
        ],
        vec![
            text("sample ratio (SRM)"),
            text(format!("p = {}", p_value(c.srm.p_value))),
            text(srm),
        ],
        vec![
            text("minimum detectable effect"),
            text(points(c.mde).trim_start_matches('+').to_string()),
            text("absolute, at 80 % power and 5 % two-sided, for these arm sizes"),
        ],
    ])
}

/// Each guardrail's rate per arm, the difference and whether treatment's is higher.
pub fn guardrails(r: &CampaignReport) -> Section {
    let pct = Some(Format::Percent);
    let rows = r
        .guardrails
        .iter()
        .map(|g| {
            let reading = if g.higher_in_treatment {
                "ALARM: higher in treatment"
            } else {
                "not higher in treatment"
            };
            vec![
                text(g.event.as_str()),
                num(g.arms[0].rate),
                num(g.arms[1].rate),
                num(g.difference),
                low(g.difference_ci),
                high(g.difference_ci),
                text(p_value(g.p_value)),
                text(reading),
            ]
        })
        .collect();
    Section::new(
        "guardrails",
        "Guardrails: users with the event in their window",
        &[
            ("event", None),
            ("treatment", pct.clone()),
            ("holdout", pct.clone()),
            ("difference", pct.clone()),
            ("95% low", pct.clone()),
            ("95% high", pct),
            ("p-value", None),
            ("reading", None),
        ],
    )
    .with_rows(rows)
}

/// The report's tables in reading order (guardrails only when the campaign has some).
pub fn sections(r: &CampaignReport) -> Vec<Section> {
    let mut out = vec![arms(r), uplift(r), incremental(r), checks(r)];
    if !r.guardrails.is_empty() {
        out.push(guardrails(r));
    }
    out
}

/// One line on what was measured: goal, window, users, holdout.
pub fn headline(r: &CampaignReport) -> String {
    let w = &r.window;
    let users: u64 = r.comparison.arms.iter().map(|a| a.users).sum();
    let assigned = if w.first_assigned == w.last_assigned {
        format!("assigned {}", w.first_assigned.format("%Y-%m-%d %H:%M"))
    } else {
        format!(
            "assigned {} to {}",
            w.first_assigned.format("%Y-%m-%d"),
            w.last_assigned.format("%Y-%m-%d")
        )
    };
    format!(
        "Campaign `{}`: `{}` within {} of assignment; {} users {assigned}, {} held out",
        r.campaign,
        w.event,
        w.within,
        format::cell(&Cell::Int(users as i64), None),
        percent(Some(w.holdout_share)),
    )
}
