//! The file sink: `--to file:DIR`, one of four formats.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;

use erglink_model::Session;
use erglink_normalize::Options;
use tempfile::NamedTempFile;

use crate::atomic::{io, temp_builder};
use crate::csv::{csv_paths, write_csv};
use crate::fit::{FitRecords, fit_path, write_fit};
use crate::tcx::{tcx_path, write_tcx};
use crate::terra_json::{terra_line, terra_path, write_terra_file};
use crate::{Error, Exported, Output, Result, SessionSource, Sink};

/// The NDJSON file's name in the folder.
pub const NDJSON_NAME: &str = "activities.ndjson";

/// A file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Terra Activity JSON.
    Terra,
    /// CSV: samples, strokes with force curves, and laps.
    Csv,
    /// Garmin FIT.
    Fit,
    /// Garmin TCX.
    Tcx,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 4] = [Self::Terra, Self::Csv, Self::Fit, Self::Tcx];

    /// Its name on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Terra => "terra",
            Self::Csv => "csv",
            Self::Fit => "fit",
            Self::Tcx => "tcx",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                Error::Unsupported(format!("`{s}` is not a format; use terra, csv, fit or tcx"))
            })
    }
}

/// How the file sink writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileOptions {
    /// Resolution, SkiErg type, time base (Terra and TCX; FIT takes stroke or per-second records from the resolution).
    pub normalize: Options,
    /// Terra only: every Activity as one line of `activities.ndjson`.
    pub ndjson: bool,
    /// Replace existing files.
    pub force: bool,
    /// Write nothing; report what would be written.
    pub dry_run: bool,
}

/// Writes each session to files in one folder.
#[derive(Debug)]
pub struct FileSink {
    dir: PathBuf,
    format: Format,
    options: FileOptions,
    ndjson: Option<NamedTempFile>,
    lines: usize,
}

impl FileSink {
    /// A sink writing `format` files into `dir`, which must exist (except for a dry run).
    pub fn new(dir: impl Into<PathBuf>, format: Format, options: FileOptions) -> Result<Self> {
        let dir = dir.into();
        if options.ndjson && format != Format::Terra {
            return Err(Error::Unsupported(format!(
                "--ndjson is for Terra JSON, not {format}"
            )));
        }
        // A dry run may name a folder that a real run would create.
        let meta = std::fs::metadata(&dir);
        if options.dry_run && meta.is_err() {
            return Ok(Self {
                dir,
                format,
                options,
                ndjson: None,
                lines: 0,
            });
        }
        if !meta.map_err(io(&dir))?.is_dir() {
            return Err(Error::Io {
                path: dir,
                source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a folder"),
            });
        }
        if options.ndjson {
            let path = dir.join(NDJSON_NAME);
            if path.exists() && !options.force {
                return Err(Error::Exists(path));
            }
        }
        Ok(Self {
            dir,
            format,
            options,
            ndjson: None,
            lines: 0,
        })
    }

    /// The files a session would get.
    pub fn paths(&self, session: &Session) -> Vec<PathBuf> {
        let (dir, id) = (&self.dir, &session.id);
        match self.format {
            Format::Terra if self.options.ndjson => vec![dir.join(NDJSON_NAME)],
            Format::Terra => vec![terra_path(dir, id)],
            Format::Csv => csv_paths(dir, id).to_vec(),
            Format::Fit => vec![fit_path(dir, id)],
            Format::Tcx => vec![tcx_path(dir, id)],
        }
    }

    fn outputs(files: Vec<(PathBuf, u64)>) -> Vec<Output> {
        files
            .into_iter()
            .map(|(p, bytes)| Output {
                target: p.display().to_string(),
                bytes,
            })
            .collect()
    }

    fn append_line(&mut self, line: &[u8]) -> Result<()> {
        if self.ndjson.is_none() {
            let tmp = temp_builder()
                .tempfile_in(&self.dir)
                .map_err(io(&self.dir))?;
            self.ndjson = Some(tmp);
        }
        let tmp = self.ndjson.as_mut().expect("created above");
        let path = tmp.path().to_path_buf();
        tmp.write_all(line).map_err(io(&path))?;
        self.lines += 1;
        Ok(())
    }
}

impl Sink for FileSink {
    fn describe(&self) -> String {
        let ndjson = if self.options.ndjson { ", NDJSON" } else { "" };
        format!("file:{} ({}{ndjson})", self.dir.display(), self.format)
    }

    fn export(&mut self, source: &dyn SessionSource, session: &Session) -> Result<Exported> {
        let id = &session.id;
        let o = self.options;
        if !o.force && !o.ndjson {
            // Refuse before writing anything, so a session never ends half-exported.
            if let Some(p) = self.paths(session).into_iter().find(|p| p.exists()) {
                return Err(Error::Exists(p));
            }
        }
        if o.dry_run {
            let outputs = if o.ndjson {
                Vec::new()
            } else {
                Self::outputs(self.paths(session).into_iter().map(|p| (p, 0)).collect())
            };
            return Ok(Exported {
                session: id.clone(),
                outputs,
            });
        }
        let files = match self.format {
            Format::Terra if o.ndjson => {
                let line = terra_line(source, id, &o.normalize)?;
                self.append_line(&line)?;
                Vec::new()
            }
            Format::Terra => vec![write_terra_file(
                source,
                id,
                &self.dir,
                &o.normalize,
                o.force,
            )?],
            Format::Csv => write_csv(source, id, &self.dir, o.force)?,
            Format::Fit => vec![write_fit(
                source,
                id,
                &self.dir,
                FitRecords::from_resolution(o.normalize.resolution),
                o.force,
            )?],
            Format::Tcx => vec![write_tcx(source, id, &self.dir, &o.normalize, o.force)?],
        };
        Ok(Exported {
            session: id.clone(),
            outputs: Self::outputs(files),
        })
    }

    fn finish(&mut self) -> Result<Vec<Output>> {
        let path = self.dir.join(NDJSON_NAME);
        if self.options.dry_run && self.options.ndjson {
            return Ok(vec![Output {
                target: path.display().to_string(),
                bytes: 0,
            }]);
        }
        let Some(tmp) = self.ndjson.take() else {
            return Ok(Vec::new());
        };
        tmp.as_file().sync_all().map_err(io(&path))?;
        let bytes = tmp.as_file().metadata().map_err(io(&path))?.len();
        let done = if self.options.force {
            tmp.persist(&path)
        } else {
            tmp.persist_noclobber(&path)
        };
        done.map_err(|e| match e.error.kind() {
            std::io::ErrorKind::AlreadyExists => Error::Exists(path.clone()),
            _ => Error::Io {
                path: path.clone(),
                source: e.error,
            },
        })?;
        Ok(vec![Output {
            target: path.display().to_string(),
            bytes,
        }])
    }
}
