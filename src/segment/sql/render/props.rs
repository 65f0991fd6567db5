//! Row tests on event properties: the JSON value compared, parsed only where the raw text can hold it.

use super::Renderer;
use crate::segment::rule::{Cond, Lit, PropCond};
use crate::segment::sql::text::{as_json_text, group};

impl Renderer<'_> {
    /// One property filter on the JSON column `props`, never NULL.
    ///
    /// Where the engine can read the JSON as text, a test of a text value is decided without
    /// parsing on rows whose text holds neither the value nor a backslash (an escape): parsing is
    /// most of a property test's cost, and most rows do not hold the value.
    pub fn prop_test(&self, f: &PropCond, props: &str) -> String {
        let d = self.dialect;
        let value = if f.cond.is_numeric() {
            d.json_number(props, &f.property)
        } else {
            d.json_text(props, &f.property)
        };
        let cond = as_json_text(&f.cond);
        let test = self.cond(&value, &cond, f.cond.matches_missing());
        let Some((needles, without)) = needles(&cond).filter(|_| !f.cond.is_numeric()) else {
            return test;
        };
        let held: Option<Vec<String>> = needles
            .iter()
            .chain(["\\"].iter())
            .map(|n| d.raw_json_contains(props, n))
            .collect();
        match held {
            Some(held) => format!(
                "case when {} then {test} else {without} end",
                group(held.into_iter(), " or ")
            ),
            None => test,
        }
    }
}

/// The texts one of which a property's value must hold for `cond` to differ from what it is on
/// every other value (the second item), when the raw JSON text shows them whenever the value
/// holds them.
fn needles(cond: &Cond) -> Option<(Vec<&str>, bool)> {
    fn texts(ls: &[Lit]) -> Option<Vec<&str>> {
        ls.iter()
            .map(|l| match l {
                Lit::Text(s) => Some(s.as_str()),
                _ => None,
            })
            .collect()
    }
    let (needles, without) = match cond {
        Cond::Eq(l) => (texts(std::slice::from_ref(l))?, false),
        Cond::In(ls) => (texts(ls)?, false),
        Cond::Ne(l) => (texts(std::slice::from_ref(l))?, true),
        Cond::NotIn(ls) => (texts(ls)?, true),
        Cond::Contains(s) | Cond::StartsWith(s) | Cond::EndsWith(s) => (vec![s.as_str()], false),
        _ => return None,
    };
    (!needles.is_empty() && needles.iter().all(|n| shown_raw(n))).then_some((needles, without))
}

/// Whether a value holding `needle` shows it in the raw JSON text that has no backslash. A
/// string value is its raw text there; the engine writes any other value anew (a number in its
/// own notation, an object without spaces), so the needle must hold no character of JSON's
/// structure and one no number is written with (not a digit, sign, point, exponent or a letter
/// of `Infinity` or `NaN`), which keeps it inside a string, `true`, `false` or `null`.
fn shown_raw(needle: &str) -> bool {
    const STRUCTURE: &str = "\"\\{}[]:,";
    const NUMBER: &str = "0123456789+-.eEinfatyINFATY";
    !needle.chars().any(|c| STRUCTURE.contains(c)) && needle.chars().any(|c| !NUMBER.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_needles_a_raw_text_shows_are_checked() {
        assert!(shown_raw("/help"));
        assert!(shown_raw("USD"));
        assert!(!shown_raw("12.5"), "a number may be written anew");
        assert!(!shown_raw("NaN"));
        assert!(!shown_raw("a\"b"), "a quote is escaped in the raw text");
        assert!(!shown_raw("a:1"), "spans may differ around structure");
        let text = |s: &str| Lit::Text(s.into());
        assert_eq!(
            needles(&Cond::Ne(text("/help"))),
            Some((vec!["/help"], true))
        );
        assert_eq!(
            needles(&Cond::In(vec![text("a/b"), text("c/d")])),
            Some((vec!["a/b", "c/d"], false))
        );
        assert_eq!(needles(&Cond::In(vec![text("a/b"), Lit::Int(1)])), None);
        assert_eq!(needles(&Cond::Gt(text("b/"))), None);
    }
}
