//! The values a run uses: each param's default, overridden by `--param name=value`, checked
//! against its type.

use super::error::DashboardError;
use chrono::{DateTime, Utc};

use super::spec::{BUILT_INS, DashboardDef, ParamValue};

/// Each declared param with its value, in the order declared.
pub type Values = Vec<(String, ParamValue)>;

/// The built-in values of a run at `now`: `now` and `today`, unless the dashboard declares a
/// param of that name.
pub fn with_built_ins(dash: &DashboardDef, mut values: Values, now: DateTime<Utc>) -> Values {
    for name in BUILT_INS {
        if dash.param(name).is_none() {
            let v = match name {
                "now" => ParamValue::Timestamp(now),
                _ => ParamValue::Date(now.date_naive()),
            };
            values.push((name.to_string(), v));
        }
    }
    values
}

/// Splits `name=value`.
pub fn split(arg: &str) -> Result<(String, String), DashboardError> {
    match arg.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(DashboardError::ParamSyntax(arg.to_string())),
    }
}

/// The values for a run: defaults, then `given` in order (a later one wins).
pub fn resolve(dash: &DashboardDef, given: &[(String, String)]) -> Result<Values, DashboardError> {
    for (name, _) in given {
        if dash.param(name).is_none() {
            return Err(DashboardError::UnknownParam {
                dashboard: dash.name.clone(),
                name: name.clone(),
                known: dash.params.iter().map(|p| p.name.clone()).collect(),
            });
        }
    }
    dash.params
        .iter()
        .map(|p| {
            let value = match given.iter().rev().find(|(n, _)| *n == p.name) {
                Some((_, text)) => p.kind.parse(text).ok_or_else(|| DashboardError::BadParam {
                    name: p.name.clone(),
                    kind: p.kind.describe(),
                    value: text.clone(),
                })?,
                None => p
                    .default
                    .clone()
                    .ok_or_else(|| DashboardError::MissingParam {
                        name: p.name.clone(),
                        kind: p.kind.describe(),
                    })?,
            };
            Ok((p.name.clone(), value))
        })
        .collect()
}

/// Values for preparing SQL without reading rows: defaults, else a sample of the type.
pub fn samples(dash: &DashboardDef, today: chrono::NaiveDate) -> Values {
    dash.params
        .iter()
        .map(|p| {
            let v = p.default.clone().unwrap_or_else(|| p.kind.sample(today));
            (p.name.clone(), v)
        })
        .collect()
}

pub fn lookup<'v>(values: &'v Values, name: &str) -> Option<&'v ParamValue> {
    values.iter().find(|(n, _)| n == name).map(|(_, v)| v)
}
