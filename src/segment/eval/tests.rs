//! Unit tests of the reference evaluator on the cases that are easy to get wrong.
use super::*;
use crate::segment::rule::{EventMatch, Step};
use chrono::TimeZone;
use serde_json::json;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
}

fn ev(name: &str, days_ago: i64, props: Value) -> EventRow {
    let properties = props.as_object().cloned().unwrap_or_default();
    EventRow {
        name: name.into(),
        ts: now() - Duration::days(days_ago),
        properties,
    }
}

fn user(traits: &[(&str, Lit)], events: Vec<EventRow>) -> UserData {
    let traits = traits
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    UserData {
        id: "u1".into(),
        traits,
        events,
    }
}

fn member(rule: &Rule, u: &UserData) -> Option<bool> {
    is_member(rule, u, now(), &|_| None)
}

fn tr(name: &str, cond: Cond) -> Rule {
    Rule::Trait {
        name: name.into(),
        cond,
    }
}

fn event(name: &str, window: Window, measure: Measure, cond: Cond) -> Rule {
    Rule::Event(EventCond {
        matching: EventMatch {
            event: name.into(),
            window,
            filters: vec![],
        },
        measure,
        cond,
    })
}

fn days(n: i64) -> Span {
    Span {
        seconds: n * 86_400,
    }
}

#[test]
fn missing_trait_matches_only_the_negative_operators() {
    let u = user(&[], vec![]);
    let pro = || Lit::Text("pro".into());
    assert_eq!(member(&tr("plan", Cond::Ne(pro())), &u), Some(true));
    assert_eq!(
        member(&tr("plan", Cond::NotIn(vec![pro()])), &u),
        Some(true)
    );
    assert_eq!(member(&tr("plan", Cond::IsNotSet), &u), Some(true));
    assert_eq!(member(&tr("plan", Cond::Eq(pro())), &u), Some(false));
    assert_eq!(
        member(&tr("plan", Cond::Contains("p".into())), &u),
        Some(false)
    );
    assert_eq!(
        member(&Rule::Not(Box::new(tr("plan", Cond::Eq(pro())))), &u),
        Some(true)
    );
    let has = user(&[("plan", pro()), ("age", Lit::Int(30))], vec![]);
    assert_eq!(member(&tr("plan", Cond::Ne(pro())), &has), Some(false));
    assert_eq!(
        member(&tr("plan", Cond::Eq(Lit::Text("Pro".into()))), &has),
        Some(false)
    );
    assert_eq!(
        member(
            &tr("age", Cond::Between(Lit::Int(30), Lit::Float(30.0))),
            &has
        ),
        Some(true)
    );
    assert_eq!(
        member(&tr("age", Cond::StartsWith("3".into())), &has),
        Some(true)
    );
}

#[test]
fn aggregates_of_nothing() {
    let none = user(&[], vec![]);
    let avg_ne = event(
        "buy",
        Window::Ever,
        Measure::Avg("amount".into()),
        Cond::Ne(Lit::Int(5)),
    );
    assert_eq!(member(&avg_ne, &none), Some(false));
    // Events without a numeric amount leave avg without a value too.
    let text_amounts = user(&[], vec![ev("buy", 1, json!({"amount": "7"}))]);
    assert_eq!(member(&avg_ne, &text_amounts), Some(false));
    let sum_lt = event(
        "buy",
        Window::Ever,
        Measure::Sum("amount".into()),
        Cond::Lt(Lit::Int(5)),
    );
    assert_eq!(member(&sum_lt, &none), Some(true));
    assert_eq!(member(&sum_lt, &text_amounts), Some(true));
    let count_0 = event(
        "buy",
        Window::Within(days(7)),
        Measure::Count,
        Cond::Eq(Lit::Int(0)),
    );
    assert_eq!(member(&count_0, &none), Some(true));
    let spent = user(
        &[],
        vec![
            ev("buy", 1, json!({"amount": 100})),
            ev("buy", 2, json!({"amount": 20.5})),
        ],
    );
    let t = explain(
        &event(
            "buy",
            Window::Ever,
            Measure::Sum("amount".into()),
            Cond::Gt(Lit::Int(120)),
        ),
        &spent,
        now(),
        &|_| None,
    );
    assert_eq!(
        (t[0].result, t[0].seen.as_str()),
        (Some(true), "sum = 120.5")
    );
}

#[test]
fn window_bounds() {
    let at = |d: i64| user(&[], vec![ev("open", d, json!({}))]);
    let within = event(
        "open",
        Window::Within(days(7)),
        Measure::Count,
        Cond::Gte(Lit::Int(1)),
    );
    assert_eq!(member(&within, &at(7)), Some(false));
    assert_eq!(member(&within, &at(0)), Some(true));
    assert_eq!(member(&within, &at(-1)), Some(false));
    let during = event(
        "open",
        Window::During(now() - Duration::days(7), now()),
        Measure::Count,
        Cond::Gte(Lit::Int(1)),
    );
    assert_eq!(member(&during, &at(7)), Some(true));
    assert_eq!(member(&during, &at(0)), Some(false));
}

#[test]
fn property_filters_read_json_like_sql() {
    let u = user(
        &[],
        vec![ev(
            "buy",
            1,
            json!({"amount": "12", "price": 12.5, "trial": true}),
        )],
    );
    let with = |property: &str, cond: Cond| {
        Rule::Event(EventCond {
            matching: EventMatch {
                event: "buy".into(),
                window: Window::Ever,
                filters: vec![PropCond {
                    property: property.into(),
                    cond,
                }],
            },
            measure: Measure::Count,
            cond: Cond::Gte(Lit::Int(1)),
        })
    };
    assert_eq!(
        member(&with("amount", Cond::Eq(Lit::Int(12))), &u),
        Some(false)
    );
    assert_eq!(
        member(&with("amount", Cond::Ne(Lit::Int(12))), &u),
        Some(true)
    );
    assert_eq!(
        member(&with("price", Cond::EndsWith(".5".into())), &u),
        Some(true)
    );
    assert_eq!(
        member(&with("price", Cond::Matches("^12\\.".into())), &u),
        Some(true)
    );
    assert_eq!(
        member(&with("trial", Cond::Eq(Lit::Text("true".into()))), &u),
        Some(true)
    );
    assert_eq!(member(&with("nothing", Cond::IsNotSet), &u), Some(true));
}

#[test]
fn sequence_within_and_since() {
    let seq = |steps: &[&str], within: i64, since: Option<i64>| {
        let steps = steps
            .iter()
            .map(|e| Step {
                event: e.to_string(),
                filters: vec![],
            })
            .collect();
        Rule::Sequence(SequenceCond {
            steps,
            within: days(within),
            since: since.map(days),
        })
    };
    let u = user(
        &[],
        vec![
            ev("b", 8, json!({})),
            ev("a", 10, json!({})),
            ev("a", 5, json!({})),
        ],
    );
    assert_eq!(member(&seq(&["a", "b"], 3, None), &u), Some(true));
    assert_eq!(member(&seq(&["a", "b"], 1, None), &u), Some(false));
    assert_eq!(member(&seq(&["a", "b"], 3, Some(9)), &u), Some(false));
    assert_eq!(member(&seq(&["b", "a"], 3, Some(9)), &u), Some(true));
    assert_eq!(member(&seq(&["b", "a"], 2, None), &u), Some(false));
    // One event cannot be two steps.
    assert_eq!(member(&seq(&["b", "b"], 30, None), &u), Some(false));
    assert_eq!(member(&seq(&["a", "a"], 5, None), &u), Some(true));
    assert_eq!(member(&seq(&["a", "b", "a"], 5, None), &u), Some(true));
}

#[test]
fn first_seen_and_last_seen() {
    let u = user(
        &[],
        vec![
            ev("visit", 40, json!({})),
            ev("visit", 2, json!({})),
            ev("visit", -1, json!({})),
        ],
    );
    let seen = |w: Window| SeenCond {
        event: "visit".into(),
        window: w,
        filters: vec![],
    };
    assert_eq!(
        member(&Rule::FirstSeen(seen(Window::Within(days(7)))), &u),
        Some(false)
    );
    assert_eq!(
        member(&Rule::LastSeen(seen(Window::Within(days(7)))), &u),
        Some(true)
    );
    assert_eq!(
        member(&Rule::LastSeen(seen(Window::Within(days(1)))), &u),
        Some(false)
    );
    assert_eq!(
        member(&Rule::FirstSeen(seen(Window::Within(days(41)))), &u),
        Some(true)
    );
    let t = explain(&Rule::FirstSeen(seen(Window::Ever)), &u, now(), &|_| None);
    assert_eq!(t[0].seen, "first at 2026-10-22T00:00:00Z");
}

#[test]
fn sql_is_unknown_unless_something_else_decides() {
    let u = user(&[("plan", Lit::Text("pro".into()))], vec![]);
    let yes = tr("plan", Cond::IsSet);
    let sql = Rule::Sql("1 = 1".into());
    assert_eq!(member(&sql, &u), None);
    assert_eq!(member(&Rule::All(vec![yes.clone(), sql.clone()]), &u), None);
    assert_eq!(
        member(&Rule::Any(vec![sql.clone(), yes.clone()]), &u),
        Some(true)
    );
    let seg = Rule::Segment("pros".into());
    assert_eq!(
        is_member(&seg, &u, now(), &|n| (n == "pros").then(|| yes.clone())),
        Some(true)
    );
}

#[test]
fn explain_lists_every_node_depth_first() {
    let u = user(&[], vec![]);
    let rule = Rule::Any(vec![
        tr("plan", Cond::Eq(Lit::Text("pro".into()))),
        Rule::Not(Box::new(tr("plan", Cond::IsSet))),
    ]);
    let t = explain(&rule, &u, now(), &|_| None);
    let lines: Vec<(usize, Option<bool>, &str)> = t
        .iter()
        .map(|l| (l.depth, l.result, l.seen.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (0, Some(true), "1 of 2 true"),
            (1, Some(false), "plan is missing"),
            (1, Some(true), "inner is false"),
            (2, Some(false), "plan is missing"),
        ]
    );
    assert_eq!(t[1].rule, "plan = \"pro\"");
}
