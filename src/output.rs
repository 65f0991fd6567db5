//! Printing: tables for people, JSON and CSV for machines on stdout; progress on stderr.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use comfy_table::{Table as TextTable, presets};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::ops::Reporter;
use crate::progress::Progress;
use crate::table::{Cell, Table};
use crate::warehouse::{RowSink, WarehouseError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
    Csv,
    /// A Markdown table (and, for `plan`, a pull-request comment).
    Markdown,
}

/// Decided once from the flags and the terminal: where data, messages and progress go.
#[derive(Clone, Copy, Debug)]
pub struct Printer {
    pub format: Format,
    pub quiet: bool,
    pub progress: bool,
}

impl Printer {
    pub fn new(format: Format, quiet: bool, no_progress: bool) -> Self {
        let tty = std::io::stderr().is_terminal();
        Printer {
            format,
            quiet,
            progress: tty && !quiet && !no_progress,
        }
    }

    /// A message for people, on stderr; silent with `--quiet`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr(), "{text}");
        }
    }

    pub fn bar(&self) -> Bar {
        Bar {
            enabled: self.progress,
            bar: Mutex::new(None),
        }
    }

    /// Prints a table in the chosen format.
    pub fn table(&self, table: &Table) -> std::io::Result<()> {
        let mut sink = self.stdout_rows();
        sink.columns(&table.names())
            .map_err(std::io::Error::other)?;
        for r in &table.rows {
            sink.row(r).map_err(std::io::Error::other)?;
        }
        sink.finish()
    }

    /// A title above one of several tables printed in a row (a dashboard's tiles): a line in
    /// a table, a heading in Markdown, a blank line between CSV blocks.
    pub fn heading(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = match self.format {
            Format::Table => writeln!(out, "\n{text}"),
            Format::Markdown => writeln!(out, "\n### {text}\n"),
            Format::Csv => writeln!(out),
            Format::Json => Ok(()),
        };
    }

    /// Prints rows in the chosen format.
    pub fn rows(&self, columns: &[&str], rows: Vec<Vec<Cell>>) -> std::io::Result<()> {
        self.table(&Table::new(columns, rows))
    }

    /// A streaming writer of rows to stdout in the chosen format.
    pub fn stdout_rows(&self) -> RowWriter<std::io::BufWriter<std::io::Stdout>> {
        RowWriter::new(
            *self,
            std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()),
        )
    }

    /// Prints a report as JSON, pretty, on stdout.
    pub fn json(&self, value: &impl serde::Serialize) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, value)?;
        writeln!(out)
    }
}

/// Streams a result to stdout: CSV and JSON row by row, tables once complete.
pub struct RowWriter<W: Write + Send> {
    printer: Printer,
    /// Taken by the CSV writer while it writes.
    out: Option<W>,
    columns: Vec<String>,
    /// Only tables are held, and only for what fits on a screen (callers limit them).
    table: Option<TextTable>,
    csv: Option<csv::Writer<W>>,
    first_json: bool,
}

impl<W: Write + Send> RowWriter<W> {
    pub fn new(printer: Printer, out: W) -> Self {
        RowWriter {
            printer,
            out: Some(out),
            columns: vec![],
            table: None,
            csv: None,
            first_json: true,
        }
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        if let Some(w) = self.csv.take() {
            self.out = Some(w.into_inner().map_err(|e| e.into_error())?);
        }
        let Some(mut out) = self.out.take() else {
            return Ok(());
        };
        match self.printer.format {
            Format::Table | Format::Markdown => {
                if let Some(t) = self.table.take() {
                    writeln!(out, "{t}")?;
                }
            }
            Format::Json => {
                if self.first_json {
                    write!(out, "[")?;
                }
                writeln!(out, "]")?;
            }
            Format::Csv => {}
        }
        out.flush()
    }
}

fn io(e: std::io::Error) -> WarehouseError {
    WarehouseError::Sink(Box::new(e))
}

impl<W: Write + Send> RowSink for RowWriter<W> {
    fn columns(&mut self, names: &[String]) -> Result<(), WarehouseError> {
        self.columns = names.to_vec();
        match self.printer.format {
            Format::Table | Format::Markdown => {
                let mut t = TextTable::new();
                t.load_style(if self.printer.format == Format::Markdown {
                    presets::ASCII_MARKDOWN
                } else {
                    presets::UTF8_FULL_CONDENSED
                });
                t.set_header(self.columns.clone());
                self.table = Some(t);
            }
            Format::Csv => {
                if let Some(out) = self.out.take() {
                    let mut w = csv::Writer::from_writer(out);
                    w.write_record(&self.columns).map_err(|e| io(e.into()))?;
                    self.csv = Some(w);
                }
            }
            Format::Json => {}
        }
        Ok(())
    }

    fn row(&mut self, row: &[Cell]) -> Result<(), WarehouseError> {
        let kept = row;
        match self.printer.format {
            Format::Table | Format::Markdown => {
                if let Some(t) = self.table.as_mut() {
                    t.add_row(kept.iter().map(|c| c.to_text()));
                }
            }
            Format::Csv => {
                if let Some(w) = self.csv.as_mut() {
                    w.write_record(kept.iter().map(|c| c.to_text()))
                        .map_err(|e| io(e.into()))?;
                }
            }
            Format::Json => {
                let obj: serde_json::Map<String, serde_json::Value> = self
                    .columns
                    .iter()
                    .cloned()
                    .zip(kept.iter().map(|c| c.to_json()))
                    .collect();
                let sep = if self.first_json { "[\n  " } else { ",\n  " };
                self.first_json = false;
                if let Some(out) = self.out.as_mut() {
                    write!(out, "{sep}{}", serde_json::Value::Object(obj)).map_err(io)?;
                }
            }
        }
        Ok(())
    }
}

impl Reporter for Printer {
    fn note(&self, text: &str) {
        Printer::note(self, text);
    }
    fn progress(&self) -> std::sync::Arc<dyn Progress> {
        std::sync::Arc::new(self.bar())
    }
}

/// A progress bar on stderr that draws only when enabled.
pub struct Bar {
    enabled: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Progress for Bar {
    fn start(&self, what: &str, total: u64) {
        if !self.enabled {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg:>8} [{bar:30}] {pos}/{len} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(what.to_string());
        *self.bar.lock().unwrap() = Some(bar);
    }

    fn advance(&self, n: u64) {
        if let Some(b) = self.bar.lock().unwrap().as_ref() {
            b.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(b) = self.bar.lock().unwrap().take() {
            b.finish_and_clear();
        }
    }
}
