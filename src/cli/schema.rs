//! `roughcut schema`: the JSON Schemas of the EDL format and of render reports.

use clap::{Args, ValueEnum};

use super::{print_json, CliResult};

/// Which schema.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    Edl,
    Report,
    /// `roughcut diff --json`.
    Diff,
    /// `roughcut verify --json`.
    Verify,
}

#[derive(Args)]
#[command(
    after_help = "Examples:\n  roughcut schema > edl.schema.json\n  roughcut schema report > report.schema.json"
)]
pub struct SchemaArgs {
    /// Which schema.
    #[arg(value_enum, default_value_t = SchemaKind::Edl)]
    kind: SchemaKind,
}

pub fn exec(a: SchemaArgs) -> CliResult {
    match a.kind {
        SchemaKind::Edl => print_json(&roughcut::edl::raw::schema()),
        SchemaKind::Report => print_json(&roughcut::render::report::schema()),
        SchemaKind::Diff => print_json(&roughcut::review::diff::schema()),
        SchemaKind::Verify => print_json(&roughcut::verify::schema()),
    }
}
