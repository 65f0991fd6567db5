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
/// The most lines the params take when they do not fit beside the environment and time.
const PARAM_LINES: usize = 3;
/// Between one param and the next: `days = 30 · country = US`.
const PARAM_SEPARATOR: &str = " · ";
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

/// One piece of text in the first page's header, placed from the header's top left corner.
struct Piece {
    x: f32,
    baseline: f32,
    text: String,
    size: f32,
    label: bool,
}

/// The first page's header, laid out for a width: the title, the description's lines, then
/// the environment and time, and the params (beside them when they fit, else below, packed
/// a few to a line).
pub struct Masthead {
    pieces: Vec<Piece>,
    /// From the top margin to the rule under the header.
    rule: f32,
}

impl Masthead {
    pub fn new(header: &Header, fonts: &Fonts, width: f32) -> Masthead {
        let mut pieces = Vec::new();
        let mut baseline = TITLE_SIZE * 0.8;
        let title = fonts.fit(&header.title, TITLE_SIZE, true, width);
        pieces.push(Piece::text(0.0, baseline, title, TITLE_SIZE));
        baseline += 8.0;
        let description = header.description.as_deref().unwrap_or_default();
        let lines = fonts.wrap(
            description,
            DESCRIPTION_SIZE,
            false,
            width,
            DESCRIPTION_LINES,
        );
        for line in &lines {
            baseline += DESCRIPTION_LEADING;
            pieces.push(Piece::text(0.0, baseline, line.clone(), DESCRIPTION_SIZE));
        }
        baseline += if lines.is_empty() { 0.0 } else { META_GAP } + META_LEADING;
        let mut x = 0.0;
        for (label, value) in [
            ("Environment", header.environment.clone()),
            ("Generated", generated(header)),
        ] {
            x = Piece::fact(&mut pieces, fonts, (x, baseline), label, value, width) + PAIR_GAP;
        }
        let params: Vec<String> = header
            .params
            .iter()
            .map(|(name, value)| format!("{name} = {value}"))
            .collect();
        if !params.is_empty() {
            let label_w = fonts.width("Params", META_SIZE, true) + LABEL_GAP;
            let inline = params.join(PARAM_SEPARATOR);
            if x + label_w + fonts.width(&inline, META_SIZE, false) <= width {
                Piece::fact(&mut pieces, fonts, (x, baseline), "Params", inline, width);
            } else {
                baseline += META_LEADING;
                let lines = pack(fonts, &params, width - label_w);
                pieces.push(Piece::label(0.0, baseline, "Params"));
                for (i, line) in lines.into_iter().enumerate() {
                    let at = baseline + i as f32 * META_LEADING;
                    pieces.push(Piece::text(label_w, at, line, META_SIZE));
                }
                baseline = pieces.last().map_or(baseline, |p| p.baseline);
            }
        }
        Masthead {
            pieces,
            rule: baseline + 7.0,
        }
    }

    /// From the top margin to where the tiles start.
    pub fn height(&self) -> f32 {
        self.rule + HEADER_GAP
    }

    pub fn draw(&self, canvas: &mut Canvas<'_>, left: f32, right: f32, top: f32) {
        for (i, piece) in self.pieces.iter().enumerate() {
            let (x, y) = (left + piece.x, top + piece.baseline);
            let color = if piece.label { MUTED } else { INK };
            let run = Run::new(x, y, &piece.text, piece.size, color);
            // The title (the first piece) and the labels are bold.
            canvas.text(if i == 0 || piece.label {
                run.bold()
            } else {
                run
            });
        }
        let rule = top + self.rule;
        canvas.line((left, rule), (right, rule), ACCENT, 1.5, None);
    }
}

impl Piece {
    fn text(x: f32, baseline: f32, text: String, size: f32) -> Piece {
        Piece {
            x,
            baseline,
            text,
            size,
            label: false,
        }
    }

    fn label(x: f32, baseline: f32, text: &str) -> Piece {
        Piece {
            x,
            baseline,
            text: text.to_string(),
            size: META_SIZE,
            label: true,
        }
    }

    /// A label and its value from `x`, the value cut to what is left of `width`; returns
    /// where the value ends.
    fn fact(
        pieces: &mut Vec<Piece>,
        fonts: &Fonts,
        (x, baseline): (f32, f32),
        label: &str,
        value: String,
        width: f32,
    ) -> f32 {
        pieces.push(Piece::label(x, baseline, label));
        let at = x + fonts.width(label, META_SIZE, true) + LABEL_GAP;
        let value = fonts.fit(&value, META_SIZE, false, width - at);
        let end = at + fonts.width(&value, META_SIZE, false);
        pieces.push(Piece::text(at, baseline, value, META_SIZE));
        end
    }
}

/// The params packed into lines no wider than `width`, whole params to a line where they
/// fit, at most `PARAM_LINES` lines (the last cut with an ellipsis when params remain).
fn pack(fonts: &Fonts, params: &[String], width: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for param in params {
        let joined = lines
            .last()
            .map(|line| format!("{line}{PARAM_SEPARATOR}{param}"));
        match joined {
            Some(joined) if fonts.width(&joined, META_SIZE, false) <= width => {
                if let Some(last) = lines.last_mut() {
                    *last = joined;
                }
            }
            _ => lines.push(param.clone()),
        }
    }
    if lines.len() > PARAM_LINES {
        let rest = lines.split_off(PARAM_LINES - 1).join(PARAM_SEPARATOR);
        lines.push(rest);
    }
    lines
        .iter()
        .map(|line| fonts.fit(line, META_SIZE, false, width))
        .collect()
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
