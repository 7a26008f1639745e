//! What the test binaries of `bins` share: a scratch Wazuh tree holding the
//! executable, and running that copy safely while other tests copy theirs.

use std::path::PathBuf;
use std::time::Duration;
use tempfile::TempDir;

/// A scratch Wazuh tree (`integrations/`, `logs/`, `queue/sockets/`,
/// `etc/`, `tmp/`) with the executable copied to
/// `integrations/custom-misp`, so that it finds the tree from its own path.
pub fn wazuh_tree() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    for sub in ["integrations", "logs", "queue/sockets", "etc", "tmp"] {
        std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
    }
    let exe = dir.path().join("integrations/custom-misp");
    std::fs::copy(env!("CARGO_BIN_EXE_custom-misp"), &exe).expect("copy executable");
    (dir, exe)
}

/// Runs `start` (a spawn of a copied executable), again while the copy is
/// "busy".
///
/// Regression: tests that copy the executable run in parallel, and a child
/// forked by another test while a copy is open for writing holds that file
/// open for a moment, so exec fails with ETXTBSY until it closes.
pub fn when_not_busy<T>(mut start: impl FnMut() -> std::io::Result<T>) -> std::io::Result<T> {
    /// "Text file busy" on Linux.
    const ETXTBSY: i32 = 26;

    for _ in 0..100 {
        match start() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) => {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
    start()
}
