//! Decoding one campaign file; every problem is reported where it is written.

use super::offer::{message, offer};
use super::{CampaignDef, Exposures, FrequencyCap, Goal};
use crate::assets::references::AssetRef;
use crate::campaign::assignment::basis_points;
use crate::segment::file::parse_schedule;
use crate::segment::parse::cond::parse_where;
use crate::syntax::decode::{Decoder, Fields, index};
use crate::syntax::diagnostic::did_you_mean;
use crate::syntax::time::parse_span;
use crate::syntax::yaml::{Node, Value};

const KEYS: &[&str] = &[
    "name",
    "description",
    "audience",
    "holdout",
    "salt",
    "offer",
    "message",
    "schedule",
    "goal",
    "guardrails",
    "frequency_cap",
    "exclude_running",
    "exposures",
];

/// The campaign when the file is valid (its audience one of `segments`); problems go to the
/// decoder. Every offer image written is added to `images`, valid campaign or not, so that
/// one run reports every problem.
pub fn parse_campaign(
    d: &mut Decoder,
    root: &Node,
    segments: &[&str],
    images: &mut Vec<AssetRef>,
) -> Option<CampaignDef> {
    if root.value == Value::Null {
        d.report(root.pos, "", "the campaign file is empty").hint = Some(
            "a campaign needs `name:`, `audience:`, `holdout:`, `offer:`, `message:` and `goal:`"
                .into(),
        );
        return None;
    }
    let f = d.fields(root, "", "a campaign file", KEYS)?;
    let name = d.req_string(&f, "name", Some("e.g. `name: spring_pro_upsell`"));
    if let (Some(n), Some(node)) = (&name, f.get("name"))
        && !crate::segment::file::valid_name(n)
    {
        d.report(
            node.pos,
            "name",
            format!("`{n}` is not a valid campaign name"),
        )
        .hint = Some("use lowercase letters, digits and `_`, starting with a letter".into());
    }
    let _ = d.opt_string(&f, "description");
    let audience = d.req_string(
        &f,
        "audience",
        Some("the segment it goes to, e.g. `audience: lapsed_payers`"),
    );
    if let (Some(a), Some(node)) = (&audience, f.get("audience"))
        && !segments.contains(&a.as_str())
    {
        d.report(
            node.pos,
            "audience",
            format!("segment `{a}` is not declared"),
        )
        .hint = did_you_mean(a, segments.iter().copied())
            .or_else(|| Some("`cdp segments list` shows the segments of this project".into()));
    }
    let holdout_bp = match f.get("holdout") {
        Some(node) => holdout(d, node),
        None => {
            d.missing(
                &f,
                "holdout",
                "a share such as `10%`",
                Some("a holdout measures the campaign; e.g. `holdout: 10%`"),
            );
            None
        }
    };
    let salt = d.opt_string(&f, "salt");
    let offer = match f.get("offer") {
        Some(node) => offer(d, node, images),
        None => {
            d.missing(&f, "offer", "`{ items: [...] }`", None);
            None
        }
    };
    let message = match f.get("message") {
        Some(node) => message(d, node),
        None => {
            d.missing(&f, "message", "`{ via: braze, campaign_id: ... }`", None);
            None
        }
    };
    let schedule = match f.get("schedule") {
        Some(node) if node.value == Value::Str("once".into()) => None,
        Some(node) => Some(parse_schedule(d, node)?),
        None => None,
    };
    let goal = match f.get("goal") {
        Some(node) => goal(d, node),
        None => {
            d.missing(
                &f,
                "goal",
                "`{ event, within }`",
                Some("e.g. `goal: { event: purchase, within: 14d }`"),
            );
            None
        }
    };
    let guardrails = f
        .get("guardrails")
        .map(|n| events(d, n, "guardrails"))
        .unwrap_or_default();
    let frequency_cap = f.get("frequency_cap").and_then(|n| frequency_cap(d, n));
    let exclude_running = match f.get("exclude_running") {
        Some(n) => d.bool(n, "exclude_running").unwrap_or(false),
        None => false,
    };
    let exposures = f.get("exposures").and_then(|n| exposures(d, n));
    let name = name?;
    Some(CampaignDef {
        salt: salt.unwrap_or_else(|| name.clone()),
        name,
        file: d.file.to_string(),
        name_pos: f.get("name").map(|n| n.pos).unwrap_or(root.pos),
        audience_pos: f.get("audience").map(|n| n.pos).unwrap_or(root.pos),
        audience: audience?,
        holdout_bp: holdout_bp?,
        offer: offer?,
        message: message?,
        schedule,
        goal: goal?,
        guardrails,
        frequency_cap,
        exclude_running,
        exposures,
    })
}

/// `exposures: { to: amplitude, event: campaign_exposure }`.
fn exposures(d: &mut Decoder, node: &Node) -> Option<Exposures> {
    let f: Fields = d.fields(node, "exposures", "`exposures`", &["to", "event"])?;
    let to = d.req_string(
        &f,
        "to",
        Some("an Amplitude destination of `cdp.yaml`, e.g. `to: amplitude`"),
    );
    let event = d
        .opt_string(&f, "event")
        .unwrap_or_else(|| "campaign_exposure".into());
    Some(Exposures {
        to_pos: f.get("to").map(|n| n.pos).unwrap_or(node.pos),
        to: to?,
        event,
    })
}

/// `10%`, `2.5%`, or a fraction below 1 (`0.1`).
fn holdout(d: &mut Decoder, node: &Node) -> Option<u32> {
    let share = match &node.value {
        Value::Str(s) if s.trim_end().ends_with('%') => s
            .trim_end()
            .trim_end_matches('%')
            .trim()
            .parse::<f64>()
            .ok()
            .map(|p| p / 100.0),
        Value::Float(x) if *x < 1.0 => Some(*x),
        _ => None,
    };
    match share {
        Some(s) if s > 0.0 && s < 1.0 && basis_points(s) > 0 => Some(basis_points(s)),
        _ => {
            let diag = d.report(
                node.pos,
                "holdout",
                "the holdout must be a share between 0 % and 100 %",
            );
            diag.expected =
                Some("a percentage such as `10%` (whole basis points: `2.5%` is fine)".into());
            diag.hint = Some(
                "the holdout users are never messaged; they measure what the campaign changed"
                    .into(),
            );
            None
        }
    }
}

fn goal(d: &mut Decoder, node: &Node) -> Option<Goal> {
    let f = d.fields(
        node,
        "goal",
        "`goal`",
        &["event", "where", "within", "revenue"],
    )?;
    let event = d.req_string(
        &f,
        "event",
        Some("the event that counts as a conversion, e.g. `event: purchase`"),
    );
    let filters = parse_where(d, &f);
    let within = match f.get("within") {
        Some(n) => parse_span(d, n, "goal.within"),
        None => {
            d.missing(
                &f,
                "within",
                "a duration such as `14d`",
                Some("conversions count for this long after a user is assigned, in both arms"),
            );
            None
        }
    };
    let revenue = d.opt_string(&f, "revenue");
    Some(Goal {
        event: event?,
        filters: filters?,
        within: within?,
        revenue,
    })
}

fn events(d: &mut Decoder, node: &Node, path: &str) -> Vec<String> {
    let Some(items) = d.list(node, path, "a list of event names") else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, n)| d.string(n, &index(path, i)))
        .collect()
}

fn frequency_cap(d: &mut Decoder, node: &Node) -> Option<FrequencyCap> {
    let f: Fields = d.fields(node, "frequency_cap", "`frequency_cap`", &["max", "per"])?;
    let max = match f.get("max").map(|n| (n, &n.value)) {
        Some((_, Value::Int(v))) if *v > 0 => Some(*v as u32),
        Some((n, _)) => {
            d.wrong_type(
                n,
                "frequency_cap.max",
                "a whole number of messages, 1 or more",
            );
            None
        }
        None => {
            d.missing(
                &f,
                "max",
                "a number of messages",
                Some("e.g. `frequency_cap: { max: 2, per: 7d }`"),
            );
            None
        }
    };
    let per = match f.get("per") {
        Some(n) => parse_span(d, n, "frequency_cap.per"),
        None => {
            d.missing(&f, "per", "a duration such as `7d`", None);
            None
        }
    };
    Some(FrequencyCap {
        max: max?,
        per: per?,
    })
}
