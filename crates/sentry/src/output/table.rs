//! Box-drawn tables laid out in linear time.
//!
//! Rules, in the order they are applied:
//! * Widths are display columns: escape sequences (SGR colours, OSC 8 links) count as zero and
//!   East Asian wide characters as two, so colour never shifts a border.
//! * A cell keeps at most [`MAX_CELL_LINES`] lines of at most [`MAX_CELL_WIDTH`] columns; the
//!   rest is cut with `…`. A terminal cell never needs megabytes, and the cap is what keeps a
//!   1 MB value from being wrapped into tens of thousands of lines.
//! * Tabs become spaces and other control characters are dropped: they have no width we could
//!   account for.
//! * Columns start at their natural width (widest line plus one space of padding each side).
//!   When the table is wider than the terminal, shrinkable columns are narrowed: each keeps at
//!   least a fair share of the space, and the excess is taken from the wider ones in
//!   proportion to the square root of what they can give, so one huge column gives the most
//!   without starving the rest (the official CLI's "balanced" fitting).
//! * Cells then wrap at word boundaries (long words are split), or, in `truncate` mode, each
//!   line is cut at a word boundary two columns short of the width and ends with `…`.
//! * Styling that is open where a line wraps is closed at the end of that line and reopened on
//!   the next, so padding and borders are never coloured by a cell.

use unicode_width::UnicodeWidthChar;

use super::Align;

/// Display columns kept per cell line before the rest is cut with `…`.
pub const MAX_CELL_WIDTH: usize = 1000;
/// Lines kept per cell; a further line `…` says there were more.
pub const MAX_CELL_LINES: usize = 100;
/// Bytes kept per cell line, so a line made of escape sequences alone is bounded too.
const MAX_LINE_BYTES: usize = 16 * 1024;
/// Spaces on each side of a cell's content.
const PAD: usize = 1;

/// A table to render. Rows may be ragged; missing cells are empty.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column titles; `None` (or all blank) draws no header row.
    pub header: Option<Vec<String>>,
    pub rows: Vec<Vec<String>>,
    /// Alignment of the cells of each column, header included; default left.
    pub align: Vec<Align>,
    /// Columns that are never narrowed to fit the terminal (e.g. IDs, sparklines).
    pub fixed: Vec<bool>,
    /// Content width each column is given even when its cells are narrower, and below which
    /// fitting does not narrow it unless its fair share is smaller (upstream's `minWidth`):
    /// a 16-character span ID sits in an 18-wide column, as the official CLI draws it.
    pub min_widths: Vec<usize>,
    /// A separator line between body rows, for rows that span several lines.
    pub row_separators: bool,
    /// Cut over-long lines with `…` instead of wrapping them, so rows keep their height.
    pub truncate: bool,
    /// SGR sequence that colours the borders (rich output only).
    pub border_sgr: Option<String>,
}

impl Table {
    pub fn new(header: Option<&[&str]>, rows: Vec<Vec<String>>) -> Self {
        Table {
            header: header.map(|h| h.iter().map(|s| s.to_string()).collect()),
            rows,
            ..Table::default()
        }
    }

    /// Lays the table out for a terminal `width` columns wide. The result has no trailing
    /// newline; an empty table (no header, no rows) is an empty string.
    pub fn render(&self, width: usize) -> String {
        let header = self
            .header
            .as_ref()
            .filter(|h| h.iter().any(|c| !c.trim().is_empty()));
        let ncols = header
            .map_or(0, Vec::len)
            .max(self.rows.iter().map(Vec::len).max().unwrap_or(0));
        if ncols == 0 {
            return String::new();
        }
        let prep = |row: &[String]| -> Vec<Vec<Line>> {
            (0..ncols)
                .map(|c| prepare_cell(row.get(c).map_or("", String::as_str)))
                .collect()
        };
        let head: Option<Vec<Vec<Line>>> = header.map(|h| prep(h));
        let body: Vec<Vec<Vec<Line>>> = self.rows.iter().map(|r| prep(r)).collect();

        let natural: Vec<usize> = (0..ncols)
            .map(|c| {
                let widest = head
                    .iter()
                    .chain(body.iter())
                    .flat_map(|r| r[c].iter().map(|l| l.width))
                    .max()
                    .unwrap_or(0);
                let min = self.min_widths.get(c).copied().unwrap_or(0);
                (widest.max(min) + 2 * PAD).max(2 * PAD + 1)
            })
            .collect();
        let fixed: Vec<bool> = (0..ncols)
            .map(|c| self.fixed.get(c).copied().unwrap_or(false))
            .collect();
        let avail = width.saturating_sub(ncols + 1).max(ncols);
        let floors: Vec<usize> = (0..ncols)
            .map(|c| self.min_widths.get(c).copied().unwrap_or(0) + 2 * PAD)
            .collect();
        let widths = fit_widths(&natural, avail, &fixed, &floors);
        let inner: Vec<usize> = widths.iter().map(|w| w.saturating_sub(2 * PAD)).collect();

        let border = |s: String| match &self.border_sgr {
            Some(sgr) => format!("{sgr}{s}\x1b[0m"),
            None => s,
        };
        let vert = border("│".to_string());
        let rule = |l: &str, j: &str, r: &str| {
            let mut s = String::from(l);
            for (i, w) in widths.iter().enumerate() {
                if i > 0 {
                    s.push_str(j);
                }
                s.push_str(&"─".repeat(*w));
            }
            s.push_str(r);
            border(s)
        };

        let mut out: Vec<String> = vec![rule("╭", "┬", "╮")];
        // Header cells follow their column's alignment too, as upstream's do (visible only
        // when a header is narrower than its column or wraps).
        let body_align = |c: usize| self.align.get(c).copied().unwrap_or(Align::Left);
        let grid = Grid {
            inner: &inner,
            vert: &vert,
        };
        if let Some(h) = &head {
            grid.row(&mut out, h, &body_align, false);
            if !body.is_empty() {
                out.push(rule("├", "┼", "┤"));
            }
        }
        for (i, r) in body.iter().enumerate() {
            if i > 0 && self.row_separators {
                out.push(rule("├", "┼", "┤"));
            }
            grid.row(&mut out, r, &body_align, self.truncate);
        }
        out.push(rule("╰", "┴", "╯"));
        out.join("\n")
    }
}

/// The column geometry shared by every row of one table.
struct Grid<'a> {
    /// Content width of each column (padding excluded).
    inner: &'a [usize],
    /// The vertical border, styled when borders are coloured.
    vert: &'a str,
}

impl Grid<'_> {
    /// Appends the physical lines of one row: each cell laid out in its column, padded to the
    /// column's width by display width, the row as tall as its tallest cell.
    fn row(
        &self,
        out: &mut Vec<String>,
        cells: &[Vec<Line>],
        align: &dyn Fn(usize) -> Align,
        cut: bool,
    ) {
        let laid: Vec<Vec<Line>> = cells
            .iter()
            .zip(self.inner)
            .map(|(lines, w)| layout_cell(lines, *w, cut))
            .collect();
        let height = laid.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let pad = " ".repeat(PAD);
        for i in 0..height {
            let mut s = String::from(self.vert);
            for (c, lines) in laid.iter().enumerate() {
                let (text, w) = lines.get(i).map_or(("", 0), |l| (l.text.as_str(), l.width));
                let fill = " ".repeat(self.inner[c].saturating_sub(w));
                match align(c) {
                    Align::Right => s.extend([pad.as_str(), &fill, text, pad.as_str()]),
                    Align::Left => s.extend([pad.as_str(), text, &fill, pad.as_str()]),
                }
                s.push_str(self.vert);
            }
            out.push(s);
        }
    }
}

/// Column widths (padding included) that fit `avail` columns when they can. Fixed columns
/// keep their natural width; the others are fitted by [`balanced`], each above its `floors`
/// width (minimum plus padding) unless even that does not fit.
fn fit_widths(natural: &[usize], avail: usize, fixed: &[bool], floors: &[usize]) -> Vec<usize> {
    if natural.iter().sum::<usize>() <= avail {
        return natural.to_vec();
    }
    let fixed_total: usize = natural
        .iter()
        .zip(fixed)
        .filter(|(_, f)| **f)
        .map(|(w, _)| *w)
        .sum();
    let flexible: Vec<usize> = natural
        .iter()
        .zip(fixed)
        .filter(|(_, f)| !**f)
        .map(|(w, _)| *w)
        .collect();
    let flexible_floors: Vec<usize> = floors
        .iter()
        .zip(fixed)
        .filter(|(_, f)| !**f)
        .map(|(w, _)| *w)
        .collect();
    if flexible.is_empty() || avail <= fixed_total {
        return natural.to_vec();
    }
    let mut fitted = balanced(&flexible, avail - fixed_total, &flexible_floors).into_iter();
    natural
        .iter()
        .zip(fixed)
        .map(|(w, f)| if *f { *w } else { fitted.next().unwrap_or(*w) })
        .collect()
}

/// Narrows `widths` towards a total of `avail`. Every column keeps at least the smaller of its
/// natural width and the larger of a fair share (`avail / n`, never under one character of
/// content) and its minimum (`mins`, padding included); the
/// excess is taken from the columns above that floor in proportion to the square root of how
/// much each could give, and the rounding remainder from those with the largest fractional
/// share (ties: the one that can give more).
fn balanced(widths: &[usize], avail: usize, mins: &[usize]) -> Vec<usize> {
    let min = 2 * PAD + 1;
    let base: Vec<usize> = widths.iter().map(|w| (*w).max(min)).collect();
    let total: usize = base.iter().sum();
    if total <= avail {
        return base;
    }
    let share = (avail / base.len()).max(min);
    let floor: Vec<usize> = base
        .iter()
        .enumerate()
        .map(|(i, w)| (*w).min(share.max(mins.get(i).copied().unwrap_or(0))))
        .collect();
    let target = avail.max(floor.iter().sum());
    if total <= target {
        return base;
    }
    let give: Vec<usize> = base.iter().zip(&floor).map(|(b, f)| b - f).collect();
    let weights: Vec<f64> = give.iter().map(|g| (*g as f64).sqrt()).collect();
    let weight_sum: f64 = weights.iter().sum();
    if weight_sum <= 0.0 {
        return floor;
    }
    let shrink_by = total - target;
    let mut taken = vec![0usize; base.len()];
    let mut frac = vec![0f64; base.len()];
    let mut sum_taken = 0;
    for i in 0..base.len() {
        if give[i] == 0 {
            continue;
        }
        let exact = weights[i] / weight_sum * shrink_by as f64;
        taken[i] = give[i].min(exact.floor() as usize);
        frac[i] = exact - taken[i] as f64;
        sum_taken += taken[i];
    }
    let mut left = shrink_by.saturating_sub(sum_taken);
    while left > 0 {
        let pick = (0..base.len())
            .filter(|&i| give[i] > taken[i])
            .max_by(|&a, &b| {
                frac[a]
                    .total_cmp(&frac[b])
                    .then(give[a].cmp(&give[b]))
                    .then(b.cmp(&a))
            });
        let Some(i) = pick else { break };
        taken[i] += 1;
        frac[i] = 0.0;
        left -= 1;
    }
    base.iter()
        .zip(&taken)
        .zip(&floor)
        .map(|((b, t), f)| (b - t).max(*f))
        .collect()
}

/// One physical line of a cell: text (with its escapes) and its display width.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    text: String,
    width: usize,
}

/// Splits a cell into sanitised, capped lines. Work is proportional to what is kept plus one
/// scan for line breaks, never to the square of the input.
fn prepare_cell(cell: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut rest = cell;
    loop {
        if lines.len() == MAX_CELL_LINES {
            lines.push(Line {
                text: "…".into(),
                width: 1,
            });
            break;
        }
        let (raw, next) = match rest.find('\n') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        lines.push(sanitize_line(raw));
        match next {
            Some(n) => rest = n,
            None => break,
        }
    }
    lines
}

/// Keeps escapes and printable characters of `raw` up to the caps, cutting with `…`.
fn sanitize_line(raw: &str) -> Line {
    let mut text = String::with_capacity(raw.len().min(256));
    let mut width = 0;
    let mut style = Style::default();
    let mut cut = false;
    for piece in Pieces::new(raw) {
        if text.len() >= MAX_LINE_BYTES {
            cut = true;
            break;
        }
        match piece {
            Piece::Esc(e) => {
                style.apply(e);
                text.push_str(e);
            }
            Piece::Ch(c, w) => {
                let (c, w) = match c {
                    '\t' => (' ', 1),
                    c if c.is_control() => continue,
                    c => (c, w),
                };
                if width + w > MAX_CELL_WIDTH - 1 {
                    cut = true;
                    break;
                }
                text.push(c);
                width += w;
            }
        }
    }
    if cut {
        text.push('…');
        width += 1;
    }
    style.close(&mut text);
    Line { text, width }
}

/// Fits one prepared cell into `w` columns: wrapped, or cut line by line when `cut` is set.
fn layout_cell(lines: &[Line], w: usize, cut: bool) -> Vec<Line> {
    let mut out = Vec::new();
    for line in lines {
        if line.width <= w {
            out.push(line.clone());
        } else if cut {
            out.push(truncate_line(&line.text, w));
        } else {
            wrap_line(&line.text, w, usize::MAX, &mut out);
        }
    }
    out
}

/// Cuts a line wider than `w`: its first word-wrapped line at `w - 2` columns, then `…`.
fn truncate_line(text: &str, w: usize) -> Line {
    let mut first = Vec::with_capacity(1);
    let open = wrap_line(text, w.saturating_sub(2).max(1), 1, &mut first);
    let mut line = first.pop().unwrap_or(Line {
        text: String::new(),
        width: 0,
    });
    line.text.push('…');
    line.width += 1;
    open.close(&mut line.text);
    line
}

/// Word-wraps `text` into lines of at most `w` columns, appending at most `max_lines` to
/// `out`. A word wider than `w` is split, starting on the current line unless that costs an
/// extra line; spaces at a break are dropped. Without a line limit, spaces left at the end of
/// a wrapped line are trimmed (they would only carry styling into the padding); with one (the
/// `…` cut), they stay, so the ellipsis sits after the space like upstream's, and the last
/// line is left unclosed: its open style is returned for the caller to close after `…`.
fn wrap_line(text: &str, w: usize, max_lines: usize, out: &mut Vec<Line>) -> Style {
    let mut wr = Wrapper {
        cur: String::new(),
        cur_w: 0,
        trailing: None,
        style: Style::default(),
        out,
        max_lines,
        pushed: 0,
    };
    for token in Tokens::new(text) {
        if wr.done() {
            break;
        }
        match token {
            Token::Space(s, sw) => {
                if wr.cur_w + sw <= w {
                    let mark = (wr.cur.len(), wr.cur_w);
                    wr.push_str(s);
                    wr.trailing = (s.len() == sw).then_some(mark);
                } else {
                    // Dropped at the break, but its escapes still change the style; except
                    // that a single plain space after an exactly full line opens the next
                    // line, as upstream's untrimmed wrapping leaves it (` 05:1` under `12-05`).
                    let full = wr.cur_w >= w;
                    for p in Pieces::new(s) {
                        if let Piece::Esc(e) = p {
                            wr.push_esc(e);
                        }
                    }
                    wr.break_line();
                    if full && s == " " && !wr.done() {
                        wr.push_char(' ', 1);
                    }
                }
            }
            Token::Word(s, ww) => {
                if wr.cur_w + ww <= w {
                    wr.push_str(s);
                } else if ww <= w {
                    wr.break_line();
                    if !wr.done() {
                        wr.push_str(s);
                    }
                } else {
                    let room = w - wr.cur_w.min(w);
                    let here = 1 + ww.saturating_sub(room + 1) / w;
                    let next = (ww - 1) / w;
                    if wr.cur_w > 0 && next < here {
                        wr.break_line();
                    }
                    for p in Pieces::new(s) {
                        if wr.done() {
                            break;
                        }
                        match p {
                            Piece::Esc(e) => wr.push_esc(e),
                            Piece::Ch(c, cw) => {
                                if wr.cur_w + cw > w && wr.cur_w > 0 {
                                    wr.break_line();
                                    if wr.done() {
                                        break;
                                    }
                                }
                                // A wide character in a one-column cell becomes `…`.
                                let (c, cw) = if cw > w { ('…', 1) } else { (c, cw) };
                                wr.push_char(c, cw);
                            }
                        }
                    }
                }
            }
        }
    }
    if !wr.done() {
        if wr.pushed + 1 == max_lines {
            wr.keep_open();
        } else {
            wr.finish();
        }
    }
    if max_lines == usize::MAX {
        Style::default()
    } else {
        wr.style
    }
}

/// The line being filled by [`wrap_line`].
struct Wrapper<'o> {
    cur: String,
    cur_w: usize,
    /// Where a run of plain spaces at the end of `cur` starts (bytes, width), if it ends there.
    trailing: Option<(usize, usize)>,
    style: Style,
    out: &'o mut Vec<Line>,
    max_lines: usize,
    pushed: usize,
}

impl Wrapper<'_> {
    /// The line limit was reached.
    fn done(&self) -> bool {
        self.pushed >= self.max_lines
    }
    fn push_str(&mut self, s: &str) {
        for p in Pieces::new(s) {
            match p {
                Piece::Esc(e) => self.push_esc(e),
                Piece::Ch(c, cw) => self.push_char(c, cw),
            }
        }
    }
    fn push_esc(&mut self, e: &str) {
        self.style.apply(e);
        self.cur.push_str(e);
    }
    fn push_char(&mut self, c: char, cw: usize) {
        self.cur.push(c);
        self.cur_w += cw;
        self.trailing = None;
    }
    fn break_line(&mut self) {
        if self.pushed + 1 == self.max_lines {
            self.keep_open();
            return;
        }
        if self.max_lines == usize::MAX {
            if let Some((len, width)) = self.trailing.take() {
                self.cur.truncate(len);
                self.cur_w = width;
            }
        }
        self.finish();
        self.style.reopen(&mut self.cur);
    }
    /// Emits the last allowed line without closing its styling.
    fn keep_open(&mut self) {
        self.out.push(Line {
            text: std::mem::take(&mut self.cur),
            width: self.cur_w,
        });
        self.pushed += 1;
    }
    fn finish(&mut self) {
        self.style.close(&mut self.cur);
        self.out.push(Line {
            text: std::mem::take(&mut self.cur),
            width: self.cur_w,
        });
        self.cur_w = 0;
        self.trailing = None;
        self.pushed += 1;
    }
}

/// Styling open at some point of a line: SGR sequences since the last reset and an open
/// OSC 8 hyperlink.
#[derive(Debug, Clone, Default)]
struct Style {
    sgr: String,
    link: Option<String>,
}

impl Style {
    fn apply(&mut self, esc: &str) {
        if let Some(params) = esc.strip_prefix("\x1b[").and_then(|p| p.strip_suffix('m')) {
            if params.is_empty() || params == "0" {
                self.sgr.clear();
            } else if self.sgr.len() + esc.len() <= 256 {
                self.sgr.push_str(esc);
            }
        } else if let Some(body) = esc.strip_prefix("\x1b]8;") {
            let body = body
                .strip_suffix('\x07')
                .or_else(|| body.strip_suffix("\x1b\\"))
                .unwrap_or(body);
            let uri = body.split_once(';').map_or("", |(_, u)| u);
            self.link = (!uri.is_empty()).then(|| esc.to_string());
        }
    }
    fn close(&self, out: &mut String) {
        if self.link.is_some() {
            out.push_str("\x1b]8;;\x07");
        }
        if !self.sgr.is_empty() {
            out.push_str("\x1b[0m");
        }
    }
    fn reopen(&self, out: &mut String) {
        out.push_str(&self.sgr);
        if let Some(l) = &self.link {
            out.push_str(l);
        }
    }
}

/// The display width of `s`: escape sequences count zero, wide characters two, control
/// characters zero.
pub fn display_width(s: &str) -> usize {
    Pieces::new(s)
        .map(|p| match p {
            Piece::Esc(_) => 0,
            Piece::Ch(_, w) => w,
        })
        .sum()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece<'a> {
    /// A whole escape sequence (CSI, OSC, or a two-character escape).
    Esc(&'a str),
    /// A character and its display width.
    Ch(char, usize),
}

/// Splits text into escape sequences and characters.
struct Pieces<'a> {
    rest: &'a str,
}

impl<'a> Pieces<'a> {
    fn new(s: &'a str) -> Self {
        Pieces { rest: s }
    }
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;
    fn next(&mut self) -> Option<Piece<'a>> {
        let c = self.rest.chars().next()?;
        if c == '\x1b' {
            let n = escape_len(self.rest);
            let (e, rest) = self.rest.split_at(n);
            self.rest = rest;
            return Some(Piece::Esc(e));
        }
        self.rest = &self.rest[c.len_utf8()..];
        Some(Piece::Ch(c, c.width().unwrap_or(0)))
    }
}

/// Length in bytes of the escape sequence at the start of `s` (which starts with ESC). An
/// unterminated sequence runs to the end of the text.
fn escape_len(s: &str) -> usize {
    let b = s.as_bytes();
    match b.get(1) {
        Some(b'[') => b[2..]
            .iter()
            .position(|x| (0x40..=0x7e).contains(x))
            .map_or(b.len(), |i| i + 3),
        Some(b']') => {
            let mut i = 2;
            while i < b.len() {
                match b[i] {
                    0x07 => return i + 1,
                    0x1b if b.get(i + 1) == Some(&b'\\') => return i + 2,
                    _ => i += 1,
                }
            }
            b.len()
        }
        Some(_) => 1 + s[1..].chars().next().map_or(0, char::len_utf8),
        None => 1,
    }
}

/// Words (runs of non-space characters) and runs of spaces, each with its display width;
/// escapes ride along with the run they are in.
#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    Word(&'a str, usize),
    Space(&'a str, usize),
}

struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    fn new(s: &'a str) -> Self {
        Tokens { rest: s }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;
    fn next(&mut self) -> Option<Token<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        let mut kind: Option<bool> = None; // Some(true) = space run
        let end;
        let mut width = 0;
        let mut it = Pieces::new(self.rest);
        loop {
            let before = self.rest.len() - it.rest.len();
            let Some(p) = it.next() else {
                end = self.rest.len();
                break;
            };
            match p {
                Piece::Esc(_) => {}
                Piece::Ch(c, w) => {
                    let is_space = c == ' ';
                    match kind {
                        None => kind = Some(is_space),
                        Some(k) if k != is_space => {
                            end = before;
                            break;
                        }
                        _ => {}
                    }
                    width += w;
                }
            }
        }
        let (tok, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(if kind == Some(true) {
            Token::Space(tok, width)
        } else {
            Token::Word(tok, width)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(header: &[&str], rows: &[&[&str]]) -> Table {
        Table::new(
            Some(header),
            rows.iter()
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .collect(),
        )
    }

    fn strip(s: &str) -> String {
        Pieces::new(s)
            .filter_map(|p| match p {
                Piece::Ch(c, _) => Some(c),
                Piece::Esc(_) => None,
            })
            .collect()
    }

    fn widths(s: &str) -> Vec<usize> {
        s.lines().map(display_width).collect()
    }

    #[test]
    fn widths_ignore_escapes_and_count_wide_characters() {
        assert_eq!(display_width("\x1b[1mbold\x1b[0m"), 4);
        assert_eq!(
            display_width("\x1b]8;;http://x/\x07\x1b[94mAPP-1\x1b[39m\x1b]8;;\x07"),
            5
        );
        assert_eq!(display_width("日本"), 4);
        assert_eq!(
            display_width("a\tb"),
            2,
            "controls have no width of their own"
        );
    }

    #[test]
    fn coloured_cells_line_up() {
        let t = table(
            &["NAME", "N"],
            &[
                &["\x1b[1mbold\x1b[0m", "1"],
                &["日本語", "\x1b[31m22\x1b[0m"],
            ],
        );
        let s = t.render(80);
        assert_eq!(
            strip(&s),
            "╭────────┬────╮\n\
             │ NAME   │ N  │\n\
             ├────────┼────┤\n\
             │ bold   │ 1  │\n\
             │ 日本語 │ 22 │\n\
             ╰────────┴────╯"
        );
        assert!(s.contains("\x1b[1mbold\x1b[0m"), "{s:?}");
    }

    #[test]
    fn huge_cells_are_cut_in_linear_time() {
        let big = "x".repeat(5_000_000);
        let many_lines = "y\n".repeat(1_000_000);
        let t = table(&["A", "B"], &[&[&big, &many_lines]]);
        let s = t.render(120);
        assert!(s.len() < 200_000, "{} bytes", s.len());
        let w = widths(&s);
        assert!(w.iter().all(|x| *x == w[0] && *x <= 120), "{w:?}");
        assert!(s.contains('…'));
        // Unbounded width: the cell is cut at the cap, not laid out whole.
        let s = t.render(usize::MAX / 4);
        let first_row = s.lines().nth(3).unwrap();
        assert_eq!(display_width(first_row), MAX_CELL_WIDTH + 2 + 3 + 3);
        assert_eq!(s.lines().count(), 3 + MAX_CELL_LINES + 1 + 1);
    }

    #[test]
    fn wide_tables_shrink_the_widest_column_most() {
        let long = "word ".repeat(40);
        let t = table(&["ID", "TEXT", "N"], &[&["APP-1", long.trim_end(), "7"]]);
        let s = t.render(60);
        let w = widths(&s);
        assert!(w.iter().all(|x| *x == 60), "{w:?}\n{s}");
        assert!(
            s.lines().nth(3).unwrap().starts_with("│ APP-1 │ word word"),
            "{s}"
        );
    }

    #[test]
    fn wrapping_keeps_styles_inside_the_cell() {
        let t = Table {
            rows: vec![vec!["\x1b[2maaa bbb ccc\x1b[0m".into()]],
            ..Table::default()
        };
        let s = t.render(9);
        assert_eq!(
            s,
            "╭───────╮\n\
             │ \x1b[2maaa\x1b[0m   │\n\
             │ \x1b[2mbbb\x1b[0m   │\n\
             │ \x1b[2mccc\x1b[0m   │\n\
             ╰───────╯"
        );
    }

    /// Upstream wraps without trimming: a space after an exactly full line starts the next
    /// line, which here is a line of its own (0.49's table prints `│     │` between them).
    #[test]
    fn a_space_after_a_full_line_opens_the_next_like_upstream() {
        let t = table(&["X"], &[&["aaa bbb ccc"]]);
        assert_eq!(
            t.render(7),
            "╭─────╮\n│ X   │\n├─────┤\n│ aaa │\n│     │\n│ bbb │\n│     │\n│ ccc │\n╰─────╯"
        );
        let t = table(&["X"], &[&["payment failed"]]);
        assert_eq!(
            t.render(9),
            "╭───────╮\n│ X     │\n├───────┤\n│ payme │\n│ nt fa │\n│ iled  │\n╰───────╯"
        );
    }

    #[test]
    fn minimum_widths_widen_columns_and_floor_the_fitting() {
        let mut t = table(&["ID", "TEXT"], &[&["abc", "some words here"]]);
        t.min_widths = vec![8, 0];
        assert_eq!(
            t.render(80).lines().nth(3).unwrap(),
            "│ abc      │ some words here │"
        );
        // Narrow: the text column gives way, the ID keeps its minimum.
        let s = t.render(20);
        assert_eq!(s.lines().nth(3).unwrap(), "│ abc      │ some   │", "{s}");
    }

    #[test]
    fn truncation_cuts_at_a_word_like_upstream() {
        let mut t = table(
            &["ISSUE"],
            &[&["TypeError: Cannot read properties of undefined\nCannot read properties"]],
        );
        t.truncate = true;
        t.fixed = vec![false];
        // 25 columns leave 21 for the content, so lines are cut at 19.
        let s = t.render(25);
        assert!(s.contains("│ TypeError: Cannot …   │"), "{s}");
        assert!(s.contains("│ Cannot read …         │"), "{s}");
        // A single long word is split.
        let mut t = table(&["A"], &[&["\x1b[1mabcdefghijklmnop\x1b[0m"]]);
        t.truncate = true;
        let s = t.render(10);
        assert!(s.contains("│ \x1b[1mabcd…\x1b[0m  │"), "{s:?}");
    }

    #[test]
    fn row_separators_and_coloured_borders() {
        let mut t = table(&["A"], &[&["1"], &["2"]]);
        t.row_separators = true;
        assert_eq!(
            t.render(80),
            "╭───╮\n│ A │\n├───┤\n│ 1 │\n├───┤\n│ 2 │\n╰───╯"
        );
        t.border_sgr = Some("\x1b[2m".into());
        let s = t.render(80);
        assert!(s.starts_with("\x1b[2m╭───╮\x1b[0m\n\x1b[2m│\x1b[0m A \x1b[2m│\x1b[0m\n"));
    }

    #[test]
    fn header_only_and_empty_tables() {
        let t = table(&["A", "B"], &[]);
        assert_eq!(t.render(80), "╭───┬───╮\n│ A │ B │\n╰───┴───╯");
        assert_eq!(Table::default().render(80), "");
    }

    #[test]
    fn long_words_start_on_the_current_line_when_that_saves_a_line() {
        let mut out = Vec::new();
        wrap_line("ab cdefgh", 5, usize::MAX, &mut out);
        let texts: Vec<&str> = out.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["ab cd", "efgh"]);
        // Starting here would cost a line: the word moves to the next one.
        out.clear();
        wrap_line("ab cdefghij", 5, usize::MAX, &mut out);
        let texts: Vec<&str> = out.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["ab", "cdefg", "hij"]);
    }
}
