//! The report's look in one place: page margins, the grid's unit and gutters, type sizes and
//! the colours of text, rules and shading.

use crate::dashboard::chart::scene::Color;

/// Blank paper around everything, in points (a 1/2 inch each side).
pub const MARGIN_X: f32 = 36.0;
pub const MARGIN_TOP: f32 = 30.0;
pub const MARGIN_BOTTOM: f32 = 26.0;

/// The height of one grid row: a `h: 4` tile is 4 of these plus 3 gutters (190 pt).
pub const GRID_UNIT: f32 = 40.0;
/// The space between tiles, across and down.
pub const GUTTER: f32 = 10.0;

/// Inside a tile's frame.
pub const TILE_PAD: f32 = 8.0;
pub const TILE_TITLE_SIZE: f32 = 10.0;
/// From the top of the frame's inside to the top of its content: the title line and a gap.
pub const TILE_TITLE_BAND: f32 = 18.0;

pub const TITLE_SIZE: f32 = 20.0;
pub const DESCRIPTION_SIZE: f32 = 10.0;
pub const META_SIZE: f32 = 8.5;
pub const RUNNING_SIZE: f32 = 8.5;
pub const FOOTER_SIZE: f32 = 7.5;
/// Room kept at the bottom of every page for the footer.
pub const FOOTER_BAND: f32 = 20.0;

pub const TABLE_SIZE: f32 = 8.0;
pub const TABLE_HEADER_HEIGHT: f32 = 16.0;
pub const TABLE_ROW_HEIGHT: f32 = 13.0;
pub const TABLE_CELL_PAD: f32 = 6.0;
/// The line under a table saying how many rows were left out.
pub const TABLE_NOTE_HEIGHT: f32 = 15.0;
pub const TABLE_NOTE_SIZE: f32 = 7.5;

pub const INK: Color = Color(0x1f, 0x29, 0x37);
pub const MUTED: Color = Color(0x6b, 0x72, 0x80);
pub const RULE: Color = Color(0xd1, 0xd5, 0xdb);
pub const FRAME: Color = Color(0xdd, 0xe1, 0xe6);
pub const HEADER_FILL: Color = Color(0xe8, 0xec, 0xf1);
pub const ZEBRA_FILL: Color = Color(0xf6, 0xf7, 0xf9);
pub const ACCENT: Color = Color(0x25, 0x63, 0xeb);
