//! Exact money: integer minor units (halalas for SAR) plus an ISO 4217 currency.
//!
//! Prices never pass through floating point on their way to a store. Parsing and formatting are
//! exact and round-trip (property-tested below).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Errors from building or combining [`Money`] values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a three-letter upper-case ISO 4217 code.
    #[error("invalid currency code {0:?}: expected three letters such as SAR")]
    InvalidCurrency(String),
    /// The amount text is not a plain decimal with at most the currency's minor digits.
    #[error("invalid amount {text:?} for {currency}: {reason}")]
    InvalidAmount {
        /// The text given.
        text: String,
        /// Its currency.
        currency: Currency,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// Two amounts of different currencies were combined.
    #[error("currency mismatch: {0} vs {1}")]
    CurrencyMismatch(Currency, Currency),
    /// The result does not fit in 64 bits of minor units.
    #[error("amount out of range")]
    Overflow,
}

/// An ISO 4217 currency code, stored as three ASCII upper-case letters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Saudi riyal, the currency of Salla stores.
    pub const SAR: Currency = Currency(*b"SAR");

    /// Parses a three-letter code; lower case is accepted and upper-cased.
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let bytes = code.trim().as_bytes();
        match bytes {
            [a, b, c] if bytes.iter().all(u8::is_ascii_alphabetic) => {
                Ok(Currency([a.to_ascii_uppercase(), b.to_ascii_uppercase(), c.to_ascii_uppercase()]))
            }
            _ => Err(MoneyError::InvalidCurrency(code.to_owned())),
        }
    }

    /// The code as text.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).expect("BUG: Currency holds ASCII letters only")
    }

    /// Number of minor-unit digits (ISO 4217 exponent). Gulf dinars and a few others use 3, the
    /// yen-like currencies 0, everything else 2.
    pub fn minor_digits(&self) -> u32 {
        match self.code() {
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "XAF" | "XOF" | "PYG" | "RWF" => 0,
            _ => 2,
        }
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> Self {
        c.code().to_owned()
    }
}

/// An exact amount of money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Amount in minor units (halalas for SAR). May be negative (differences, refunds).
    pub minor: i64,
    /// Its currency.
    pub currency: Currency,
}

impl Money {
    /// Builds an amount from minor units.
    pub const fn from_minor(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Parses a plain decimal such as `"149.95"`, `"-3"` or `"0.5"` with at most the currency's
    /// minor digits. No thousands separators, no exponent, no rounding: anything else is an error.
    pub fn parse_decimal(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let err = |reason| MoneyError::InvalidAmount { text: text.to_owned(), currency, reason };
        let t = text.trim();
        let (negative, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("expected digits before the decimal point"));
        }
        if body.contains('.') && frac_part.is_empty() {
            return Err(err("expected digits after the decimal point"));
        }
        if !frac_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("expected digits after the decimal point"));
        }
        let digits = currency.minor_digits();
        if frac_part.len() > digits as usize {
            return Err(err("more decimal places than the currency has"));
        }
        let scale = 10_i64.pow(digits);
        let whole: i64 = int_part.parse().map_err(|_| MoneyError::Overflow)?;
        let mut frac: i64 =
            if frac_part.is_empty() { 0 } else { frac_part.parse().map_err(|_| MoneyError::Overflow)? };
        for _ in frac_part.len()..digits as usize {
            frac *= 10;
        }
        let abs = whole.checked_mul(scale).and_then(|w| w.checked_add(frac)).ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(if negative { -abs } else { abs }, currency))
    }

    /// The amount as a plain decimal with exactly the currency's minor digits (`"149.95"`).
    pub fn to_decimal_string(&self) -> String {
        let digits = self.currency.minor_digits();
        let abs = self.minor.unsigned_abs();
        let sign = if self.minor < 0 { "-" } else { "" };
        if digits == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10_u64.pow(digits);
        format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = digits as usize)
    }

    /// Sum of two amounts of the same currency.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    /// Difference of two amounts of the same currency.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_sub(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    /// The amount with a rate in basis points added (e.g. VAT 15 % = 1500 bps), rounded half away
    /// from zero to the nearest minor unit.
    pub fn plus_rate_bps(self, bps: u32) -> Result<Money, MoneyError> {
        let num = i128::from(self.minor) * (10_000 + i128::from(bps));
        let rounded = div_round_half_away(num, 10_000);
        let minor = i64::try_from(rounded).map_err(|_| MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    /// The amount with a rate in basis points taken out (a VAT-inclusive shelf price to the price
    /// before VAT: 115.00 at 15 % is 100.00), rounded half away from zero. The inverse of
    /// [`Money::plus_rate_bps`]: adding the rate to the result gives the amount back whenever the
    /// amount came from adding it.
    pub fn minus_rate_bps(self, bps: u32) -> Money {
        let num = i128::from(self.minor) * 10_000;
        let minor = div_round_half_away(num, 10_000 + i128::from(bps));
        // |result| <= |minor|: always in range.
        Money::from_minor(i64::try_from(minor).unwrap_or(self.minor), self.currency)
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }
}

fn div_round_half_away(num: i128, den: i128) -> i128 {
    let q = num / den;
    let r = num % den;
    if 2 * r.abs() >= den {
        q + num.signum()
    } else {
        q
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sar(minor: i64) -> Money {
        Money::from_minor(minor, Currency::SAR)
    }

    #[test]
    fn parses_exact_decimals() {
        assert_eq!(Money::parse_decimal("149.95", Currency::SAR), Ok(sar(14_995)));
        assert_eq!(Money::parse_decimal("149.9", Currency::SAR), Ok(sar(14_990)));
        assert_eq!(Money::parse_decimal("7", Currency::SAR), Ok(sar(700)));
        assert_eq!(Money::parse_decimal("-0.05", Currency::SAR), Ok(sar(-5)));
        let kwd = Currency::parse("kwd").expect("valid");
        assert_eq!(Money::parse_decimal("1.250", kwd), Ok(Money::from_minor(1250, kwd)));
    }

    #[test]
    fn rejects_what_it_would_have_to_guess() {
        for bad in ["", ".5", "1.", "1,299", "1.299", "1e3", "12.3.4", "--1", "١٢", "NaN", " - 1"] {
            assert!(Money::parse_decimal(bad, Currency::SAR).is_err(), "{bad:?} must be rejected");
        }
        assert_eq!(Money::parse_decimal("99999999999999999999", Currency::SAR), Err(MoneyError::Overflow));
    }

    #[test]
    fn currency_codes() {
        assert_eq!(Currency::parse("sar"), Ok(Currency::SAR));
        assert!(Currency::parse("SA").is_err());
        assert!(Currency::parse("SAR1").is_err());
        assert!(Currency::parse("ر.س").is_err());
        assert_eq!(Currency::parse("JPY").expect("valid").minor_digits(), 0);
    }

    #[test]
    fn vat_rounds_half_away_from_zero() {
        // 100.00 + 15 % = 115.00
        assert_eq!(sar(10_000).plus_rate_bps(1500), Ok(sar(11_500)));
        // 0.03 * 1.15 = 0.0345 -> 0.03 ; 0.10 * 1.15 = 0.115 -> 0.12
        assert_eq!(sar(3).plus_rate_bps(1500), Ok(sar(3)));
        assert_eq!(sar(10).plus_rate_bps(1500), Ok(sar(12)));
        assert_eq!(sar(-10).plus_rate_bps(1500), Ok(sar(-12)));
    }

    #[test]
    fn vat_comes_out_of_shelf_prices() {
        assert_eq!(sar(11_500).minus_rate_bps(1500), sar(10_000));
        assert_eq!(sar(14_895).minus_rate_bps(1500), sar(12_952));
        assert_eq!(sar(1).minus_rate_bps(1500), sar(1));
        assert_eq!(sar(5_000).minus_rate_bps(0), sar(5_000));
    }

    #[test]
    fn mixing_currencies_is_an_error() {
        let usd = Money::from_minor(1, Currency::parse("USD").expect("valid"));
        assert!(matches!(sar(1).checked_add(usd), Err(MoneyError::CurrencyMismatch(..))));
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(minor in any::<i64>().prop_filter("abs fits", |m| *m != i64::MIN), code in prop::sample::select(vec!["SAR", "KWD", "JPY", "USD"])) {
            let c = Currency::parse(code).expect("valid");
            let m = Money::from_minor(minor, c);
            prop_assert_eq!(Money::parse_decimal(&m.to_decimal_string(), c), Ok(m));
        }

        #[test]
        fn add_then_sub_is_identity(a in -1_000_000_000_000i64..1_000_000_000_000, b in -1_000_000_000_000i64..1_000_000_000_000) {
            let sum = sar(a).checked_add(sar(b)).expect("in range");
            prop_assert_eq!(sum.checked_sub(sar(b)), Ok(sar(a)));
        }

        #[test]
        fn taking_vat_out_undoes_adding_it(p in 0i64..1_000_000_000_000, bps in 0u32..10_000, q in 0i64..1_000_000_000_000) {
            let shelf = sar(p).plus_rate_bps(bps).expect("in range");
            prop_assert_eq!(shelf.minus_rate_bps(bps), sar(p));
            // Monotonic, and never more than the shelf price.
            let (lo, hi) = if p <= q { (p, q) } else { (q, p) };
            prop_assert!(sar(lo).minus_rate_bps(bps).minor <= sar(hi).minus_rate_bps(bps).minor);
            prop_assert!(sar(q).minus_rate_bps(bps).minor <= q);
        }

        #[test]
        fn vat_is_monotonic_and_close(a in 0i64..10_000_000_000, b in 0i64..10_000_000_000, bps in 0u32..10_000) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let vlo = sar(lo).plus_rate_bps(bps).expect("in range").minor;
            let vhi = sar(hi).plus_rate_bps(bps).expect("in range").minor;
            prop_assert!(vlo <= vhi);
            // within half a minor unit of the exact value
            let exact = i128::from(lo) * (10_000 + i128::from(bps));
            prop_assert!((i128::from(vlo) * 10_000 - exact).abs() <= 5_000);
        }
    }
}
