//! What a product's page at Salla shows: its regular price and, while a sale runs, a sale price.
//!
//! A decision writes exactly one of the two ([`PriceField`]) and never the other as a side effect:
//! while a sale runs, the product is priced against its sale price and the decision writes
//! `sale_price` (kept below the regular price); otherwise it writes `price`. Dates are the store's
//! local calendar days as `YYYY-MM-DD` text, compared as text (a sale's end day is included).

use serde::{Deserialize, Serialize};

/// Which of a product's prices a decision writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PriceField {
    /// The regular price (Salla's `price`).
    #[default]
    Price,
    /// The sale price (Salla's `sale_price`), while a sale runs.
    SalePrice,
}

impl PriceField {
    /// The stored and wire name (`price`, `sale_price`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Price => "price",
            Self::SalePrice => "sale_price",
        }
    }
}

impl TryFrom<String> for PriceField {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "price" => Ok(Self::Price),
            "sale_price" => Ok(Self::SalePrice),
            other => Err(format!("unknown price field {other:?}")),
        }
    }
}

/// A product's prices as Salla shows them (minor units, before VAT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shelf {
    /// The regular price.
    pub regular_minor: i64,
    /// The sale price, when one is set (it counts only while [`Shelf::active_sale`] says so).
    pub sale_minor: Option<i64>,
    /// The sale's last day (`YYYY-MM-DD`, included); none: until the merchant ends it.
    pub sale_end: Option<String>,
}

impl Shelf {
    /// Reads Salla's fields, which servers fill in two ways: `price` as the regular price with
    /// `sale_price` beside it, or `price` as the price the shopper pays now with the regular price
    /// in `regular_price`. Either way the regular price is `regular_price` when given, else
    /// `price`; a sale is a positive `sale_price` below it (or, with no `sale_price`, a `price`
    /// below `regular_price`).
    pub fn from_salla(price: i64, regular_price: Option<i64>, sale_price: Option<i64>, sale_end: Option<&str>) -> Self {
        let regular = regular_price.filter(|r| *r > 0).unwrap_or(price);
        let sale = match sale_price.filter(|s| *s > 0) {
            Some(s) => Some(s),
            None if price > 0 && price < regular => Some(price),
            None => None,
        }
        .filter(|s| *s < regular);
        Self { regular_minor: regular, sale_minor: sale, sale_end: sale.and(day_of(sale_end)) }
    }

    /// The sale price when a sale runs on `today` (`YYYY-MM-DD`): set, below the regular price
    /// and not past its last day.
    pub fn active_sale(&self, today: &str) -> Option<i64> {
        let s = self.sale_minor.filter(|s| *s > 0 && *s < self.regular_minor)?;
        match &self.sale_end {
            Some(end) if end.as_str() < today => None,
            _ => Some(s),
        }
    }

    /// The price shoppers pay on `today` and the field that holds it.
    pub fn current(&self, today: &str) -> (PriceField, i64) {
        match self.active_sale(today) {
            Some(s) => (PriceField::SalePrice, s),
            None => (PriceField::Price, self.regular_minor),
        }
    }

    /// The amount in `field` (0 for a sale price that is not set).
    pub fn get(&self, field: PriceField) -> i64 {
        match field {
            PriceField::Price => self.regular_minor,
            PriceField::SalePrice => self.sale_minor.unwrap_or(0),
        }
    }
}

/// The `YYYY-MM-DD` day at the start of a date or date-time text (`2026-12-31 23:59:59` too).
fn day_of(text: Option<&str>) -> Option<String> {
    let t = text?.trim();
    let day = t.get(..10)?;
    let b = day.as_bytes();
    let ok = b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
    ok.then(|| day.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn price_is_the_regular_price_beside_a_sale_price() {
        let s = Shelf::from_salla(61_222, None, Some(47_140), Some("2026-12-31"));
        assert_eq!(s.regular_minor, 61_222);
        assert_eq!(s.current("2026-12-03"), (PriceField::SalePrice, 47_140));
        assert_eq!(s.current("2026-12-31"), (PriceField::SalePrice, 47_140), "the last day is included");
        assert_eq!(s.current("2027-01-01"), (PriceField::Price, 61_222), "an ended sale does not count");
    }

    #[test]
    fn price_is_the_shoppers_price_beside_regular_price() {
        let s = Shelf::from_salla(47_140, Some(61_222), Some(47_140), None);
        assert_eq!((s.regular_minor, s.sale_minor), (61_222, Some(47_140)));
        // No sale_price field: a price below regular_price is the sale.
        let s = Shelf::from_salla(47_140, Some(61_222), None, Some("2026-12-31 23:59:59"));
        assert_eq!(s.current("2026-12-03"), (PriceField::SalePrice, 47_140));
        assert_eq!(s.sale_end.as_deref(), Some("2026-12-31"));
    }

    #[test]
    fn no_sale_zero_sale_and_sale_not_below_regular() {
        assert_eq!(Shelf::from_salla(10_000, None, Some(0), None).current("2026-12-03"), (PriceField::Price, 10_000));
        assert_eq!(Shelf::from_salla(10_000, None, None, None).sale_minor, None);
        assert_eq!(Shelf::from_salla(10_000, None, Some(12_000), None).sale_minor, None);
        assert_eq!(Shelf::from_salla(10_000, Some(10_000), Some(10_000), None).sale_minor, None);
        assert_eq!(Shelf::from_salla(10_000, None, Some(9_000), Some("soon")).sale_end, None);
    }

    #[test]
    fn price_field_names_round_trip() {
        for f in [PriceField::Price, PriceField::SalePrice] {
            assert_eq!(PriceField::try_from(f.as_str().to_owned()), Ok(f));
        }
        assert!(PriceField::try_from("cost".to_owned()).is_err());
    }

    proptest! {
        #[test]
        fn the_current_price_is_never_above_the_regular_price(
            price in 1i64..10_000_000, regular in proptest::option::of(0i64..10_000_000),
            sale in proptest::option::of(0i64..10_000_000), end_day in 1u8..28, today in 1u8..28,
        ) {
            let end = format!("2026-12-{end_day:02}");
            let s = Shelf::from_salla(price, regular, sale, Some(&end));
            let (field, now) = s.current(&format!("2026-12-{today:02}"));
            prop_assert!(now <= s.regular_minor);
            prop_assert!(now > 0);
            prop_assert_eq!(field == PriceField::SalePrice, now < s.regular_minor);
            prop_assert_eq!(s.get(field), now);
        }
    }
}
