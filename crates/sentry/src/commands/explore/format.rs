//! How explore prints values: upstream's number grouping and abbreviations, units, and
//! an em dash for a missing value.

use serde_json::Value;

/// `1,234.57` below a million, `1.2M` above, as upstream formats numbers.
pub(super) fn number(v: f64) -> String {
    if v.abs() >= 1e6 {
        let (d, s) = if v.abs() >= 1e12 {
            (1e12, "T")
        } else if v.abs() >= 1e9 {
            (1e9, "B")
        } else {
            (1e6, "M")
        };
        let x = format!("{:.1}", v / d);
        return format!("{}{s}", x.trim_end_matches(".0"));
    }
    let rounded = (v * 100.0).round() / 100.0;
    let neg = rounded < 0.0;
    let s = format!("{:.2}", rounded.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let frac = frac.trim_end_matches('0');
    format!(
        "{}{grouped}{}{frac}",
        if neg { "-" } else { "" },
        if frac.is_empty() { "" } else { "." }
    )
}

pub(super) fn with_unit(s: String, unit: Option<&str>) -> String {
    match unit {
        None | Some("none") | Some("null") => s,
        Some("millisecond") => format!("{s}ms"),
        Some("second") => format!("{s}s"),
        Some("byte") => format!("{s}B"),
        Some(u) => format!("{s} {u}"),
    }
}

pub(super) fn cell(v: &Value, ty: Option<&str>, unit: Option<&str>) -> String {
    match v {
        Value::Null => "—".into(),
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            match ty {
                Some("duration" | "size") => with_unit(number(x), unit),
                Some("percentage") => format!("{}%", number(x * 100.0)),
                _ => number(x),
            }
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_like_upstream() {
        assert_eq!(number(1.0), "1");
        assert_eq!(number(1234.567), "1,234.57");
        assert_eq!(number(2_500_000.0), "2.5M");
        assert_eq!(number(0.5), "0.5");
    }
}
