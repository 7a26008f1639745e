//! The MISP API key, kept out of logs, errors and `Debug` output.

use crate::Error;
use std::fmt;
use std::path::Path;

/// A MISP API key (the "auth key" of a MISP user).
///
/// The key is sent as the bare value of the `Authorization` header and
/// nowhere else. `Debug` and `Display` print `[redacted]`, so a key held in
/// a struct that derives `Debug`, or formatted by mistake, does not leak
/// into a log. [`ApiKey::expose`] is the one way to read it.
///
/// ```
/// use misp_client::ApiKey;
///
/// let key = ApiKey::new("0123456789abcdef0123456789abcdef01234567");
/// assert_eq!(format!("{key:?}"), "[redacted]");
/// assert_eq!(key.to_string(), "[redacted]");
/// assert!(key.expose().starts_with("0123"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key as given; no check is made on its form.
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }

    /// Reads a key from the first line of a file, without surrounding
    /// blanks. A key file keeps the key out of the process list, where an
    /// argument would show it.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the file cannot be read or its first line is
    /// blank. The message names the file, never its content.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            message: format!("cannot read the API key file {}", path.display()),
            source: Some(Box::new(e)),
        })?;

        let first = text.lines().next().unwrap_or("").trim();
        if first.is_empty() {
            return Err(Error::Config {
                message: format!(
                    "the API key file {} has no key on its first line",
                    path.display()
                ),
                source: None,
            });
        }
        Ok(ApiKey(first.to_owned()))
    }

    /// The key itself, to put in a request header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const KEY: &str = "k3yk3yk3yk3yk3yk3yk3yk3yk3yk3yk3yk3yk3yk";

    #[test]
    fn debug_and_display_hide_the_key() {
        let key = ApiKey::new(KEY);
        assert_eq!(format!("{key:?}"), "[redacted]");
        assert_eq!(format!("{key:#?}"), "[redacted]");
        assert_eq!(format!("{key}"), "[redacted]");
        assert_eq!(key.expose(), KEY);
    }

    #[test]
    fn from_file_reads_the_first_line_trimmed() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        writeln!(file, "  {KEY}\t\r\nsecond line").unwrap();
        let key = ApiKey::from_file(file.path()).unwrap();
        assert_eq!(key.expose(), KEY);
    }

    #[test]
    fn from_file_refuses_a_blank_first_line() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        writeln!(file, "   \n{KEY}").unwrap();
        let err = ApiKey::from_file(file.path()).unwrap_err();
        assert_eq!(err.code(), "config");
        assert!(err.to_string().contains("no key"), "{err}");
        assert!(!format!("{err:?}").contains(KEY));
    }

    #[test]
    fn from_file_names_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent.key");
        let err = ApiKey::from_file(&path).unwrap_err();
        assert_eq!(err.code(), "config");
        assert!(err.to_string().contains("absent.key"), "{err}");
        assert!(std::error::Error::source(&err).is_some());
    }
}
