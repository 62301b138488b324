//! Parsers for the two config-file formats: sentry-cli's INI dialect (`.sentryclirc`,
//! `sentrycli.ini`) and Java `.properties` (`SENTRY_PROPERTIES`). Both produce the same
//! [`ConfigFile`] of `(section, key) = value` entries with line numbers, so resolution and
//! `config list` can point at `file:line`.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
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
    /// Id of the section (see [`Scan`]): comparing or hashing a long section name once per key
    /// would make the scan quadratic.
    section: usize,
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
    let (normalized, scanned, headers, section_names) = scan_ini(path, text)?;
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

    // Lines of each key in file order. rust-ini yields the values of one key in file order
    // too (a section repeated further down comes later), so each value takes the next line of
    // its key: O(1) per entry however the sections are interleaved.
    let mut lines_of: HashMap<(usize, &str), VecDeque<usize>> = HashMap::new();
    for k in &scanned {
        lines_of
            .entry((k.section, k.key.as_str()))
            .or_default()
            .push_back(k.line);
    }
    let mut entries: Vec<FileEntry> = Vec::new();
    let mut first_of: HashMap<(usize, &str), usize> = HashMap::new();
    let mut warnings = Warnings::default();
    for (token, props) in ini.iter() {
        let sid = token.and_then(|t| t.parse::<usize>().ok()).unwrap_or(0);
        let section = section_names.get(sid).map_or("", String::as_str);
        let stored = stored_section(section);
        for (key, value) in props.iter() {
            let line = lines_of
                .get_mut(&(sid, key))
                .and_then(VecDeque::pop_front)
                .unwrap_or(0);
            if let Some(&first) = first_of.get(&(sid, key)) {
                warnings.push(Kind::Duplicate, || {
                    format!(
                        "{}:{line}: duplicate key '{}'{}; the value from line {} is used",
                        path.display(),
                        shorten(key),
                        in_section(&stored),
                        entries[first].line
                    )
                });
                continue;
            }
            first_of.insert((sid, key), entries.len());
            entries.push(FileEntry {
                section: stored.clone(),
                key: key.to_string(),
                value: value.to_string(),
                line,
            });
        }
    }
    unknown_name_warnings(path, &entries, &headers, true, &mut warnings);
    Ok(ConfigFile {
        path: path.to_path_buf(),
        entries,
        warnings: warnings.finish(path),
    })
}

/// Warnings shown in full per kind before the rest of that kind is only counted.
const SHOWN_PER_KIND: usize = 5;

/// What a config-file warning is about; repeated ones are summarised per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Duplicate,
    UnknownSection,
    OutsideSection,
    UnknownKey,
}

impl Kind {
    fn plural(self) -> &'static str {
        match self {
            Kind::Duplicate => "duplicate keys",
            Kind::UnknownSection => "unknown sections",
            Kind::OutsideSection => "keys outside any section",
            Kind::UnknownKey => "unknown keys",
        }
    }
}

/// Collects a file's warnings: the first [`SHOWN_PER_KIND`] of each kind in full, then one
/// `… and N more <kind> in <file>` line, so a file with millions of repeated keys costs a few
/// lines of output (and the messages that are not shown are never built).
#[derive(Default)]
struct Warnings {
    shown: Vec<String>,
    counts: BTreeMap<Kind, usize>,
}

impl Warnings {
    fn push(&mut self, kind: Kind, message: impl FnOnce() -> String) {
        let n = self.counts.entry(kind).or_default();
        *n += 1;
        if *n <= SHOWN_PER_KIND {
            self.shown.push(message());
        }
    }
    fn finish(mut self, path: &Path) -> Vec<String> {
        for (kind, n) in &self.counts {
            if *n > SHOWN_PER_KIND {
                self.shown.push(format!(
                    "… and {} more {} in {}",
                    n - SHOWN_PER_KIND,
                    kind.plural(),
                    path.display()
                ));
            }
        }
        self.shown
    }
}

/// The section name kept in entries and headers. A name over 64 characters cannot be one of
/// ours, so it is kept cut: copying a megabyte-long name into each of its keys' entries (and
/// comparing it per key) would be quadratic.
fn stored_section(section: &str) -> String {
    const MAX: usize = 64;
    match section.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &section[..i]),
        None => section.to_string(),
    }
}

/// A name as quoted in a warning: cut to 100 characters so a pasted blob does not become a
/// megabyte-long warning.
fn shorten(name: &str) -> String {
    const MAX: usize = 100;
    match name.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &name[..i]),
        None => name.to_string(),
    }
}

/// Did-you-mean for a name; names much longer than any known one cannot be a typo of one,
/// and are not compared (the comparison is quadratic in the name's length).
fn suggest_short<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    (name.len() <= 64)
        .then(|| suggest(name, candidates))
        .flatten()
}

fn in_section(section: &str) -> String {
    if section.is_empty() {
        " outside any section".to_string()
    } else {
        format!(" in [{section}]")
    }
}

/// Normalised text, key lines, section headers (stored names) with their lines, and the
/// section names by id (id 0 is "outside any section").
type Scan = (String, Vec<ScannedKey>, Vec<(String, usize)>, Vec<String>);

/// Validates every physical line and returns the text rust-ini should parse (comment lines
/// blanked, line count unchanged), the key lines, and the section headers with their lines.
///
/// Section headers reach rust-ini as their id (`[3]`), not their name: rust-ini clones and
/// hashes the current section's name for every key, which is quadratic for a long name with
/// many keys (a 1 MB name with 2,000 keys took 10 s). The ids are mapped back to the names.
fn scan_ini(path: &Path, text: &str) -> Result<Scan, ConfigError> {
    let err = |line: usize, message: String| ConfigError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut out = String::with_capacity(text.len());
    let mut keys = Vec::new();
    let mut headers = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::from([(String::new(), 0)]);
    let mut names: Vec<String> = vec![String::new()];
    let mut section = 0;
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
            let name = rest[..close].trim();
            section = match ids.get(name) {
                Some(&id) => id,
                None => {
                    ids.insert(name.to_string(), names.len());
                    names.push(name.to_string());
                    names.len() - 1
                }
            };
            headers.push((stored_section(name), line_no));
            out.push_str(&format!("[{section}]"));
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
            section,
            key: key.to_string(),
            line: line_no,
        });
        out.push_str(raw);
    }
    Ok((out, keys, headers, names))
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
    warnings: &mut Warnings,
) {
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
        let hint = suggest_short(name, section_names());
        if !strict && hint.is_none() {
            continue;
        }
        reported.insert(name);
        warnings.push(Kind::UnknownSection, || {
            let hint = match hint {
                Some(h) => format!(" (did you mean [{h}]? section names are case-sensitive)"),
                None => format!(
                    " (known sections: {})",
                    section_names().collect::<Vec<_>>().join(", ")
                ),
            };
            format!(
                "{}:{line}: unknown section [{}] is ignored{hint}",
                path.display(),
                shorten(name)
            )
        });
    }
    for e in entries {
        let p = path.display();
        if e.section.is_empty() {
            if !strict {
                continue;
            }
            warnings.push(Kind::OutsideSection, || {
                let hint = section_of(&e.key)
                    .map(|s| format!(" (did you mean to put it under [{s}]?)"))
                    .unwrap_or_default();
                format!(
                    "{p}:{}: key '{}' is outside any section and is ignored{hint}",
                    e.line,
                    shorten(&e.key)
                )
            });
            continue;
        }
        let Some(keys) = section_keys(&e.section) else {
            continue;
        };
        if keys.contains(&e.key.as_str()) || reported.contains(e.section.as_str()) {
            continue;
        }
        warnings.push(Kind::UnknownKey, || {
            let hint = match suggest_short(&e.key, keys.iter().copied()) {
                Some(k) => format!(" (did you mean '{k}'?)"),
                None => match section_of(&e.key.to_lowercase()) {
                    Some(s) => format!(" (did you mean to put it under [{s}]?)"),
                    None => format!(" (known keys: {})", keys.join(", ")),
                },
            };
            format!(
                "{p}:{}: unknown key '{}' in [{}] is ignored{hint}",
                e.line,
                shorten(&e.key),
                e.section
            )
        });
    }
}

/// Parses a Java `.properties` file as sentry-cli does: each key is split at its last dot
/// into section and key (`defaults.org` → `[defaults] org`); keys without a dot are ignored.
/// Like sentry-cli, the file is read as ISO-8859-1. Unknown keys of our sections are
/// reported, but unknown sections only when they look like a typo of ours, because these
/// files are shared with other tools (e.g. `cli.executable` of the React Native plugin).
pub fn parse_properties(path: &Path, bytes: &[u8]) -> Result<ConfigFile, ConfigError> {
    // Entries in file order; an overridden one becomes `None` and the override is appended,
    // with an index by key so each line costs O(1).
    let mut slots: Vec<Option<FileEntry>> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut warnings = Warnings::default();
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
        let id = (section.to_string(), key.to_string());
        if let Some(first) = index.get(&id).and_then(|&i| slots[i].take()) {
            warnings.push(Kind::Duplicate, || {
                format!(
                    "{}:{line_no}: duplicate key '{}' overrides line {}",
                    path.display(),
                    shorten(&full_key),
                    first.line
                )
            });
        }
        index.insert(id, slots.len());
        slots.push(Some(FileEntry {
            section: section.to_string(),
            key: key.to_string(),
            value,
            line: line_no,
        }));
    }
    let entries: Vec<FileEntry> = slots.into_iter().flatten().collect();
    unknown_name_warnings(path, &entries, &[], false, &mut warnings);
    Ok(ConfigFile {
        path: path.to_path_buf(),
        entries,
        warnings: warnings.finish(path),
    })
}
