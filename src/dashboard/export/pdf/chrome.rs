//! What frames the tiles: the dashboard's header on the first page (title, description,
//! environment, when, params), a slim running header on the others, and every page's footer.

use super::canvas::{Canvas, Run};
use super::fonts::Fonts;
use super::style::{
    ACCENT, DESCRIPTION_SIZE, FOOTER_SIZE, INK, MARGIN_BOTTOM, META_SIZE, MUTED, RULE,
    RUNNING_SIZE, TITLE_SIZE,
};
use crate::dashboard::chart::scene::Anchor;
use crate::dashboard::result::Header;

const DESCRIPTION_LINES: usize = 3;
const DESCRIPTION_LEADING: f32 = 13.5;
const META_LEADING: f32 = 13.0;
/// Between the description and the facts under it.
const META_GAP: f32 = 3.0;
/// Between a label and its value, and between one pair and the next.
const LABEL_GAP: f32 = 4.0;
const PAIR_GAP: f32 = 18.0;
/// From the top of a later page's header to where its tiles start.
pub const RUNNING_BAND: f32 = 24.0;
/// Below the first page's header rule, before the tiles.
const HEADER_GAP: f32 = 14.0;

/// When the dashboard ran, as the pages say it.
pub fn generated(header: &Header) -> String {
    header.generated_at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The params as one line: `days = 30 · country = US`.
pub fn params(header: &Header) -> String {
    header
        .params
        .iter()
        .map(|(name, value)| format!("{name} = {value}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The first page's header, laid out for a width: the title, the description's lines and the
/// labelled facts (environment, generated, params) in as many lines as they need.
pub struct Masthead {
    title: String,
    description: Vec<String>,
    /// Each line's pairs of label and value (the value already cut to fit).
    meta: Vec<Vec<(&'static str, String)>>,
}

impl Masthead {
    pub fn new(header: &Header, fonts: &Fonts, width: f32) -> Masthead {
        let title = fonts.fit(&header.title, TITLE_SIZE, true, width);
        let description = header
            .description
            .as_deref()
            .map(|d| fonts.wrap(d, DESCRIPTION_SIZE, false, width, DESCRIPTION_LINES))
            .unwrap_or_default();
        let mut pairs = vec![
            ("Environment", header.environment.clone()),
            ("Generated", generated(header)),
        ];
        if !header.params.is_empty() {
            pairs.push(("Params", params(header)));
        }
        let mut meta: Vec<Vec<(&'static str, String)>> = Vec::new();
        let mut used = 0.0;
        for (label, value) in pairs {
            let label_w = fonts.width(label, META_SIZE, true) + LABEL_GAP;
            let value_w = fonts.width(&value, META_SIZE, false);
            let start_line = match meta.last() {
                None => true,
                Some(_) => used + PAIR_GAP + label_w + value_w > width,
            };
            if start_line {
                meta.push(Vec::new());
                used = 0.0;
            } else {
                used += PAIR_GAP;
            }
            let value = fonts.fit(&value, META_SIZE, false, width - used - label_w);
            used += label_w + fonts.width(&value, META_SIZE, false);
            if let Some(line) = meta.last_mut() {
                line.push((label, value));
            }
        }
        Masthead {
            title,
            description,
            meta,
        }
    }

    /// From the top margin to where the tiles start.
    pub fn height(&self) -> f32 {
        self.rule_offset() + HEADER_GAP
    }

    /// From the top margin to the rule under the header.
    fn rule_offset(&self) -> f32 {
        let description = self.description.len() as f32 * DESCRIPTION_LEADING;
        let gap = if self.description.is_empty() {
            6.0
        } else {
            8.0
        };
        let meta_gap = if self.description.is_empty() {
            0.0
        } else {
            META_GAP
        };
        TITLE_SIZE + gap + description + meta_gap + self.meta.len() as f32 * META_LEADING + 2.0
    }

    pub fn draw(&self, canvas: &mut Canvas<'_>, left: f32, right: f32, top: f32) {
        let fonts = canvas.fonts();
        let mut baseline = top + TITLE_SIZE * 0.8;
        canvas.text(Run::new(left, baseline, &self.title, TITLE_SIZE, INK).bold());
        baseline += if self.description.is_empty() {
            6.0
        } else {
            8.0
        };
        for line in &self.description {
            baseline += DESCRIPTION_LEADING;
            canvas.text(Run::new(left, baseline, line, DESCRIPTION_SIZE, INK));
        }
        if !self.description.is_empty() {
            baseline += META_GAP;
        }
        for line in &self.meta {
            baseline += META_LEADING;
            let mut x = left;
            for (label, value) in line {
                canvas.text(Run::new(x, baseline, label, META_SIZE, MUTED).bold());
                x += fonts.width(label, META_SIZE, true) + LABEL_GAP;
                canvas.text(Run::new(x, baseline, value, META_SIZE, INK));
                x += fonts.width(value, META_SIZE, false) + PAIR_GAP;
            }
        }
        let rule = top + self.rule_offset();
        canvas.line((left, rule), (right, rule), ACCENT, 1.5, None);
    }
}

/// A later page's header: the title on the left, environment and time on the right.
pub fn draw_running(canvas: &mut Canvas<'_>, header: &Header, left: f32, right: f32, top: f32) {
    let fonts = canvas.fonts();
    let baseline = top + RUNNING_SIZE;
    let side = format!("{} · {}", header.environment, generated(header));
    let side_w = fonts.width(&side, RUNNING_SIZE, false);
    let title_room = right - left - side_w - PAIR_GAP;
    let title = fonts.fit(&header.title, RUNNING_SIZE, true, title_room);
    canvas.text(Run::new(left, baseline, &title, RUNNING_SIZE, INK).bold());
    let side_run = Run::new(right, baseline, &side, RUNNING_SIZE, MUTED).anchor(Anchor::End);
    canvas.text(side_run);
    let rule = baseline + 5.0;
    canvas.line((left, rule), (right, rule), RULE, 0.75, None);
}

/// Every page's footer: the dashboard and when it ran on the left, `Page N of M` on the right.
pub fn draw_footer(
    canvas: &mut Canvas<'_>,
    header: &Header,
    (left, right, page_height): (f32, f32, f32),
    page: usize,
    pages: usize,
) {
    let fonts = canvas.fonts();
    let baseline = page_height - MARGIN_BOTTOM;
    let rule = baseline - FOOTER_SIZE - 5.0;
    canvas.line((left, rule), (right, rule), RULE, 0.75, None);
    let count = format!("Page {page} of {pages}");
    let count_w = fonts.width(&count, FOOTER_SIZE, false);
    let name = format!("{} · generated {}", header.name, generated(header));
    let name = fonts.fit(&name, FOOTER_SIZE, false, right - left - count_w - PAIR_GAP);
    canvas.text(Run::new(left, baseline, &name, FOOTER_SIZE, MUTED));
    let count_run = Run::new(right, baseline, &count, FOOTER_SIZE, MUTED).anchor(Anchor::End);
    canvas.text(count_run);
}
