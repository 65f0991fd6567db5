//! `trigger_properties` values: text with `{{ offer.<field> }}` placeholders, split when the file
//! is read so that an unknown name is a validation error, and filled in per offer at launch.

/// The names a placeholder may use.
pub const TEMPLATE_NAMES: &[&str] = &[
    "offer.sku",
    "offer.title",
    "offer.price",
    "offer.currency",
    "offer.image_url",
];

/// A text split into literal parts and placeholder names.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Text(String),
    Name(String),
}

/// Why a text is not a template: an unclosed `{{`, or a name that is not one of
/// [`TEMPLATE_NAMES`].
#[derive(Clone, Debug, PartialEq)]
pub enum TemplateError {
    Unclosed,
    Unknown(String),
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or(TemplateError::Unclosed)?;
            let name = after[..end].trim();
            if !TEMPLATE_NAMES.contains(&name) {
                return Err(TemplateError::Unknown(name.to_string()));
            }
            parts.push(Part::Name(name.to_string()));
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Template { parts })
    }

    /// The text with each placeholder replaced by `value(name)`.
    pub fn render(&self, value: impl Fn(&str) -> String) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.clone(),
                Part::Name(n) => value(n),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_split_checked_and_filled() {
        let t = Template::parse("Get {{ offer.title }} for {{offer.price}} {{ offer.currency }}!")
            .unwrap();
        let filled = t.render(|n| match n {
            "offer.title" => "Pro".into(),
            "offer.price" => "79.99".into(),
            _ => "USD".into(),
        });
        assert_eq!(filled, "Get Pro for 79.99 USD!");
        assert_eq!(
            Template::parse("{{ offer.sku }").unwrap_err(),
            TemplateError::Unclosed
        );
        assert_eq!(
            Template::parse("{{ offer.skew }}").unwrap_err(),
            TemplateError::Unknown("offer.skew".into())
        );
        assert_eq!(
            Template::parse("plain").unwrap().render(|_| unreachable!()),
            "plain"
        );
    }
}
