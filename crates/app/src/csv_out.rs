//! The one CSV writer of every export (data exports, competitor pages): cells that a spreadsheet
//! would run as a formula are neutralised (OWASP "CSV injection"), plain numbers are kept.

use crate::{AppError, Result};

/// A cell safe to open in a spreadsheet: text starting like a formula (`=`, `+`, `-`, `@`, tab,
/// carriage return) is prefixed with an apostrophe; a plain decimal number such as `-10.00` is
/// left alone.
pub(crate) fn safe_cell(s: &str) -> std::borrow::Cow<'_, str> {
    let number = {
        let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
        let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
        !int.is_empty()
            && int.bytes().all(|b| b.is_ascii_digit())
            && !frac.is_empty()
            && frac.bytes().all(|b| b.is_ascii_digit())
    };
    if !number && s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Writes `header` and `rows` as CSV into `out`, every cell through [`safe_cell`].
pub(crate) fn write<W: std::io::Write, R: AsRef<str>>(
    out: W,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<R>>,
) -> Result<W> {
    let bad = |e: csv::Error| AppError::Internal(format!("CSV: {e}"));
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header).map_err(bad)?;
    for row in rows {
        w.write_record(row.iter().map(|c| safe_cell(c.as_ref()).into_owned())).map_err(bad)?;
    }
    w.into_inner().map_err(|e| AppError::Internal(format!("CSV: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        for (cell, out) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1+cmd", "'+1+cmd"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("-10.00", "-10.00"),
            ("149.95", "149.95"),
            ("-", "'-"),
            ("قهوة", "قهوة"),
            ("https://a.sa/p?x=1", "https://a.sa/p?x=1"),
        ] {
            assert_eq!(safe_cell(cell), out, "{cell:?}");
        }
    }

    #[test]
    fn every_cell_goes_through_the_guard() {
        let bytes = write(Vec::new(), &["a", "b"], [vec!["=1+1", "ok"], vec!["x", "@y"]]).expect("csv");
        assert_eq!(String::from_utf8(bytes).expect("utf-8"), "a,b\n'=1+1,ok\nx,'@y\n");
    }
}
