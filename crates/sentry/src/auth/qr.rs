//! A compact terminal QR code: two modules per character cell using half blocks, so a
//! verification URL fits in ~35 columns and can be scanned from the screen.

use qrcode::{Color, EcLevel, QrCode};

/// Quiet zone around the code, in modules. One is enough for phone scanners on a terminal
/// background and keeps the code small.
const QUIET: usize = 1;

/// Renders `data` as lines of `█ ▀ ▄` and spaces (dark modules are drawn as spaces on a
/// light frame, which scans on both light and dark terminals). `None` if the data does not
/// fit in a QR code.
pub fn render(data: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QUIET;
    // Light (`true`) outside the code: the quiet zone.
    let light = |x: usize, y: usize| -> bool {
        if x < QUIET || y < QUIET || x >= width + QUIET || y >= width + QUIET {
            return true;
        }
        colors[(y - QUIET) * width + (x - QUIET)] == Color::Light
    };
    let mut out = String::new();
    let mut y = 0;
    while y < size {
        for x in 0..size {
            let top = light(x, y);
            let bottom = if y + 1 < size { light(x, y + 1) } else { false };
            out.push(match (top, bottom) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        out.push('\n');
        y += 2;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_square_block() {
        let qr = render("http://127.0.0.1:8969/oauth/device/?user_code=ABCD-EFGH").unwrap();
        let lines: Vec<&str> = qr.lines().collect();
        let w = lines[0].chars().count();
        assert!(w >= 23, "{w}");
        assert!(lines.iter().all(|l| l.chars().count() == w));
        assert_eq!(lines.len(), w.div_ceil(2));
        // The quiet zone is a light frame.
        assert!(lines[0].chars().all(|c| c == '█' || c == '▀'));
    }
}
