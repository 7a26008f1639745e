//! `check`: reads the configuration the integration runs with and reports,
//! as a checklist, whether each thing it needs is in order.

use crate::cache::{BreakerState, Cache};
use crate::exit::{Exit, Failure, chain};
use crate::memory;
use crate::options::Options;
use crate::source::{self, Source};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The integration's name in ossec.conf, and the executable's file name.
const NAME: &str = "custom-misp";

/// One line of the checklist.
enum Mark {
    Ok,
    Warn,
    Fail,
}

struct Report {
    failed: bool,
}

impl Report {
    fn line(&mut self, mark: Mark, what: &str, detail: impl AsRef<str>) {
        let tag = match mark {
            Mark::Ok => "ok",
            Mark::Warn => "warn",
            Mark::Fail => {
                self.failed = true;
                "FAIL"
            }
        };
        println!("[{tag:^4}] {what}: {}", detail.as_ref());
    }
}

/// The `<integration>` block of ossec.conf for this integration.
#[derive(Debug, Default, PartialEq)]
pub struct Declared {
    /// `<hook_url>`.
    pub hook_url: Option<String>,
    /// `<api_key>`.
    pub api_key: Option<String>,
    /// `<options>`, the JSON text.
    pub options: Option<String>,
    /// `<level>`.
    pub level: Option<String>,
}

/// Runs the checks; exit 0 when nothing failed, 1 otherwise.
pub fn run(
    root: Option<PathBuf>,
    options_file: Option<PathBuf>,
    mut settings: source::Settings,
    clear_cache: bool,
) -> Result<Exit, Failure> {
    let exe = std::env::current_exe().ok();
    let root = root
        .or_else(|| exe.as_deref().and_then(wazuh_alert::root_from_executable))
        .unwrap_or_else(|| PathBuf::from(wazuh_alert::DEFAULT_ROOT));
    let mut report = Report { failed: false };
    println!(
        "custom-misp {} checking the Wazuh installation at {}",
        env!("CARGO_PKG_VERSION"),
        root.display()
    );

    let declared = check_ossec_conf(&root, &mut report);
    let options = check_options(options_file, declared.as_ref(), &mut report);
    if settings.url.is_none() {
        settings.url = declared.as_ref().and_then(|d| d.hook_url.clone());
    }
    if settings.key.is_none() && settings.key_file.is_none() {
        settings.key = declared
            .as_ref()
            .and_then(|d| d.api_key.clone())
            .map(misp_client::ApiKey::new);
    }
    if let Some(options) = &options {
        settings = settings.with_options(options);
    }
    check_tls(&settings, &mut report);
    check_misp(settings, &mut report);
    if let Some(options) = &options {
        check_cache(options, &root, clear_cache, &mut report);
    }

    check_socket(
        &wazuh_alert::Paths::new(root.clone()).queue_socket(),
        &mut report,
    );
    check_executable(&root.join("integrations").join(NAME), &mut report);
    check_log(
        &wazuh_alert::Paths::new(root).integrations_log(),
        &mut report,
    );

    Ok(if report.failed {
        Exit::Failed
    } else {
        Exit::Handled
    })
}

fn check_ossec_conf(root: &Path, report: &mut Report) -> Option<Declared> {
    let path = root.join("etc/ossec.conf");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            report.line(
                Mark::Warn,
                "ossec.conf",
                format!("cannot read {}: {e}", path.display()),
            );
            return None;
        }
    };
    match find_integration(&text, NAME) {
        Some(declared) => {
            let level = declared.level.as_deref().unwrap_or("any");
            report.line(
                Mark::Ok,
                "ossec.conf",
                format!("<integration> {NAME} found, level {level}"),
            );
            Some(declared)
        }
        None => {
            report.line(
                Mark::Fail,
                "ossec.conf",
                format!("no <integration> named {NAME} in {}", path.display()),
            );
            None
        }
    }
}

fn check_options(
    file: Option<PathBuf>,
    declared: Option<&Declared>,
    report: &mut Report,
) -> Option<Options> {
    let parsed = match (&file, declared.and_then(|d| d.options.as_deref())) {
        (Some(path), _) => Options::from_file(path),
        (None, Some(text)) => Options::from_text(text),
        (None, None) => Ok(Options::default()),
    };
    let checked = parsed
        .map_err(|e| chain(&e))
        .and_then(|options| options.compiled().map(|_| options).map_err(|e| chain(&e)));
    match checked {
        Ok(options) => {
            report.line(Mark::Ok, "options", "valid");
            Some(options)
        }
        Err(e) => {
            report.line(Mark::Fail, "options", e);
            None
        }
    }
}

fn check_tls(settings: &source::Settings, report: &mut Report) {
    if settings.feed.is_some() {
        return;
    }
    if !settings.verify_tls {
        report.line(Mark::Warn, "TLS", "verification is OFF (verify_tls false)");
    } else if let Some(ca) = &settings.ca_file {
        match std::fs::metadata(ca) {
            Ok(_) => report.line(
                Mark::Ok,
                "TLS",
                format!("verified, extra CA {}", ca.display()),
            ),
            Err(e) => report.line(Mark::Fail, "TLS", format!("CA file {}: {e}", ca.display())),
        }
    } else {
        report.line(Mark::Ok, "TLS", "verified against the bundled public roots");
    }
}

fn check_misp(settings: source::Settings, report: &mut Report) {
    let source = match Source::open(settings) {
        Ok(source) => source,
        Err(failure) => {
            report.line(Mark::Fail, "MISP", failure.message);
            return;
        }
    };
    let client = match &source {
        Source::Feed(..) => {
            match source.feed_len() {
                Ok(n) => report.line(
                    Mark::Ok,
                    "feed",
                    format!("{} attributes in {}", n.unwrap_or(0), source.id()),
                ),
                Err(e) => report.line(Mark::Fail, "feed", chain(&e)),
            }
            return;
        }
        Source::Misp(client) => client,
    };

    let started = Instant::now();
    match client.version() {
        Ok(version) => {
            let ms = started.elapsed().as_millis();
            report.line(
                Mark::Ok,
                "MISP",
                format!("{} answered in {ms} ms", client.base_url()),
            );
            report.line(
                Mark::Ok,
                "API key",
                format!("accepted; MISP {}", version.version),
            );
            let (mark, text) = if version.perm_sighting {
                (Mark::Ok, "the key may add sightings")
            } else {
                (Mark::Warn, "the key may not add sightings")
            };
            report.line(mark, "sightings", text);
        }
        Err(e) if e.code() == "auth" => {
            report.line(Mark::Ok, "MISP", format!("{} answered", client.base_url()));
            report.line(Mark::Fail, "API key", chain(&e));
        }
        Err(e) => report.line(Mark::Fail, "MISP", chain(&e)),
    }
}

/// The breaker line when no MISP has failed lately.
const BREAKER_CLOSED: &str = "closed: MISP has not failed lately";

fn check_cache(options: &Options, root: &Path, clear: bool, report: &mut Report) {
    if !options.cache {
        report.line(Mark::Ok, "cache", "off (option cache false)");
        return;
    }
    let settings = memory::settings(options, root);
    if !settings.path.exists() {
        // A check changes nothing it need not: the first run creates it.
        let what = if clear { "nothing to clear: " } else { "" };
        report.line(
            Mark::Ok,
            "cache",
            format!(
                "{what}{} not created yet; the first run creates it",
                settings.path.display()
            ),
        );
        report.line(Mark::Ok, "breaker", BREAKER_CLOSED);
        return;
    }
    let cache = match Cache::open(&settings) {
        Ok(cache) => cache,
        Err(e) => {
            report.line(
                Mark::Warn,
                "cache",
                format!("unavailable, runs ask MISP every time: {}", chain(&e)),
            );
            return;
        }
    };
    if clear {
        match cache.clear() {
            Ok(()) => report.line(Mark::Ok, "cache", "cleared: answers and breakers forgotten"),
            Err(e) => report.line(Mark::Fail, "cache", format!("cannot clear: {}", chain(&e))),
        }
    }
    let stats = cache.stats();
    let counted = stats.hits + stats.misses;
    let ratio = if counted > 0 {
        format!(
            ", hit ratio {:.1}%",
            100.0 * stats.hits as f64 / counted as f64
        )
    } else {
        String::new()
    };
    report.line(
        Mark::Ok,
        "cache",
        format!(
            "{}, {} bytes, {} answers{ratio}",
            stats.path.display(),
            stats.file_size,
            stats.entries
        ),
    );
    if stats.breakers.is_empty() {
        report.line(Mark::Ok, "breaker", BREAKER_CLOSED);
    }
    for (misp, state) in &stats.breakers {
        let text = match state {
            BreakerState::Open { until, last_error } => {
                let left = until
                    .duration_since(std::time::SystemTime::now())
                    .unwrap_or_default();
                format!(
                    "OPEN for {misp} after {last_error}; {}s of cool-down left",
                    left.as_secs()
                )
            }
            _ => format!("{misp}: cool-down over, the next run probes MISP"),
        };
        report.line(Mark::Warn, "breaker", text);
    }
}

fn check_socket(path: &Path, report: &mut Report) {
    match std::fs::metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => {
            report.line(Mark::Ok, "queue socket", path.display().to_string());
        }
        Ok(_) => report.line(
            Mark::Fail,
            "queue socket",
            format!("{} is not a socket", path.display()),
        ),
        Err(e) => report.line(
            Mark::Fail,
            "queue socket",
            format!("{}: {e} (is wazuh-analysisd running?)", path.display()),
        ),
    }
}

fn check_executable(path: &Path, report: &mut Report) {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) => {
            report.line(Mark::Fail, "executable", format!("{}: {e}", path.display()));
            return;
        }
    };
    let mode = meta.mode() & 0o7777;
    let group = group_name(meta.gid()).unwrap_or_else(|| meta.gid().to_string());
    let what = format!(
        "{} is {}:{group} {mode:04o}",
        path.display(),
        owner_name(meta.uid())
    );
    // integratord refuses a file that its user (wazuh) can write.
    if mode & 0o022 != 0 || (meta.uid() != 0) {
        report.line(
            Mark::Fail,
            "executable",
            format!("{what}; want root:wazuh 0750"),
        );
    } else if group != "wazuh" || mode & 0o010 == 0 {
        report.line(
            Mark::Warn,
            "executable",
            format!("{what}; want root:wazuh 0750"),
        );
    } else {
        report.line(Mark::Ok, "executable", what);
    }
}

fn check_log(path: &Path, report: &mut Report) {
    match std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
    {
        Ok(_) => report.line(Mark::Ok, "log", path.display().to_string()),
        Err(e) => report.line(Mark::Warn, "log", format!("{}: {e}", path.display())),
    }
}

fn owner_name(uid: u32) -> String {
    if uid == 0 {
        "root".into()
    } else {
        name_in("/etc/passwd", uid).unwrap_or(uid.to_string())
    }
}

fn group_name(gid: u32) -> Option<String> {
    name_in("/etc/group", gid)
}

/// The name of id `id` in a passwd-style file (`name:x:id:...`).
fn name_in(file: &str, id: u32) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)?.parse::<u32>().ok()? == id).then(|| name.to_owned())
    })
}

/// Finds the `<integration>` block named `name` in ossec.conf's text.
///
/// ossec.conf is several `<ossec_config>` roots in one file, which general
/// XML parsers reject; the elements read here hold plain text, so a
/// tag-level scan is enough. Comments are skipped and the five XML entities
/// decoded.
pub fn find_integration(text: &str, name: &str) -> Option<Declared> {
    let text = strip_comments(text);
    let mut rest = text.as_str();
    while let Some(start) = rest.find("<integration>") {
        let after = &rest[start + "<integration>".len()..];
        let end = after.find("</integration>")?;
        let block = &after[..end];
        if element(block, "name").as_deref() == Some(name) {
            return Some(Declared {
                hook_url: element(block, "hook_url"),
                api_key: element(block, "api_key"),
                options: element(block, "options"),
                level: element(block, "level"),
            });
        }
        rest = &after[end..];
    }
    None
}

fn element(block: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = block.find(&open)? + open.len();
    let end = start + block[start..].find(&close)?;
    Some(unescape(block[start..end].trim()))
}

fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        rest = match rest[start..].find("-->") {
            Some(end) => &rest[start + end + 3..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONF: &str = r#"<ossec_config>
  <global><jsonout_output>yes</jsonout_output></global>
</ossec_config>
<ossec_config>
  <!-- <integration><name>custom-misp</name><hook_url>https://old</hook_url></integration> -->
  <integration>
    <name>virustotal</name>
    <api_key>vt</api_key>
  </integration>
  <integration>
    <name>custom-misp</name>
    <hook_url>https://misp.corp.example</hook_url>
    <api_key>k&amp;y</api_key>
    <level>5</level>
    <options>{"ca_file": "/var/ossec/etc/misp-ca.pem"}</options>
    <alert_format>json</alert_format>
  </integration>
</ossec_config>
"#;

    #[test]
    fn finds_our_block_past_comments_and_other_integrations() {
        let declared = find_integration(CONF, "custom-misp").expect("block");
        assert_eq!(
            declared.hook_url.as_deref(),
            Some("https://misp.corp.example")
        );
        assert_eq!(declared.api_key.as_deref(), Some("k&y"));
        assert_eq!(declared.level.as_deref(), Some("5"));
        assert_eq!(
            declared.options.as_deref(),
            Some(r#"{"ca_file": "/var/ossec/etc/misp-ca.pem"}"#)
        );
    }

    #[test]
    fn a_missing_block_is_none() {
        assert_eq!(find_integration(CONF, "custom-other"), None);
    }
}
