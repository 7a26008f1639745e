//! Reading alerts: a file holding one alert, and a stream of one alert a
//! line (`alerts.json`, or alerts piped in).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use serde_json::error::Category;

use crate::alert::Alert;
use crate::error::{Error, Origin};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads the file holding one alert; the same as [`Alert::read_file`].
///
/// # Errors
///
/// [`Error::ReadAlert`] when the file cannot be opened or read;
/// [`Error::EmptyAlert`], [`Error::TruncatedAlert`], [`Error::NotJson`],
/// [`Error::PlainFormat`], [`Error::NotAnObject`], [`Error::TrailingData`]
/// or [`Error::AlertShape`] when its content is no alert. Each names the
/// path.
pub fn read_alert_file(path: impl AsRef<Path>) -> Result<Alert, Error> {
    let path = path.as_ref();
    let origin = Origin::File(path.to_path_buf());
    let file = File::open(path).map_err(|source| Error::ReadAlert {
        origin: origin.clone(),
        source,
    })?;
    let alert = read_one(file, origin)?;
    log::debug!("read alert {} from {}", alert.id(), path.display());
    Ok(alert)
}

/// Reads alerts one a line from `reader`; the same as [`AlertStream::new`].
pub fn alerts_from_lines<R: Read>(reader: R) -> AlertStream<R> {
    AlertStream::new(reader)
}

pub(crate) fn read_one<R: Read>(mut reader: R, origin: Origin) -> Result<Alert, Error> {
    let mut bytes = Vec::new();
    match reader.read_to_end(&mut bytes) {
        Ok(_) => parse_bytes(&bytes, origin),
        Err(source) => Err(Error::ReadAlert { origin, source }),
    }
}

pub(crate) fn parse_bytes(bytes: &[u8], origin: Origin) -> Result<Alert, Error> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::EmptyAlert { origin });
    }

    let mut de = serde_json::Deserializer::from_slice(bytes);
    let raw = match Value::deserialize(&mut de) {
        Ok(raw) => raw,
        Err(source) if source.classify() == Category::Eof => {
            return Err(Error::TruncatedAlert { origin, source });
        }
        Err(_) if bytes.starts_with(b"alertdate=") => return Err(Error::PlainFormat { origin }),
        Err(source) => return Err(Error::NotJson { origin, source }),
    };
    if let Err(source) = de.end() {
        return Err(Error::TrailingData { origin, source });
    }

    Alert::from_value_at(raw, origin)
}

/// Alerts read one a line, as `alerts.json` holds them.
///
/// Blank lines are skipped. A line that is no alert yields an error naming
/// its line number (and the file, when the stream was opened by path), and
/// the stream goes on with the next line. A read error ends the stream after
/// it is yielded.
///
/// # Example
///
/// ```
/// let text = "{\"id\":\"1.1\"}\n\n{\"id\":\"1.2\"}\nnot json\n";
/// let results: Vec<_> = wazuh_alert::alerts_from_lines(text.as_bytes()).collect();
/// assert_eq!(results.len(), 3);
/// assert_eq!(results[1].as_ref().unwrap().id(), "1.2");
/// assert_eq!(results[2].as_ref().unwrap_err().to_string(), "alert on line 4 is not JSON");
/// ```
#[derive(Debug)]
pub struct AlertStream<R> {
    reader: BufReader<R>,
    path: Option<PathBuf>,
    line: usize,
    buf: Vec<u8>,
    done: bool,
}

impl<R: Read> AlertStream<R> {
    /// Reads alerts from `reader`, one a line.
    pub fn new(reader: R) -> AlertStream<R> {
        AlertStream {
            reader: BufReader::new(reader),
            path: None,
            line: 0,
            buf: Vec::new(),
            done: false,
        }
    }

    /// Names the file the stream reads, for error messages.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> AlertStream<R> {
        self.path = Some(path.into());
        self
    }

    fn origin(&self) -> Origin {
        Origin::Line {
            path: self.path.clone(),
            line: self.line,
        }
    }
}

impl AlertStream<File> {
    /// Opens a file of alerts, one a line.
    ///
    /// # Errors
    ///
    /// [`Error::ReadAlert`] when the file cannot be opened.
    pub fn open(path: impl AsRef<Path>) -> Result<AlertStream<File>, Error> {
        let path = path.as_ref();
        match File::open(path) {
            Ok(file) => Ok(AlertStream::new(file).with_path(path)),
            Err(source) => Err(Error::ReadAlert {
                origin: Origin::File(path.into()),
                source,
            }),
        }
    }
}

impl<R: Read> Iterator for AlertStream<R> {
    type Item = Result<Alert, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            self.buf.clear();
            self.line += 1;
            match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(0) => self.done = true,
                Ok(_) if self.buf.iter().all(u8::is_ascii_whitespace) => continue,
                Ok(_) => return Some(parse_bytes(&self.buf, self.origin())),
                Err(source) => {
                    self.done = true;
                    return Some(Err(Error::ReadAlert {
                        origin: self.origin(),
                        source,
                    }));
                }
            }
        }
        None
    }
}
