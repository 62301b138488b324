//! Parsers for the two config-file formats: sentry-cli's INI dialect (`.sentryclirc`,
//! `sentrycli.ini`) and Java `.properties` (`SENTRY_PROPERTIES`). Both produce the same
//! [`ConfigFile`] of `(section, key) = value` entries with line numbers, so resolution and
//! `config list` can point at `file:line`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ini::{Ini, ParseOption};

use crate::keys::{section_keys, section_of, suggest, KNOWN};
use crate::ConfigError;

/// One `key = value` line. `section` is empty for keys outside any section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub section: String,
    pub key: String,
    pub value: String,
    /// 1-based line where the key appears.
    pub line: usize,
}

/// A parsed config file: the effective entries (first occurrence of each key wins, as in
/// sentry-cli) and the warnings found while reading it (unknown names, duplicates).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub entries: Vec<FileEntry>,
    pub warnings: Vec<String>,
}

impl ConfigFile {
    pub fn get(&self, section: &str, key: &str) -> Option<&FileEntry> {
        self.entries
            .iter()
            .find(|e| e.section == section && e.key == key)
    }
}

/// A key line found by the line scan, before rust-ini supplies its value.
struct ScannedKey {
    section: String,
    key: String,
    line: usize,
}

/// Parses sentry-cli's INI dialect.
///
/// Values come from rust-ini with escapes disabled, so `C:\path` survives. rust-ini cannot
/// report line numbers and mis-reads a few inputs (an indented comment becomes a key, a line
/// without `=` is glued to the next one), so a line scan first validates every line, blanks
/// comments, and records where each key sits. Deliberate differences from sentry-cli 3.8:
/// a UTF-8 BOM is stripped (it used to corrupt the first section name), backslashes are kept
/// literally, and repeated `[section]` blocks are merged (first value of a key still wins).
pub fn parse_sentryclirc(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (normalized, scanned, headers) = scan_ini(path, text)?;
    let ini = Ini::load_from_str_opt(
        &normalized,
        ParseOption {
            enabled_escape: false,
            ..ParseOption::default()
        },
    )
    .map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        line: e.line,
        message: e.msg.to_string(),
    })?;

    let mut entries: Vec<FileEntry> = Vec::new();
    let mut warnings = Vec::new();
    let mut cursor = 0;
    for (section, props) in ini.iter() {
        let section = section.unwrap_or("");
        for (key, value) in props.iter() {
            let line = match scanned[cursor..]
                .iter()
                .position(|s| s.section == section && s.key == key)
            {
                Some(off) => {
                    cursor += off + 1;
                    scanned[cursor - 1].line
                }
                None => scanned
                    .iter()
                    .find(|s| s.section == section && s.key == key)
                    .map_or(0, |s| s.line),
            };
            if let Some(first) = entries
                .iter()
                .find(|e| e.section == section && e.key == key)
            {
                warnings.push(format!(
                    "{}:{line}: duplicate key '{key}'{}; the value from line {} is used",
                    path.display(),
                    in_section(section),
                    first.line
                ));
                continue;
            }
            entries.push(FileEntry {
                section: section.to_string(),
                key: key.to_string(),
                value: value.to_string(),
                line,
            });
        }
    }
    warnings.extend(unknown_name_warnings(path, &entries, &headers, true));
    Ok(ConfigFile {
        path: path.to_path_buf(),
        entries,
        warnings,
    })
}

fn in_section(section: &str) -> String {
    if section.is_empty() {
        " outside any section".to_string()
    } else {
        format!(" in [{section}]")
    }
}

type Scan = (String, Vec<ScannedKey>, Vec<(String, usize)>);

/// Validates every physical line and returns the text rust-ini should parse (comment lines
/// blanked, line count unchanged), the key lines, and the section headers with their lines.
fn scan_ini(path: &Path, text: &str) -> Result<Scan, ConfigError> {
    let err = |line: usize, message: String| ConfigError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut out = String::with_capacity(text.len());
    let mut keys = Vec::new();
    let mut headers = Vec::new();
    let mut section = String::new();
    let mut continuation = false;
    for (idx, raw) in text.split('\n').enumerate() {
        let line_no = idx + 1;
        if idx > 0 {
            out.push('\n');
        }
        if continuation {
            continuation = raw.ends_with('\\');
            out.push_str(raw);
            continue;
        }
        let t = raw.trim();
        if t.is_empty() {
            out.push_str(raw);
            continue;
        }
        if t.starts_with('#') || t.starts_with(';') {
            continue; // blanked: rust-ini mis-reads indented comments
        }
        if let Some(rest) = t.strip_prefix('[') {
            let Some(close) = rest.find(']') else {
                return Err(err(
                    line_no,
                    "section header is missing its closing ']'".into(),
                ));
            };
            if !rest[close + 1..].trim().is_empty() {
                return Err(err(
                    line_no,
                    "unexpected text after the section header (comments must be on their own line)"
                        .into(),
                ));
            }
            section = rest[..close].trim().to_string();
            headers.push((section.clone(), line_no));
            out.push_str(raw);
            continue;
        }
        let Some(sep) = t.find(['=', ':']) else {
            // The line is not echoed: it may be a pasted secret.
            return Err(err(
                line_no,
                "expected 'key = value', a [section] header or a comment".into(),
            ));
        };
        let key = t[..sep].trim();
        if key.is_empty() {
            return Err(err(line_no, "missing key before the '=' or ':'".into()));
        }
        check_quotes(t[sep + 1..].trim_start()).map_err(|m| err(line_no, m))?;
        continuation = raw.ends_with('\\');
        keys.push(ScannedKey {
            section: section.clone(),
            key: key.to_string(),
            line: line_no,
        });
        out.push_str(raw);
    }
    Ok((out, keys, headers))
}

/// rust-ini lets a quote that opens a value run on to the next matching quote, across lines;
/// that would swallow the following keys silently, so an unclosed quote is an error here.
fn check_quotes(mut value: &str) -> Result<(), String> {
    while let Some(q) = value.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let body = &value[1..];
        let mut chars = body.char_indices();
        let mut close = None;
        while let Some((i, c)) = chars.next() {
            if c == '\\' {
                chars.next();
            } else if c == q {
                close = Some(i);
                break;
            }
        }
        match close {
            Some(i) => value = &body[i + 1..],
            None => return Err(format!("unclosed {q} quote in the value")),
        }
    }
    Ok(())
}

/// One warning per unknown section (at its first header) and per unknown key, each with a
/// did-you-mean when a known name is close. `strict` = false (properties files, which other
/// tools share) only reports unknown sections that look like typos of ours.
fn unknown_name_warnings(
    path: &Path,
    entries: &[FileEntry],
    headers: &[(String, usize)],
    strict: bool,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut reported: BTreeSet<&str> = BTreeSet::new();
    let section_names = || KNOWN.iter().map(|(s, _)| *s);
    let mut first_line: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, line) in headers {
        first_line.entry(name.as_str()).or_insert(*line);
    }
    for e in entries {
        first_line.entry(e.section.as_str()).or_insert(e.line);
    }
    for (name, line) in &first_line {
        if name.is_empty() || section_keys(name).is_some() {
            continue;
        }
        let hint = suggest(name, section_names());
        if !strict && hint.is_none() {
            continue;
        }
        reported.insert(name);
        let hint = match hint {
            Some(h) => format!(" (did you mean [{h}]? section names are case-sensitive)"),
            None => format!(
                " (known sections: {})",
                section_names().collect::<Vec<_>>().join(", ")
            ),
        };
        warnings.push(format!(
            "{}:{line}: unknown section [{name}] is ignored{hint}",
            path.display()
        ));
    }
    for e in entries {
        let p = path.display();
        if e.section.is_empty() {
            if !strict {
                continue;
            }
            let hint = section_of(&e.key)
                .map(|s| format!(" (did you mean to put it under [{s}]?)"))
                .unwrap_or_default();
            warnings.push(format!(
                "{p}:{}: key '{}' is outside any section and is ignored{hint}",
                e.line, e.key
            ));
            continue;
        }
        let Some(keys) = section_keys(&e.section) else {
            continue;
        };
        if keys.contains(&e.key.as_str()) || reported.contains(e.section.as_str()) {
            continue;
        }
        let hint = match suggest(&e.key, keys.iter().copied()) {
            Some(k) => format!(" (did you mean '{k}'?)"),
            None => match section_of(&e.key.to_lowercase()) {
                Some(s) => format!(" (did you mean to put it under [{s}]?)"),
                None => format!(" (known keys: {})", keys.join(", ")),
            },
        };
        warnings.push(format!(
            "{p}:{}: unknown key '{}' in [{}] is ignored{hint}",
            e.line, e.key, e.section
        ));
    }
    warnings
}

/// Parses a Java `.properties` file as sentry-cli does: each key is split at its last dot
/// into section and key (`defaults.org` → `[defaults] org`); keys without a dot are ignored.
/// Like sentry-cli, the file is read as ISO-8859-1. Unknown keys of our sections are
/// reported, but unknown sections only when they look like a typo of ours, because these
/// files are shared with other tools (e.g. `cli.executable` of the React Native plugin).
pub fn parse_properties(path: &Path, bytes: &[u8]) -> Result<ConfigFile, ConfigError> {
    let mut entries: Vec<FileEntry> = Vec::new();
    let mut warnings = Vec::new();
    // Decode up front (Java's default Windows-1252, or the encoding a BOM names) and hand the
    // parser clean UTF-8: its own streaming decoder panics when the input ends inside a BOM or
    // an incomplete UTF-16 unit (e.g. `EF`, `FF FE 00`), and a config file must never crash us.
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    for line in
        java_properties::PropertiesIter::new_with_encoding(text.as_bytes(), encoding_rs::UTF_8)
    {
        let line = line.map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            line: e.line_number().unwrap_or(0),
            message: e.to_string(),
        })?;
        let line_no = line.line_number();
        let java_properties::LineContent::KVPair(full_key, value) = line.consume_content() else {
            continue;
        };
        let Some((section, key)) = full_key.rsplit_once('.') else {
            continue;
        };
        // Later lines win in a properties file (it is a map), unlike INI.
        if let Some(pos) = entries
            .iter()
            .position(|e| e.section == section && e.key == key)
        {
            let first = entries.remove(pos);
            warnings.push(format!(
                "{}:{line_no}: duplicate key '{full_key}' overrides line {}",
                path.display(),
                first.line
            ));
        }
        entries.push(FileEntry {
            section: section.to_string(),
            key: key.to_string(),
            value,
            line: line_no,
        });
    }
    warnings.extend(unknown_name_warnings(path, &entries, &[], false));
    Ok(ConfigFile {
        path: path.to_path_buf(),
        entries,
        warnings,
    })
}
