//! schema.org JSON-LD: every `<script type="application/ld+json">` block, walked through `@graph`,
//! arrays, `Product`, `ProductGroup.hasVariant`, `offers` (object or array), `AggregateOffer`
//! (its `offers`, else `lowPrice`) and `priceSpecification`. A block that is not valid JSON is
//! skipped (the next method gets its chance).

use serde_json::Value;

use crate::html::Page;
use crate::{availability, evidence, read_amount, to_minor, Availability, Candidate, ExtractError, Target};

fn types(v: &Value) -> Vec<String> {
    match v.get("@type") {
        Some(Value::String(s)) => vec![s.rsplit('/').next().unwrap_or(s).to_owned()],
        Some(Value::Array(a)) => {
            a.iter().filter_map(Value::as_str).map(|s| s.rsplit('/').next().unwrap_or(s).to_owned()).collect()
        }
        _ => Vec::new(),
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o.get("@id").or_else(|| o.get("name")).and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

fn gtin(v: &Value) -> Option<String> {
    ["gtin", "gtin13", "gtin12", "gtin14", "gtin8", "isbn"].iter().find_map(|k| text(v.get(*k)))
}

/// Every `Product`-like node (including variants of a `ProductGroup`), depth first.
fn products<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| products(i, out)),
        Value::Object(o) => {
            let t = types(v);
            if t.iter().any(|t| t == "Product" || t == "IndividualProduct" || t == "ProductModel") {
                out.push(v);
            }
            if let Some(g) = o.get("@graph") {
                products(g, out);
            }
            if let Some(variants) = o.get("hasVariant") {
                products(variants, out);
            }
            // Some shops nest the product under `mainEntity`. Products in an `ItemList` are other
            // products (related items, a category's listing), never the page's own.
            for key in ["mainEntity", "mainEntityOfPage"] {
                if let Some(inner) = o.get(key) {
                    products(inner, out);
                }
            }
        }
        _ => {}
    }
}

/// One offer as stated: the amount text (and whether it is a machine value), its currency,
/// availability and SKU, and the offer's JSON as evidence.
struct RawOffer {
    amount: String,
    machine: bool,
    currency: Option<String>,
    availability: Option<String>,
    sku: Option<String>,
    evidence: String,
    /// `valueAddedTaxIncluded` of the offer or its price specification.
    vat_included: Option<bool>,
    /// One end of an `AggregateOffer`'s range: never the price of any variant by itself.
    range: bool,
}

/// The offers of a product.
fn offers(offer: &Value, product_avail: Option<&str>, out: &mut Vec<RawOffer>) {
    match offer {
        Value::Array(items) => items.iter().for_each(|o| offers(o, product_avail, out)),
        Value::Object(o) => {
            let t = types(offer);
            let avail = text(o.get("availability")).or_else(|| product_avail.map(str::to_owned));
            let currency = text(o.get("priceCurrency"));
            let sku = text(o.get("sku"));
            let ev = evidence(&offer.to_string());
            let vat = |v: &serde_json::Map<String, Value>| match v.get("valueAddedTaxIncluded") {
                Some(Value::Bool(b)) => Some(*b),
                Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                    "true" | "https://schema.org/true" | "http://schema.org/true" => Some(true),
                    "false" | "https://schema.org/false" | "http://schema.org/false" => Some(false),
                    _ => None,
                },
                _ => None,
            };
            // What the page says of VAT for an amount: the offer's own flag, else that of a price
            // specification stating the same amount (never another entry's).
            let specs: Vec<&serde_json::Map<String, Value>> = match o.get("priceSpecification") {
                Some(Value::Object(m)) => vec![m],
                Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_object()).collect(),
                _ => Vec::new(),
            };
            // Compared as exact decimals (`"100"`, `100.00` and `"100.0"` are one amount).
            let same_amount = |a: Option<&Value>, b: Option<&Value>| {
                let exact = |v: Option<&Value>| {
                    let raw = match v? {
                        Value::Number(n) => n.to_string(),
                        Value::String(s) => s.trim().to_owned(),
                        _ => return None,
                    };
                    let d = read_amount(&raw, true).ok()?.decimal;
                    Some(if d.contains('.') { d.trim_end_matches('0').trim_end_matches('.').to_owned() } else { d })
                };
                exact(a).is_some_and(|x| exact(b) == Some(x))
            };
            let vat_for = |price: Option<&Value>| {
                vat(o).or_else(|| specs.iter().filter(|s| same_amount(s.get("price"), price)).find_map(|s| vat(s)))
            };
            let vat_included = vat_for(o.get("price"));
            let amount = |v: Option<&Value>| -> Option<(String, bool)> {
                match v? {
                    Value::Number(n) => Some((n.to_string(), true)),
                    Value::String(s) if !s.trim().is_empty() => {
                        let machine = s.trim().chars().all(|c| c.is_ascii_digit() || c == '.');
                        Some((s.clone(), machine))
                    }
                    _ => None,
                }
            };
            if t.iter().any(|t| t == "AggregateOffer") {
                if let Some(inner) = o.get("offers") {
                    let before = out.len();
                    offers(inner, avail.as_deref(), out);
                    if out.len() > before {
                        return;
                    }
                }
                // Without its offers, a range is the variants' spread: both ends go in, so that
                // nothing picks the low end as the price (a range with one price is that price).
                let low = amount(o.get("lowPrice")).or_else(|| amount(o.get("price")));
                let high = amount(o.get("highPrice"));
                let ends: Vec<(String, bool)> = match (low, high) {
                    (Some(l), Some(h)) if l != h => vec![l, h],
                    (Some(l), _) => vec![l],
                    (None, Some(h)) => vec![h],
                    (None, None) => Vec::new(),
                };
                let range = ends.len() > 1;
                for (a, m) in ends {
                    out.push(RawOffer {
                        amount: a,
                        machine: m,
                        currency: currency.clone(),
                        availability: avail.clone(),
                        sku: if range { None } else { sku.clone() },
                        evidence: ev.clone(),
                        vat_included,
                        range,
                    });
                }
                return;
            }
            if let Some((a, m)) = amount(o.get("price")) {
                out.push(RawOffer {
                    amount: a,
                    machine: m,
                    currency,
                    availability: avail,
                    sku,
                    evidence: ev,
                    vat_included,
                    range: false,
                });
                return;
            }
            if let Some(spec) = o.get("priceSpecification") {
                let specs: Vec<&Value> = match spec {
                    Value::Array(a) => a.iter().collect(),
                    other => vec![other],
                };
                // The price a shopper pays: a sale price wins over the list price; a struck-through
                // or list price is never it; of the rest, the one with VAT included (what the
                // shelf shows), else the first. Its own VAT flag says which basis it is in.
                let payable = |s: &Value| {
                    text(s.get("priceType"))
                        .is_none_or(|p| !p.contains("ListPrice") && !p.contains("StrikethroughPrice"))
                };
                let spec_vat = |s: &Value| s.as_object().and_then(vat);
                let pick = specs
                    .iter()
                    .find(|s| text(s.get("priceType")).is_some_and(|p| p.contains("SalePrice")))
                    .or_else(|| specs.iter().find(|s| payable(s) && spec_vat(s) == Some(true)))
                    .or_else(|| specs.iter().find(|s| payable(s)))
                    .or(specs.first());
                if let Some(s) = pick {
                    if let Some((a, m)) = amount(s.get("price")) {
                        let currency = text(s.get("priceCurrency")).or(currency);
                        out.push(RawOffer {
                            amount: a,
                            machine: m,
                            currency,
                            availability: avail,
                            sku,
                            evidence: ev,
                            vat_included: spec_vat(s).or_else(|| vat(o)),
                            range: false,
                        });
                    }
                }
            }
        }
        _ => {}
    }
}

pub(crate) fn candidates(page: &Page, target: &Target) -> Result<Vec<Candidate>, ExtractError> {
    let mut out = Vec::new();
    let mut first_error = None;
    for block in page.json_ld_blocks() {
        // Invalid JSON-LD is common; skip the block, keep looking.
        let Ok(v) = serde_json::from_str::<Value>(block.trim()) else { continue };
        let mut found = Vec::new();
        products(&v, &mut found);
        for p in found {
            let avail = text(p.get("availability"));
            let mut list = Vec::new();
            if let Some(o) = p.get("offers") {
                offers(o, avail.as_deref(), &mut list);
            }
            for offer in list {
                let parsed = read_amount(&offer.amount, offer.machine)
                    .and_then(|price| to_minor(&price, offer.currency.as_deref(), target));
                match parsed {
                    Ok((amount_minor, currency)) => out.push(Candidate {
                        amount_minor,
                        currency,
                        availability: offer.availability.as_deref().map_or(Availability::Unknown, availability),
                        evidence: offer.evidence,
                        sku: if offer.range { None } else { offer.sku.or_else(|| text(p.get("sku"))) },
                        gtin: if offer.range { None } else { gtin(p) },
                        name: if offer.range { None } else { text(p.get("name")) },
                        vat_included: offer.vat_included,
                    }),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
        }
    }
    match (out.is_empty(), first_error) {
        (true, Some(e)) => Err(e),
        _ => Ok(out),
    }
}
