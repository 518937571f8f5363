//! Merchant API v2 wire models (`api.salla.dev/admin/v2`), tolerant of the documented quirks.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use spo_domain::pricing::shelf::Shelf;
use spo_domain::{Currency, Money};

/// A decimal amount that may arrive as a JSON number, a string or `null`, kept as exact text.
///
/// JSON numbers are read as `f64` and written back with Rust's shortest round-trip formatting,
/// which reproduces the literal the server sent for any amount with at most 15 significant digits
/// (property-tested below); the text is then parsed exactly into minor units.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Amount(pub Option<String>);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Ok(Amount(match v {
            serde_json::Value::Null => None,
            serde_json::Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Some(i.to_string())
                } else {
                    n.as_f64().map(|f| f.to_string())
                }
            }
            serde_json::Value::String(s) if s.trim().is_empty() => None,
            serde_json::Value::String(s) => Some(s.trim().to_owned()),
            // Variants send cost as `{amount, currency}` where products send a plain value.
            serde_json::Value::Object(mut o) => match o.remove("amount") {
                Some(inner) => return Amount::deserialize(inner).map_err(serde::de::Error::custom),
                None => None,
            },
            other => return Err(serde::de::Error::custom(format!("expected an amount, got {other}"))),
        }))
    }
}

impl Amount {
    /// The amount in minor units of `currency`; `None` when absent. Amounts with more decimals
    /// than the currency has are rejected, not rounded.
    pub fn to_money(&self, currency: Currency) -> Result<Option<Money>, spo_domain::MoneyError> {
        self.0.as_deref().map(|t| Money::parse_decimal(t, currency)).transpose()
    }
}

/// `{ "amount": 299.5, "currency": "SAR" }` as Salla sends prices in responses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
pub struct MoneyObject {
    /// The amount.
    #[serde(default)]
    pub amount: Amount,
    /// ISO code; absent in some examples (then the store currency applies).
    #[serde(default)]
    pub currency: Option<String>,
}

impl MoneyObject {
    /// Exact money, using `fallback` when the object names no currency.
    pub fn to_money(&self, fallback: Currency) -> Result<Option<Money>, spo_domain::MoneyError> {
        let currency = match self.currency.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Currency::parse(c)?,
            None => fallback,
        };
        self.amount.to_money(currency)
    }
}

/// An integer that may arrive as a number, a numeric string or `null`.
fn loose_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9e15).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("not an integer: {n}"))),
        serde_json::Value::String(s) if s.trim().is_empty() => Ok(None),
        serde_json::Value::String(s) => s.trim().parse().map(Some).map_err(serde::de::Error::custom),
        other => Err(serde::de::Error::custom(format!("expected an integer, got {other}"))),
    }
}

pub(crate) fn required_id_de<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    required_id(d)
}

fn required_id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    loose_i64(d)?.ok_or_else(|| serde::de::Error::custom("missing id"))
}

/// The `pagination` object of list responses (camelCase on the wire). Its `links` member is `{}`
/// in the docs and `[]` in endpoint examples; it is not needed, and unknown members are skipped
/// whatever their type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// Items on this page.
    #[serde(default, deserialize_with = "loose_i64")]
    pub count: Option<i64>,
    /// Items in all pages.
    #[serde(default, deserialize_with = "loose_i64")]
    pub total: Option<i64>,
    /// Page size.
    #[serde(default, deserialize_with = "loose_i64")]
    pub per_page: Option<i64>,
    /// 1-based page number.
    #[serde(default, deserialize_with = "loose_i64")]
    pub current_page: Option<i64>,
    /// Number of pages.
    #[serde(default, deserialize_with = "loose_i64")]
    pub total_pages: Option<i64>,
}

impl Pagination {
    /// True when another page follows.
    pub fn has_next(&self) -> bool {
        matches!((self.current_page, self.total_pages), (Some(c), Some(t)) if c < t)
    }
}

/// A list response: `{ status, success, data: [...], pagination }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Page<T> {
    /// The items.
    pub data: Vec<T>,
    /// Paging information (absent on unpaginated lists).
    #[serde(default)]
    pub pagination: Pagination,
}

/// A category reference inside a product.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CategoryRef {
    /// Salla category id.
    #[serde(deserialize_with = "required_id")]
    pub id: i64,
    /// Name (in the `Accept-Language` language).
    #[serde(default)]
    pub name: Option<String>,
}

/// A product as list and detail responses carry it (only the fields pricing needs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Product {
    /// Salla product id.
    #[serde(deserialize_with = "required_id")]
    pub id: i64,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Stock-keeping unit.
    #[serde(default)]
    pub sku: Option<String>,
    /// GTIN / barcode.
    #[serde(default)]
    pub gtin: Option<String>,
    /// `sale`, `out`, `hidden`, …
    #[serde(default)]
    pub status: Option<String>,
    /// Stock; `null`, a number or a numeric string.
    #[serde(default, deserialize_with = "loose_i64")]
    pub quantity: Option<i64>,
    /// Pre-tax price.
    #[serde(default)]
    pub price: Option<MoneyObject>,
    /// Sale price; amount 0 means no sale.
    #[serde(default)]
    pub sale_price: Option<MoneyObject>,
    /// The regular price, when `price` is the price shoppers pay now (some servers send both).
    #[serde(default)]
    pub regular_price: Option<MoneyObject>,
    /// The sale's last day: `"2026-12-31"`, a date-time text, `{date: …}` or `null`.
    #[serde(default, deserialize_with = "loose_date")]
    pub sale_end: Option<String>,
    /// Cost: a plain value here, not a money object.
    #[serde(default)]
    pub cost_price: Amount,
    /// Categories.
    #[serde(default)]
    pub categories: Vec<CategoryRef>,
    /// Options; a product with options has variants.
    #[serde(default)]
    pub options: Vec<ProductOption>,
    /// Last change at Salla.
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl Product {
    /// The regular price and the sale (with its last day) as exact minor units in `currency`
    /// (used when the objects name none); `None` when the product has no price.
    pub fn shelf(&self, currency: Currency) -> Result<Option<Shelf>, spo_domain::MoneyError> {
        let minor = |m: &Option<MoneyObject>| -> Result<Option<i64>, spo_domain::MoneyError> {
            Ok(match m {
                Some(m) => m.to_money(currency)?.map(|m| m.minor),
                None => None,
            })
        };
        let Some(price) = minor(&self.price)? else { return Ok(None) };
        Ok(Some(Shelf::from_salla(
            price,
            minor(&self.regular_price)?,
            minor(&self.sale_price)?,
            self.sale_end.as_deref(),
        )))
    }
}

/// A date that may arrive as text, as `{date: "…"}` or as `null`.
fn loose_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        serde_json::Value::Object(o) => o.get("date").and_then(|v| v.as_str()).map(|s| s.trim().to_owned()),
        _ => None,
    })
}

/// A tax the store charges (`GET /taxes`): its rate in percent, its status and country.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Tax {
    /// Salla id.
    #[serde(default, deserialize_with = "loose_i64")]
    pub id: Option<i64>,
    /// Rate in percent (`"15.00"`, `15` or `15.0`).
    #[serde(default)]
    pub tax: Amount,
    /// `active` or `inactive`.
    #[serde(default)]
    pub status: Option<String>,
    /// Country (code or name).
    #[serde(default)]
    pub country: Option<serde_json::Value>,
}

impl Tax {
    /// The rate in basis points (15 % = 1500), exactly; `None` when unreadable or out of 0–100 %.
    pub fn rate_bps(&self) -> Option<u32> {
        let text = self.tax.0.as_deref()?;
        // Percent with at most two decimals is basis points exactly.
        let m = Money::parse_decimal(text, Currency::SAR).ok()?;
        u32::try_from(m.minor).ok().filter(|b| *b <= 10_000)
    }

    /// Active (or says nothing about it).
    pub fn is_active(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s.eq_ignore_ascii_case("active"))
    }
}

/// A product option (size, colour…); products with options have variants.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProductOption {
    /// Option name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A variant (SKU) of a product (`/products/{id}/variants`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Variant {
    /// Salla variant id.
    #[serde(deserialize_with = "required_id")]
    pub id: i64,
    /// SKU.
    #[serde(default)]
    pub sku: Option<String>,
    /// GTIN.
    #[serde(default)]
    pub gtin: Option<String>,
    /// Barcode.
    #[serde(default)]
    pub barcode: Option<String>,
    /// Pre-tax price.
    #[serde(default)]
    pub price: Option<MoneyObject>,
    /// Sale price; amount 0 means no sale.
    #[serde(default)]
    pub sale_price: Option<MoneyObject>,
    /// Cost (a money object here, a plain value on products; both are read).
    #[serde(default)]
    pub cost_price: Amount,
    /// Stock.
    #[serde(default, deserialize_with = "loose_i64")]
    pub stock_quantity: Option<i64>,
}

/// An order's date: `{date: "2026-11-20 14:03:00.000000", timezone: "Asia/Riyadh"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrderDate {
    /// Local date and time.
    pub date: String,
    /// IANA zone name.
    #[serde(default)]
    pub timezone: Option<String>,
}

/// An order status.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrderStatus {
    /// Slug (`completed`, `canceled`, …).
    #[serde(default)]
    pub slug: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
}

/// An order as the list returns it (the short form; lines come from `/orders/items`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Order {
    /// Salla order id.
    #[serde(deserialize_with = "required_id")]
    pub id: i64,
    /// Shopper-facing reference.
    #[serde(default, deserialize_with = "loose_i64")]
    pub reference_id: Option<i64>,
    /// Total with tax and shipping.
    #[serde(default)]
    pub total: Option<MoneyObject>,
    /// When it was placed.
    pub date: OrderDate,
    /// Status.
    #[serde(default)]
    pub status: Option<OrderStatus>,
}

/// Amounts of an order line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
pub struct OrderItemAmounts {
    /// Unit price before tax.
    #[serde(default)]
    pub price_without_tax: Option<MoneyObject>,
    /// Line total.
    #[serde(default)]
    pub total: Option<MoneyObject>,
}

/// A line of an order (`/orders/items?order_id=`). It carries no product id: join on SKU.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrderItem {
    /// Salla item id.
    #[serde(deserialize_with = "required_id")]
    pub id: i64,
    /// Product name at the time of the order.
    #[serde(default)]
    pub name: String,
    /// SKU sold.
    #[serde(default)]
    pub sku: Option<String>,
    /// Units.
    #[serde(default, deserialize_with = "loose_i64")]
    pub quantity: Option<i64>,
    /// Currency of the amounts.
    #[serde(default)]
    pub currency: Option<String>,
    /// Amounts.
    #[serde(default)]
    pub amounts: OrderItemAmounts,
}

/// A single-object response: `{ status, success, data: {...} }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct One<T> {
    /// The object.
    pub data: T,
}

/// The error envelope: `{ status, success: false, error: { code, message, fields } }`, or the bare
/// OAuth shape `{ error, error_description }` that refresh-token reuse returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status as the body reports it (0 when absent).
    pub status: u16,
    /// `error.code` (a string or a number on the wire) or the OAuth `error`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Per-field validation messages.
    pub fields: BTreeMap<String, Vec<String>>,
}

impl ApiError {
    /// What went wrong in words: the refused fields and why (`price: must be a number`) when the
    /// answer lists them, otherwise the message; Salla's translation keys (`alert.invalid_fields`)
    /// are not shown as if they were words.
    pub fn describe(&self) -> String {
        if !self.fields.is_empty() {
            let fields: Vec<String> =
                self.fields.iter().map(|(field, why)| format!("{field}: {}", why.join("; "))).collect();
            return format!("refused fields: {}", fields.join(" | "));
        }
        let message = self.message.trim();
        let is_key = !message.contains(' ') && message.contains('.') && message.is_ascii();
        if is_key {
            // `alert.invalid_fields` → "invalid fields".
            let words = message.rsplit('.').next().unwrap_or(message).replace('_', " ");
            return format!("{words} (no details given)");
        }
        if message.is_empty() {
            return if self.code.is_empty() { "no details given".into() } else { format!("error {}", self.code) };
        }
        message.to_owned()
    }

    /// Reads an error body; `None` when it is not one of the documented shapes.
    pub fn parse(body: &str) -> Option<ApiError> {
        let v: serde_json::Value = serde_json::from_str(body).ok()?;
        let status =
            v.get("status").and_then(serde_json::Value::as_u64).and_then(|s| u16::try_from(s).ok()).unwrap_or(0);
        match v.get("error")? {
            serde_json::Value::Object(e) => {
                let code = match e.get("code") {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(serde_json::Value::Number(n)) => n.to_string(),
                    _ => String::new(),
                };
                let message = e.get("message").and_then(|m| m.as_str()).unwrap_or_default().to_owned();
                let fields = e
                    .get("fields")
                    .and_then(|f| f.as_object())
                    .map(|f| {
                        f.iter()
                            .map(|(k, msgs)| {
                                let list = match msgs {
                                    serde_json::Value::Array(a) => {
                                        a.iter().filter_map(|m| m.as_str().map(str::to_owned)).collect()
                                    }
                                    serde_json::Value::String(s) => vec![s.clone()],
                                    _ => Vec::new(),
                                };
                                (k.clone(), list)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Some(ApiError { status, code, message, fields })
            }
            serde_json::Value::String(code) => Some(ApiError {
                status,
                code: code.clone(),
                message: v.get("error_description").and_then(|d| d.as_str()).unwrap_or_default().to_owned(),
                fields: BTreeMap::new(),
            }),
            _ => None,
        }
    }

    /// True for the OAuth `invalid_grant` (used or revoked refresh token / code).
    pub fn is_invalid_grant(&self) -> bool {
        self.code == "invalid_grant"
    }
}

#[cfg(test)]
mod tax_tests {
    use super::Tax;

    #[test]
    fn tax_rates_read_exactly_in_any_form() {
        for (json, bps) in [
            (r#"{"tax":"15.00","status":"active"}"#, Some(1500)),
            (r#"{"tax":15}"#, Some(1500)),
            (r#"{"tax":5.5}"#, Some(550)),
            (r#"{"tax":"abc"}"#, None),
            (r#"{"tax":"150"}"#, None),
        ] {
            let t: Tax = serde_json::from_str(json).expect("json");
            assert_eq!(t.rate_bps(), bps, "{json}");
        }
        let t: Tax = serde_json::from_str(r#"{"tax":"15","status":"inactive"}"#).expect("json");
        assert!(!t.is_active());
    }
}

#[cfg(test)]
mod describe_tests {
    use super::ApiError;

    #[test]
    fn a_422_names_each_field_and_why() {
        let body = r#"{"status":422,"success":false,"error":{"code":"error","message":"alert.invalid_fields",
            "fields":{"price":["السعر يجب أن يكون رقمًا"],"sale_price":["must be below the price"]}}}"#;
        let e = ApiError::parse(body).expect("envelope");
        assert_eq!(e.describe(), "refused fields: price: السعر يجب أن يكون رقمًا | sale_price: must be below the price");
        let e =
            ApiError::parse(r#"{"status":422,"error":{"code":"error","message":"alert.invalid_fields"}}"#).expect("e");
        assert_eq!(e.describe(), "invalid fields (no details given)");
        let e =
            ApiError::parse(r#"{"status":404,"error":{"code":404,"message":"The product is no longer available"}}"#)
                .expect("e");
        assert_eq!(e.describe(), "The product is no longer available");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn product_with_documented_quirks() {
        let body = r#"{
          "status": 200, "success": true,
          "data": [
            {"id": 1623458, "name": "قهوة عربية", "sku": "CF-1", "status": "sale", "quantity": "50",
             "price": {"amount": 299.85, "currency": "SAR"}, "sale_price": {"amount": 0, "currency": "SAR"},
             "cost_price": "35", "categories": [{"id": "77", "name": "قهوة"}], "unknown_field": {"x": 1}},
            {"id": "99", "name": "Mug", "quantity": null, "price": {"amount": "15.5"}, "cost_price": null}
          ],
          "pagination": {"count": 2, "total": 3, "perPage": 2, "currentPage": 1, "totalPages": 2, "links": []}
        }"#;
        let page: Page<Product> = serde_json::from_str(body).expect("parse");
        assert!(page.pagination.has_next());
        let p = &page.data[0];
        assert_eq!(p.quantity, Some(50));
        assert_eq!(
            p.price.as_ref().expect("price").to_money(Currency::SAR),
            Ok(Some(Money::from_minor(29_985, Currency::SAR)))
        );
        assert_eq!(p.cost_price.to_money(Currency::SAR), Ok(Some(Money::from_minor(3_500, Currency::SAR))));
        assert_eq!(p.categories[0].id, 77);
        let q = &page.data[1];
        assert_eq!((q.id, q.quantity), (99, None));
        assert_eq!(
            q.price.as_ref().expect("price").to_money(Currency::SAR),
            Ok(Some(Money::from_minor(1_550, Currency::SAR)))
        );
        assert_eq!(q.cost_price.to_money(Currency::SAR), Ok(None));
        let last: Pagination =
            serde_json::from_str(r#"{"currentPage": 2, "totalPages": 2, "links": {}}"#).expect("links as object");
        assert!(!last.has_next());
    }

    #[test]
    fn variants_orders_and_items() {
        let v: Page<Variant> = serde_json::from_str(
            r#"{"data":[{"id":"5","sku":"AB-1","price":{"amount":320,"currency":"SAR"},
                "sale_price":{"amount":0,"currency":"SAR"},"cost_price":{"amount":"176.5","currency":"SAR"},
                "stock_quantity":"7","related_option_values":[1]}],"pagination":{"links":{}}}"#,
        )
        .expect("variants");
        assert_eq!(v.data[0].cost_price.to_money(Currency::SAR), Ok(Some(Money::from_minor(17_650, Currency::SAR))));
        assert_eq!(v.data[0].stock_quantity, Some(7));
        let o: Page<Order> = serde_json::from_str(
            r#"{"data":[{"id":90000001,"reference_id":"1000001","total":{"amount":57.5,"currency":"SAR"},
                "date":{"date":"2026-05-29 21:13:07.000000","timezone_type":3,"timezone":"Asia/Riyadh"},
                "status":{"id":1,"name":"مكتمل","slug":"completed","customized":{"id":1}},
                "items":[{"name":"x","quantity":1,"thumbnail":null}]}]}"#,
        )
        .expect("orders");
        assert_eq!(o.data[0].status.as_ref().and_then(|s| s.slug.as_deref()), Some("completed"));
        let items: Page<OrderItem> = serde_json::from_str(
            r#"{"data":[{"id":1,"name":"قهوة","sku":"CF-1","quantity":2,"currency":"SAR",
                "amounts":{"price_without_tax":{"amount":45,"currency":"SAR"},"total_discount":{"amount":0},
                "tax":{"percent":"15.00","amount":{"amount":13.5,"currency":"SAR"}},
                "total":{"amount":103.5,"currency":"SAR"}},"options":[],"weight":0.5}]}"#,
        )
        .expect("items");
        let unit = items.data[0].amounts.price_without_tax.as_ref().expect("unit").to_money(Currency::SAR);
        assert_eq!(unit, Ok(Some(Money::from_minor(4_500, Currency::SAR))));
    }

    #[test]
    fn amounts_with_too_many_decimals_are_rejected_not_rounded() {
        let a: Amount = serde_json::from_str("10.005").expect("parse");
        assert!(a.to_money(Currency::SAR).is_err());
    }

    #[test]
    fn error_envelopes() {
        let validation = r#"{"status":422,"success":false,"error":{"code":"error","message":"alert.invalid_fields","fields":{"price":["The price must be a number."]}}}"#;
        let e = ApiError::parse(validation).expect("parse");
        assert_eq!((e.status, e.code.as_str()), (422, "error"));
        assert_eq!(e.fields["price"], vec!["The price must be a number.".to_owned()]);
        let numeric = r#"{"success":false,"status":404,"error":{"code":404,"message":"no longer available"}}"#;
        assert_eq!(ApiError::parse(numeric).expect("parse").code, "404");
        let oauth = r#"{"error":"invalid_grant","error_description":"The refresh token was already used"}"#;
        let e = ApiError::parse(oauth).expect("parse");
        assert!(e.is_invalid_grant());
        assert_eq!(e.message, "The refresh token was already used");
        assert_eq!(ApiError::parse(r#"{"data": []}"#), None);
        assert_eq!(ApiError::parse("<html>502</html>"), None);
    }

    proptest! {
        /// A JSON number with two decimals survives the f64 round trip exactly.
        #[test]
        fn json_number_amounts_are_exact(minor in 0i64..10_000_000_000_000) {
            let m = Money::from_minor(minor, Currency::SAR);
            let json = m.to_decimal_string();
            let a: Amount = serde_json::from_str(&json).expect("json number");
            prop_assert_eq!(a.to_money(Currency::SAR), Ok(Some(m)));
        }
    }
}
