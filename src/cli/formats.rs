//! The global `--format`: how to print on stdout, or (for `dashboard export`) which files to
//! write, as one comma-separated flag.

pub use crate::dashboard::export::FileFormat;
use crate::output::Format;

/// The parsed flag: the printing format (table when only files are named) and the files.
#[derive(Clone, Debug)]
pub struct FormatArg {
    pub print: Format,
    pub files: Vec<FileFormat>,
    /// As written, for messages.
    pub text: String,
}

const PRINT: [(&str, Format); 4] = [
    ("table", Format::Table),
    ("json", Format::Json),
    ("csv", Format::Csv),
    ("markdown", Format::Markdown),
];

pub fn parse(text: &str) -> Result<FormatArg, String> {
    let mut arg = FormatArg {
        print: Format::Table,
        files: Vec::new(),
        text: text.to_string(),
    };
    let mut prints = 0;
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let lower = part.to_ascii_lowercase();
        match lower.as_str() {
            "pdf" | "xlsx" => {
                let f = if lower == "pdf" {
                    FileFormat::Pdf
                } else {
                    FileFormat::Xlsx
                };
                if !arg.files.contains(&f) {
                    arg.files.push(f);
                }
            }
            _ => match PRINT.iter().find(|(n, _)| *n == lower) {
                Some((_, f)) => {
                    arg.print = *f;
                    prints += 1;
                }
                None => {
                    return Err(format!(
                        "`{part}` is not a format: use table, json, csv or markdown, or pdf and xlsx for `dashboard export`"
                    ));
                }
            },
        }
    }
    if prints > 1 || (prints == 1 && !arg.files.is_empty()) {
        return Err(
            "give one printing format (table, json, csv, markdown), or files to export (pdf,xlsx)"
                .into(),
        );
    }
    Ok(arg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printing_formats_and_export_files_share_the_flag() {
        assert_eq!(parse("json").unwrap().print, Format::Json);
        let both = parse("pdf,xlsx").unwrap();
        assert_eq!(both.files, [FileFormat::Pdf, FileFormat::Xlsx]);
        assert_eq!(both.print, Format::Table);
        assert!(parse("json,pdf").is_err());
        assert!(parse("docx").is_err());
        assert_eq!(parse("XLSX").unwrap().files, [FileFormat::Xlsx]);
    }
}
