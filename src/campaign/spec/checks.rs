//! Checks across campaign files: each campaign's name is its own.

use super::CampaignDef;
use crate::syntax::diagnostic::Diagnostic;

pub fn check_campaigns(campaigns: &[CampaignDef]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, c) in campaigns.iter().enumerate() {
        if let Some(first) = campaigns[..i].iter().find(|o| o.name == c.name) {
            out.push(
                Diagnostic::new(
                    &c.file,
                    c.name_pos,
                    "name",
                    format!("campaign `{}` is declared twice", c.name),
                )
                .hint(format!(
                    "`{}` declares it too; give each campaign its own name",
                    first.file
                )),
            );
        }
    }
    out
}
