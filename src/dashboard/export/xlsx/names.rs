//! Worksheet names: a tile id made a valid Excel sheet name (31 characters, none of `[]:*?/\`),
//! unique in the workbook the way Excel compares names (case-insensitively).
//!
//! Excel counts a name's length in UTF-16 units, so a character outside the Basic Multilingual
//! Plane (an emoji) counts twice.

use std::collections::HashSet;

/// The longest sheet name Excel accepts, in UTF-16 units.
pub const MAX_LEN: usize = 31;

/// The names taken so far in one workbook.
#[derive(Debug, Default)]
pub struct SheetNames {
    taken: HashSet<String>,
}

impl SheetNames {
    /// Reserves `name` exactly; false when it is taken already.
    pub fn reserve(&mut self, name: &str) -> bool {
        self.taken.insert(name.to_lowercase())
    }

    /// A free name for a tile's first sheet: its id made valid, then `~2`, `~3`... when taken.
    pub fn tile(&mut self, id: &str, ordinal: usize) -> String {
        let base = clean(id);
        let base = if base.is_empty() {
            format!("Tile {ordinal}")
        } else {
            base
        };
        self.first_free(&base, |n| format!("~{n}"))
    }

    /// A free name for the sheet that continues `first` past Excel's last row: `first (2)`,
    /// `first (3)`... (`part` is 2 for the first continuation).
    pub fn continuation(&mut self, first: &str, part: usize) -> String {
        let suffix = format!(" ({part})");
        let candidate = with_suffix(first, &suffix);
        if self.reserve(&candidate) {
            return candidate;
        }
        self.first_free(&candidate, |n| format!("~{n}"))
    }

    /// `base` when free, else `base` cut to fit the first free `suffix(n)` for n = 2, 3...
    fn first_free(&mut self, base: &str, suffix: impl Fn(usize) -> String) -> String {
        let base = cut(base, MAX_LEN);
        if self.reserve(&base) {
            return base;
        }
        let mut n = 2;
        loop {
            let candidate = with_suffix(&base, &suffix(n));
            if self.reserve(&candidate) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// `base` cut so that `base + suffix` fits in a sheet name.
fn with_suffix(base: &str, suffix: &str) -> String {
    let room = MAX_LEN.saturating_sub(suffix.encode_utf16().count());
    let mut name = cut(base, room).trim_end().to_string();
    name.push_str(suffix);
    name
}

/// The longest start of `s` within `max` UTF-16 units.
fn cut(s: &str, max: usize) -> String {
    let mut units = 0;
    s.chars()
        .take_while(|c| {
            units += c.len_utf16();
            units <= max
        })
        .collect()
}

/// `id` with the characters Excel forbids in sheet names replaced by `_`, control characters
/// dropped, no apostrophe or space at either end (Excel refuses apostrophes there), and cut to
/// Excel's length.
pub fn clean(id: &str) -> String {
    let replaced: String = id
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            other => other,
        })
        .collect();
    let ends = |c: char| c.is_whitespace() || c == '\'';
    cut(replaced.trim_matches(ends), MAX_LEN)
        .trim_matches(ends)
        .to_string()
}

/// A sheet name as written in a formula or an internal link: quoted (Excel accepts a quoted
/// name always, and needs it for spaces, digits first or names that look like cells), with
/// apostrophes doubled.
pub fn quoted(name: &str) -> String {
    format!("'{}'", name.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_cleaned_cut_and_kept_unique() {
        let mut names = SheetNames::default();
        assert!(names.reserve("Summary"));
        assert_eq!(names.tile("summary", 1), "summary~2");
        assert_eq!(names.tile("a/b:c[d]*?\\", 2), "a_b_c_d____");
        let long = "revenue_by_country_and_channel_per_week";
        let first = names.tile(long, 3);
        assert_eq!(first, "revenue_by_country_and_channel_");
        assert_eq!(first.chars().count(), MAX_LEN);
        let second = names.tile(long, 4);
        assert_eq!(second, "revenue_by_country_and_channe~2");
        assert_eq!(names.tile("  ", 5), "Tile 5");
        assert_eq!(names.tile("'quoted'", 6), "quoted");
        let cut_at_apostrophe = format!("{}'s", "y".repeat(30));
        assert_eq!(names.tile(&cut_at_apostrophe, 7), "y".repeat(30));
        let emoji = "📈".repeat(20);
        let first = names.tile(&emoji, 8);
        assert_eq!(first, "📈".repeat(15));
        assert_eq!(
            names.continuation(&first, 2),
            format!("{} (2)", "📈".repeat(13))
        );
    }

    #[test]
    fn continuations_fit_and_skip_names_in_use() {
        let mut names = SheetNames::default();
        let orders = names.tile("orders", 1);
        assert_eq!(names.tile("orders (2)", 2), "orders (2)");
        assert_eq!(names.continuation(&orders, 2), "orders (2)~2");
        assert_eq!(names.continuation(&orders, 3), "orders (3)");
        let long = names.tile(&"x".repeat(40), 3);
        let next = names.continuation(&long, 2);
        assert_eq!(next, format!("{} (2)", "x".repeat(27)));
        assert_eq!(next.chars().count(), MAX_LEN);
    }

    #[test]
    fn names_are_quoted_when_a_formula_needs_it() {
        assert_eq!(quoted("orders (2)"), "'orders (2)'");
        assert_eq!(quoted("it's"), "'it''s'");
    }
}
