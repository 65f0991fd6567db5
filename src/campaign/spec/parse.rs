//! Decoding one campaign file; every problem is reported where it is written.

use super::template::{TEMPLATE_NAMES, Template, TemplateError};
use super::{BrazeTarget, CampaignDef, FrequencyCap, Goal, Message, OfferItem};
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

fn offer(d: &mut Decoder, node: &Node, images: &mut Vec<AssetRef>) -> Option<Vec<OfferItem>> {
    let f = d.fields(node, "offer", "`offer`", &["items"])?;
    let Some(items_node) = f.get("items") else {
        d.missing(&f, "items", "a list of offer items", None);
        return None;
    };
    let items = d.list(items_node, "offer.items", "a list of offer items")?;
    if items.is_empty() {
        d.report(items_node.pos, "offer.items", "the offer has no items").hint =
            Some("e.g. `- { sku: pro_annual_20, title: \"Pro annual\", price: 79.99, currency: USD, image: assets/pro.png }`".into());
        return None;
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = index("offer.items", i);
        let Some(f) = d.fields(
            item,
            &path,
            "an offer item",
            &["sku", "title", "price", "currency", "image"],
        ) else {
            continue;
        };
        let sku = d.req_string(&f, "sku", None);
        let title = d.req_string(&f, "title", None);
        let price = match f.get("price") {
            Some(n) => match n.value {
                Value::Int(v) if v >= 0 => Some(v as f64),
                Value::Float(v) if v >= 0.0 && v.is_finite() => Some(v),
                _ => {
                    d.wrong_type(
                        n,
                        &f.at("price"),
                        "a price of zero or more, such as `79.99`",
                    );
                    None
                }
            },
            None => {
                d.missing(&f, "price", "a number", None);
                None
            }
        };
        let currency = d.req_string(&f, "currency", Some("an ISO 4217 code such as `USD`"));
        if let (Some(c), Some(n)) = (&currency, f.get("currency"))
            && !(c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
        {
            d.report(
                n.pos,
                &f.at("currency"),
                format!("`{c}` is not a currency code"),
            )
            .hint = Some("three capital letters (ISO 4217), e.g. `USD`, `EUR`".into());
        }
        let image = d.req_string(
            &f,
            "image",
            Some("a file of the project, e.g. `assets/pro_annual.png`, or an asset key"),
        );
        if let (Some(image), Some(n)) = (&image, f.get("image")) {
            images.push(AssetRef {
                file: d.file.to_string(),
                pos: n.pos,
                key: f.at("image"),
                value: image.clone(),
            });
        }
        if let (Some(sku), Some(title), Some(price), Some(currency), Some(image)) =
            (sku, title, price, currency, image)
        {
            out.push(OfferItem {
                sku,
                title,
                price,
                currency,
                image_pos: f.get("image").map(|n| n.pos).unwrap_or(item.pos),
                image_key: f.at("image"),
                image,
            });
        }
    }
    (out.len() == items.len()).then_some(out)
}

fn message(d: &mut Decoder, node: &Node) -> Option<Message> {
    let f = d.fields(
        node,
        "message",
        "`message`",
        &["via", "campaign_id", "canvas_id", "trigger_properties"],
    )?;
    let via = d.req_string(&f, "via", Some("`via: braze`"));
    if let (Some(v), Some(n)) = (&via, f.get("via"))
        && v != "braze"
    {
        let diag = d.report(
            n.pos,
            "message.via",
            format!("campaigns cannot be sent via `{v}`"),
        );
        diag.expected = Some("`braze`".into());
        diag.hint = did_you_mean(v, ["braze"]);
    }
    let target = match (
        d.opt_string(&f, "campaign_id"),
        d.opt_string(&f, "canvas_id"),
    ) {
        (Some(id), None) => Some(BrazeTarget::Campaign(id)),
        (None, Some(id)) => Some(BrazeTarget::Canvas(id)),
        (Some(_), Some(_)) => {
            d.report(
                f.pos,
                "message",
                "`campaign_id` and `canvas_id` are both set",
            )
            .hint = Some(
                "an API-triggered send goes to one Braze campaign or one canvas: keep one".into(),
            );
            None
        }
        (None, None) => {
            d.report(
                f.pos,
                "message",
                "the message names no Braze campaign or canvas",
            )
            .hint = Some("add `campaign_id: \"${BRAZE_CAMPAIGN_ID}\"` (or `canvas_id:`)".into());
            None
        }
    };
    let mut properties = Vec::new();
    if let Some(n) = f.get("trigger_properties") {
        let entries: &[(crate::syntax::yaml::Key, Node)] = match &n.value {
            Value::Map(entries) => entries,
            _ => {
                d.wrong_type(
                    n,
                    "message.trigger_properties",
                    "a mapping of property names to text",
                );
                &[]
            }
        };
        for (key, value) in entries {
            let path = crate::syntax::decode::join("message.trigger_properties", &key.name);
            let Some(text) = d.text(value, &path) else {
                continue;
            };
            match Template::parse(&text) {
                Ok(t) => properties.push((key.name.clone(), t)),
                Err(TemplateError::Unclosed) => {
                    d.report(value.pos, &path, "a `{{` is not closed").hint =
                        Some("write placeholders as `{{ offer.sku }}`".into());
                }
                Err(TemplateError::Unknown(name)) => {
                    let diag =
                        d.report(value.pos, &path, format!("unknown template name `{name}`"));
                    diag.expected = Some(crate::syntax::decode::one_of(TEMPLATE_NAMES));
                    diag.hint = did_you_mean(&name, TEMPLATE_NAMES.iter().copied());
                }
            }
        }
    }
    let _ = via?;
    Some(Message {
        target: target?,
        trigger_properties: properties,
    })
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
