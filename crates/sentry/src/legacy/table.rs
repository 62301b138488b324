//! sentry-cli 3.x's text shapes that scripts and people read: its bordered table, its
//! "N hours" durations and its UTC timestamps. Kept apart from the `sentry` renderer because
//! 3.x's layout is fixed (no terminal-width fitting, no colour) and differs in every detail.

use unicode_width::UnicodeWidthStr;

/// A 3.x table: a title row between `+---+` rules, then one line per cell line (a cell may
/// hold several lines, e.g. one project per line), closed by a rule. Left-aligned, one space
/// of padding. An empty table prints nothing at all, as 3.x does.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as text (ending in a newline), or `""` when it has no rows.
    pub fn render(&self) -> String {
        if self.rows.is_empty() {
            return String::new();
        }
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                let w = cell.lines().map(UnicodeWidthStr::width).max().unwrap_or(0);
                if i < widths.len() {
                    widths[i] = widths[i].max(w);
                }
            }
        }
        let rule: String = {
            let mut s = String::from("+");
            for w in &widths {
                s.push_str(&"-".repeat(w + 2));
                s.push('+');
            }
            s.push('\n');
            s
        };
        let line = |cells: &[&str]| {
            let mut s = String::from("|");
            for (i, w) in widths.iter().enumerate() {
                let c = cells.get(i).copied().unwrap_or("");
                s.push(' ');
                s.push_str(c);
                s.push_str(&" ".repeat(w - c.width() + 1));
                s.push('|');
            }
            s.push('\n');
            s
        };
        let mut out = rule.clone();
        out.push_str(&line(
            &self.header.iter().map(String::as_str).collect::<Vec<_>>(),
        ));
        out.push_str(&rule);
        for row in &self.rows {
            let split: Vec<Vec<&str>> = row.iter().map(|c| c.lines().collect()).collect();
            let height = split.iter().map(Vec::len).max().unwrap_or(0).max(1);
            for i in 0..height {
                let cells: Vec<&str> = split
                    .iter()
                    .map(|l| l.get(i).copied().unwrap_or(""))
                    .collect();
                out.push_str(&line(&cells));
            }
        }
        out.push_str(&rule);
        out
    }
}

/// 3.x's coarse duration: whole hours, else minutes, else seconds (`1 hour`, `26788 hours`,
/// `0 seconds`); never days. Negative spans (clock skew) read `0 seconds`.
pub fn human_duration(secs: i64) -> String {
    let unit = |n: i64, name: &str| match n {
        1 => Some(format!("1 {name}")),
        n if n > 1 => Some(format!("{n} {name}s")),
        _ => None,
    };
    unit(secs / 3600, "hour")
        .or_else(|| unit(secs / 60, "minute"))
        .or_else(|| unit(secs, "second"))
        .unwrap_or_else(|| "0 seconds".to_string())
}

/// Seconds from the server timestamp `ts` to now, when it parses.
pub fn seconds_since(ts: &str) -> Option<i64> {
    let t: jiff::Timestamp = ts.parse().ok()?;
    Some(jiff::Timestamp::now().duration_since(t).as_secs())
}

/// A server timestamp as 3.x prints dates: `2026-12-05 02:29:24.534878 UTC`, the fraction
/// shown in groups of three digits and only as far as it is non-zero. Unparseable input is
/// shown as it came.
pub fn utc_datetime(ts: &str) -> String {
    let Ok(t) = ts.parse::<jiff::Timestamp>() else {
        return ts.to_string();
    };
    let nanos = t.subsec_nanosecond();
    let frac = if nanos == 0 {
        String::new()
    } else if nanos % 1_000_000 == 0 {
        format!(".{:03}", nanos / 1_000_000)
    } else if nanos % 1_000 == 0 {
        format!(".{:06}", nanos / 1_000)
    } else {
        format!(".{nanos:09}")
    };
    format!("{}{frac} UTC", t.strftime("%Y-%m-%d %H:%M:%S"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_3x_layout() {
        let mut t = Table::new(&["Version", "Projects"]);
        t.row(vec!["4.0".into(), "app\nweb".into()]);
        assert_eq!(
            t.render(),
            "+---------+----------+\n\
             | Version | Projects |\n\
             +---------+----------+\n\
             | 4.0     | app      |\n\
             |         | web      |\n\
             +---------+----------+\n"
        );
        assert_eq!(Table::new(&["A"]).render(), "");
    }

    #[test]
    fn durations_and_dates() {
        assert_eq!(human_duration(0), "0 seconds");
        assert_eq!(human_duration(-5), "0 seconds");
        assert_eq!(human_duration(1), "1 second");
        assert_eq!(human_duration(61), "1 minute");
        assert_eq!(human_duration(96_436_800), "26788 hours");
        assert_eq!(
            utc_datetime("2026-12-05T02:29:24.534878Z"),
            "2026-12-05 02:29:24.534878 UTC"
        );
        assert_eq!(
            utc_datetime("2026-12-05T02:30:35.643000Z"),
            "2026-12-05 02:30:35.643 UTC"
        );
        assert_eq!(
            utc_datetime("2023-11-14T22:13:20Z"),
            "2023-11-14 22:13:20 UTC"
        );
    }
}
