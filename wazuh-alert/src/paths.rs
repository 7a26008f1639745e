//! Where things live under the Wazuh root.

use std::path::{Path, PathBuf};

/// The Wazuh root when nothing else is known.
pub const DEFAULT_ROOT: &str = "/var/ossec";

/// The Wazuh root an integration runs from: integratord runs exactly
/// `<root>/integrations/<name>`, so the root is two levels up.
///
/// `None` when the executable is not directly inside a folder named
/// `integrations`, or when that folder has no parent (a relative path such
/// as `integrations/custom-misp`). The path is taken as given: pass
/// [`std::env::current_exe`], which is absolute, rather than `argv[0]`.
///
/// # Example
///
/// ```
/// use std::path::{Path, PathBuf};
/// use wazuh_alert::root_from_executable;
///
/// let exe = Path::new("/opt/wazuh/integrations/custom-misp");
/// assert_eq!(root_from_executable(exe), Some(PathBuf::from("/opt/wazuh")));
/// assert_eq!(root_from_executable(Path::new("/usr/local/bin/custom-misp")), None);
/// ```
pub fn root_from_executable(exe: &Path) -> Option<PathBuf> {
    exe.file_name()?;
    let folder = exe.parent()?;
    if folder.file_name()? != "integrations" {
        return None;
    }
    let root = folder.parent()?;
    (!root.as_os_str().is_empty()).then(|| root.to_path_buf())
}

/// The files and sockets of one Wazuh installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The Wazuh root, such as `/var/ossec`.
    pub root: PathBuf,
}

impl Paths {
    /// The paths under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Paths {
        Paths { root: root.into() }
    }

    /// The analysisd queue socket, `<root>/queue/sockets/queue`.
    pub fn queue_socket(&self) -> PathBuf {
        self.root.join("queue/sockets/queue")
    }

    /// The logtest socket, `<root>/queue/sockets/logtest`.
    pub fn logtest_socket(&self) -> PathBuf {
        self.root.join("queue/sockets/logtest")
    }

    /// The log integrations write to, `<root>/logs/integrations.log`.
    pub fn integrations_log(&self) -> PathBuf {
        self.root.join("logs/integrations.log")
    }

    /// The folder integratord runs integrations from, `<root>/integrations`.
    pub fn integrations_dir(&self) -> PathBuf {
        self.root.join("integrations")
    }
}

impl Default for Paths {
    /// The paths under [`DEFAULT_ROOT`].
    fn default() -> Paths {
        Paths::new(DEFAULT_ROOT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_two_levels_above_the_integration() {
        let root = root_from_executable(Path::new("/var/ossec/integrations/custom-misp"));
        assert_eq!(root, Some(PathBuf::from("/var/ossec")));
        let root = root_from_executable(Path::new("/integrations/custom-misp"));
        assert_eq!(root, Some(PathBuf::from("/")));
    }

    #[test]
    fn anything_else_has_no_root() {
        assert_eq!(
            root_from_executable(Path::new("integrations/custom-misp")),
            None
        );
        assert_eq!(
            root_from_executable(Path::new("/var/ossec/bin/custom-misp")),
            None
        );
        assert_eq!(root_from_executable(Path::new("custom-misp")), None);
        assert_eq!(root_from_executable(Path::new("/")), None);
    }

    #[test]
    fn paths_hang_under_the_root() {
        let paths = Paths::new("/opt/wazuh");
        assert_eq!(
            paths.queue_socket(),
            Path::new("/opt/wazuh/queue/sockets/queue")
        );
        assert_eq!(
            paths.integrations_log(),
            Path::new("/opt/wazuh/logs/integrations.log")
        );
        assert_eq!(Paths::default().root, Path::new("/var/ossec"));
    }
}
