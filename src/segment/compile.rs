//! Entry point of the compiler: a segment (and the segments it refers to) to one SQL query.

use chrono::{DateTime, Utc};

use super::fuse::fuse;
use super::graph;
use super::lower::lower;
use super::rule::Rule;
use super::sql::render::Renderer;
use crate::segment::file::SegmentDef;
use crate::sql::dialect::Dialect;
use crate::sql::tables::Tables;

#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("unknown segment `{0}`")]
    UnknownSegment(String),
}

/// Compiles with one dialect, one `tables:` mapping and one `now` for every window.
pub struct Compiler<'a> {
    pub dialect: &'a dyn Dialect,
    pub tables: &'a Tables,
    pub now: DateTime<Utc>,
}

impl Compiler<'_> {
    /// The members query of segment `name`: one `user_id` column, one row per member.
    pub fn segment(&self, segments: &[SegmentDef], name: &str) -> Result<String, CompileError> {
        let lookup = |n: &str| segments.iter().find(|s| s.name == n);
        let def = lookup(name).ok_or_else(|| CompileError::UnknownSegment(name.to_string()))?;
        let order = graph::dependency_order(&def.name, &lookup);
        let mut deps = Vec::new();
        for dep in &order[..order.len() - 1] {
            let d = lookup(dep).ok_or_else(|| CompileError::UnknownSegment(dep.to_string()))?;
            deps.push(lower(&d.name, &d.rules, self.now));
        }
        let plan = lower(&def.name, &def.rules, self.now);
        Ok(self.renderer().query(&plan, &deps))
    }

    /// One query computing membership of `names` and every segment they refer to, with one scan
    /// of events per event name for all of them (see `fuse`). Returns the segments in dependency
    /// order: the query's `cdp_m<i>` column is the i-th of them.
    pub fn fused(
        &self,
        segments: &[SegmentDef],
        names: &[&str],
    ) -> Result<(Vec<String>, String), CompileError> {
        let lookup = |n: &str| segments.iter().find(|s| s.name == n);
        for name in names {
            lookup(name).ok_or_else(|| CompileError::UnknownSegment(name.to_string()))?;
        }
        let order = graph::dependency_order_of(names, &lookup);
        let mut plans = Vec::new();
        for name in &order {
            let d = lookup(name).ok_or_else(|| CompileError::UnknownSegment(name.to_string()))?;
            plans.push(lower(&d.name, &d.rules, self.now));
        }
        let sql = self.renderer().fused(&fuse(&plans));
        Ok((order.into_iter().map(str::to_string).collect(), sql))
    }

    /// One query computing membership of rule trees that refer to no other segment, as `fused`
    /// does: its `cdp_m<i>` column is the i-th tree's.
    pub fn fused_rules(&self, rules: &[Rule]) -> String {
        let plans: Vec<_> = rules
            .iter()
            .enumerate()
            .map(|(i, r)| lower(&format!("s{i}"), r, self.now))
            .collect();
        self.renderer().fused(&fuse(&plans))
    }

    /// The members query of a rule tree that refers to no other segment.
    pub fn rules(&self, name: &str, rules: &Rule) -> String {
        self.renderer().query(&lower(name, rules, self.now), &[])
    }

    fn renderer(&self) -> Renderer<'_> {
        Renderer {
            dialect: self.dialect,
            tables: self.tables,
            column_at: Vec::new(),
        }
    }
}
