//! Decoding a campaign's `offer:` items (with their images) and the `message:` that carries them.

use super::template::{TEMPLATE_NAMES, Template, TemplateError};
use super::{BrazeTarget, Message, OfferItem};
use crate::assets::references::AssetRef;
use crate::syntax::decode::{Decoder, index};
use crate::syntax::diagnostic::did_you_mean;
use crate::syntax::yaml::{Node, Value};

pub(super) fn offer(
    d: &mut Decoder,
    node: &Node,
    images: &mut Vec<AssetRef>,
) -> Option<Vec<OfferItem>> {
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

pub(super) fn message(d: &mut Decoder, node: &Node) -> Option<Message> {
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
