//! `campaigns/<name>.yaml`: an offer to a segment, the message that carries it, the holdout, the
//! schedule and the goal it is measured by.

mod checks;
mod offer;
mod parse;
mod schema;
mod template;

pub use checks::{check_campaigns, check_exposures};
pub use parse::parse_campaign;
pub use schema::schema;
pub use template::{TEMPLATE_NAMES, Template};

use crate::schedule::Schedule;
use crate::segment::rule::PropCond;
use crate::syntax::time::Span;
use crate::syntax::yaml::Pos;

#[derive(Clone, Debug)]
pub struct CampaignDef {
    pub name: String,
    /// The file, relative to the project.
    pub file: String,
    pub name_pos: Pos,
    /// The segment it is sent to, and where that is written.
    pub audience: String,
    pub audience_pos: Pos,
    /// The holdout share in basis points (1000 for 10 %).
    pub holdout_bp: u32,
    /// The assignment hash's salt (default: the name).
    pub salt: String,
    pub offer: Vec<OfferItem>,
    pub message: Message,
    /// `None` is `once`.
    pub schedule: Option<Schedule>,
    pub goal: Goal,
    /// Events whose rate must not rise in the treatment arm.
    pub guardrails: Vec<String>,
    pub frequency_cap: Option<FrequencyCap>,
    /// Skip users in the treatment arm of another running campaign.
    pub exclude_running: bool,
    /// Where each message sent is also recorded as an event.
    pub exposures: Option<Exposures>,
}

/// An Amplitude event per user messaged (HTTP V2 API), `insert_id` keyed by campaign and user
/// so that Amplitude ignores a resend.
#[derive(Clone, Debug, PartialEq)]
pub struct Exposures {
    /// The Amplitude destination's name in `cdp.yaml`.
    pub to: String,
    pub to_pos: Pos,
    pub event: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OfferItem {
    pub sku: String,
    pub title: String,
    pub price: f64,
    /// ISO 4217, upper case.
    pub currency: String,
    /// A file of the project or an asset key, as written.
    pub image: String,
    pub image_pos: Pos,
    /// The dotted key of `image`, for diagnostics (`offer.items[0].image`).
    pub image_key: String,
}

/// How the message is sent: a Braze API-triggered campaign or canvas.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub target: BrazeTarget,
    /// Each property sent to every recipient, rendered from the offer.
    pub trigger_properties: Vec<(String, Template)>,
}

/// The Braze object a launch triggers; the id as written (usually `${ENV}`), resolved at launch.
#[derive(Clone, Debug, PartialEq)]
pub enum BrazeTarget {
    Campaign(String),
    Canvas(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Goal {
    pub event: String,
    pub filters: Vec<PropCond>,
    /// The window after assignment a conversion counts in, the same for both arms.
    pub within: Span,
    /// The event property summed as revenue.
    pub revenue: Option<String>,
}

/// At most `max` campaign messages per user per `per`, counted across all campaigns.
#[derive(Clone, Debug, PartialEq)]
pub struct FrequencyCap {
    pub max: u32,
    pub per: Span,
}
