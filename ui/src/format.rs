//! Formatting and parsing helpers shared by several screens (no component, no backend call).

use crate::i18n::{tr, T};

/// "On sale until 2026-12-31" / "On sale" (the date left to right inside Arabic text).
pub fn sale_label(lang: spo_ipc::Language, end: Option<&str>) -> String {
    match end {
        Some(day) => format!("{} \u{2066}{day}\u{2069}", tr(lang, T::OnSaleUntil)),
        None => tr(lang, T::OnSale).to_owned(),
    }
}

/// A size in bytes in binary units (`10 KiB` and up).
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n;
    let mut unit = 0;
    while value >= 1024 * 10 && unit < UNITS.len() - 1 {
        value /= 1024;
        unit += 1;
    }
    format!("{value} {}", UNITS[unit])
}

/// `"1.5"` (percent) → 150 basis points, exactly; at most two decimals, optional minus sign.
pub fn percent_to_bps(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let bps = whole.parse::<i64>().ok()?.checked_mul(100)?.checked_add(format!("{frac:0<2}").parse::<i64>().ok()?)?;
    Some(if neg { -bps } else { bps })
}

/// Seconds between two RFC 3339 times (`None` when either does not read).
pub(crate) fn duration_secs(start: &str, end: Option<&str>) -> Option<f64> {
    let ms = |t: &str| {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(t)).get_time();
        (!d.is_nan()).then_some(d)
    };
    Some((ms(end?)? - ms(start)?) / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percents_are_read_exactly() {
        assert_eq!(percent_to_bps("1"), Some(100));
        assert_eq!(percent_to_bps(" 1.5 "), Some(150));
        assert_eq!(percent_to_bps("0.05"), Some(5));
        assert_eq!(percent_to_bps("-2"), Some(-200));
        assert_eq!(percent_to_bps("1.005"), None);
        assert_eq!(percent_to_bps("abc"), None);
        assert_eq!(percent_to_bps(""), None);
    }
}
