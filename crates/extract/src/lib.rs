//! Competitor price extraction: HTML in, an exact price with its evidence out. Pure: no IO, no
//! clock, no network. Everything in a page is untrusted data: the extractor only ever reads
//! numbers, currencies and availability out of it, and nothing in a page can change what it does.
//!
//! Order of methods, most trustworthy first: JSON-LD (`Product`, `ProductGroup` with `hasVariant`,
//! `Offer`, `AggregateOffer`, offers arrays, `@graph`, `priceSpecification`), microdata,
//! OpenGraph / product meta tags, a per-domain CSS selector set by the user, then a low-confidence
//! scan of the visible text that ignores crossed-out old prices, instalment offers and
//! related-product carousels. The right variant is picked by SKU, GTIN or option text; when a page
//! offers several prices and nothing says which one is meant, the answer is "ambiguous", not a
//! guess.
#![deny(missing_docs)]

mod html;
mod jsonld;
pub mod number;

use spo_domain::Currency;

pub use number::{parse_price, Convention, NumberError, PriceText};

pub use spo_domain::competitors::{Availability, Method};

/// Which offer on the page is ours to compare with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// SKU of the competitor's variant.
    pub sku: Option<String>,
    /// GTIN / barcode.
    pub gtin: Option<String>,
    /// Option text (size, colour) that names the variant.
    pub option_text: Option<String>,
    /// CSS selector of the price element for this domain.
    pub selector: Option<String>,
    /// Currency to assume when the page names none (only for methods that give bare numbers).
    pub default_currency: Option<Currency>,
}

/// A price found on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Extraction {
    /// Amount in minor units of `currency`.
    pub amount_minor: i64,
    /// Currency the page states (never silently assumed SAR).
    pub currency: Currency,
    /// Stock status.
    pub availability: Availability,
    /// How it was found.
    pub method: Method,
    /// 0–1: how much to trust it.
    pub confidence: f32,
    /// What the page said (under 1 KiB), for the merchant to check.
    pub evidence: String,
    /// Whether the amount includes VAT: true unless the page says otherwise (schema.org
    /// `valueAddedTaxIncluded: false`); shops show shoppers VAT-inclusive prices.
    pub vat_included: bool,
}

/// Why no price came out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// No method found a price (for example, a price rendered by JavaScript only).
    #[error("no price found on the page")]
    NoPrice,
    /// Several different prices and nothing to say which is the product's.
    #[error("several prices on the page ({0}); set the SKU, GTIN, option or a CSS selector")]
    Ambiguous(String),
    /// A price was found but could not be read exactly.
    #[error("unreadable price: {0}")]
    Unreadable(String),
    /// The price names no currency and none was given.
    #[error("the page does not say which currency {0} is in")]
    NoCurrency(String),
    /// The user's CSS selector is not valid CSS.
    #[error("invalid CSS selector: {0}")]
    BadSelector(String),
}

/// Longest evidence kept, in bytes.
pub const EVIDENCE_MAX: usize = 1000;

/// Cuts `text` to at most [`EVIDENCE_MAX`] bytes on a character boundary, whitespace collapsed.
pub fn evidence(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.len() <= EVIDENCE_MAX {
        return collapsed;
    }
    let mut end = EVIDENCE_MAX - 3;
    while !collapsed.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &collapsed[..end])
}

/// A candidate price from one method.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub amount_minor: i64,
    pub currency: Currency,
    pub availability: Availability,
    pub evidence: String,
    /// Identifiers of the offer's product, to match the target.
    pub sku: Option<String>,
    pub gtin: Option<String>,
    pub name: Option<String>,
    /// What the page says of VAT (`valueAddedTaxIncluded`), when it says anything.
    pub vat_included: Option<bool>,
}

/// Confidence of a structured answer that the page's other sources contradict, or that its
/// visible text does not show (below [`spo_domain::competitors::ACTIONABLE_CONFIDENCE`]).
const CONTRADICTED: f32 = 0.45;
/// Confidence of a structured source that the buy box confirms against another that it does not.
const CONFIRMED_AGAINST_ANOTHER: f32 = 0.7;

/// Extracts the target's price from a page.
pub fn extract(page: &str, target: &Target) -> Result<Extraction, ExtractError> {
    let doc = html::Page::parse(page);
    let mut first_error = None;
    let mut attempt = |method: Method, confidence: f32, found: Result<Vec<Candidate>, ExtractError>| {
        answer(method, confidence, found, target).map_err(|e| {
            if let Some(e) = e {
                first_error.get_or_insert(e);
            }
        })
    };
    // A variant named by the target, in the shop's own variation data (WooCommerce): its price,
    // whatever a range elsewhere on the page says.
    if target.sku.is_some() || target.gtin.is_some() || target.option_text.is_some() {
        if let Ok(variants) = doc.woo_variations(target) {
            if let Some(v) = pick_by_identifier(&variants, target).filter(|v| v.amount_minor > 0) {
                return Ok(Extraction {
                    amount_minor: v.amount_minor,
                    currency: v.currency,
                    availability: v.availability,
                    method: Method::JsonLd,
                    confidence: 0.9,
                    evidence: v.evidence,
                    vat_included: true,
                });
            }
        }
    }
    // Structured sources, most trustworthy first; the first that answers is cross-checked.
    let structured: [(Method, f32); 3] = [(Method::JsonLd, 0.95), (Method::Microdata, 0.85), (Method::Meta, 0.75)];
    for (i, (method, confidence)) in structured.iter().enumerate() {
        let found = match method {
            Method::JsonLd => jsonld::candidates(&doc, target),
            Method::Microdata => doc.microdata(target),
            _ => doc.meta(target),
        };
        // A variant the target names among several prices is checked against nothing page-wide
        // (the page's meta tags and buy box show its default variant).
        let variant = found.as_ref().is_ok_and(|c| {
            let prices: std::collections::BTreeSet<i64> = c.iter().map(|c| c.amount_minor).collect();
            prices.len() > 1 && pick_by_identifier(c, target).is_some()
        });
        match attempt(*method, *confidence, found) {
            Ok(Ok(x)) if variant => return Ok(x),
            Ok(Ok(x)) => return Ok(cross_check(&doc, target, x, &structured[i + 1..])),
            Ok(Err(e)) => return Err(e),
            Err(()) => {}
        }
    }
    if let Some(selector) = target.selector.as_deref().filter(|s| !s.trim().is_empty()) {
        if let Ok(r) = attempt(Method::Selector, 0.7, doc.selector(selector, target)) {
            return r;
        }
    }
    if let Ok(r) = attempt(Method::Heuristic, 0.3, doc.visible_prices(target)) {
        return r.map(|x| corroborate(&doc, x));
    }
    Err(first_error.unwrap_or(ExtractError::NoPrice))
}

/// Confidence of a price read from the text that a machine value on the page agrees with.
const CORROBORATED: f32 = 0.6;

/// A price read from the visible text is raised to [`CORROBORATED`] when a machine value the page
/// keeps for its buy box (a price attribute) states the same amount; otherwise it stays low.
fn corroborate(doc: &html::Page, mut x: Extraction) -> Extraction {
    let agrees = doc.price_attributes().iter().any(|raw| {
        read_amount(raw, true)
            .and_then(|p| p.to_money(Some(x.currency)).map_err(|e| ExtractError::Unreadable(e.to_string())))
            .is_ok_and(|m| m.minor == x.amount_minor)
    });
    if agrees {
        x.confidence = CORROBORATED;
        x.evidence = evidence(&format!("The page's price attribute says the same. {}", x.evidence));
    }
    x
}

/// One method's answer: `Err(None)` when it found no price (a price of zero is no price: a
/// placeholder, "call for price", a free gift line), `Err(Some(e))` when it failed.
fn answer(
    method: Method,
    confidence: f32,
    found: Result<Vec<Candidate>, ExtractError>,
    target: &Target,
) -> Result<Result<Extraction, ExtractError>, Option<ExtractError>> {
    let candidates: Vec<Candidate> = found.map_err(Some)?.into_iter().filter(|c| c.amount_minor > 0).collect();
    if candidates.is_empty() {
        return Err(None);
    }
    Ok(choose(candidates, target).map(|c| Extraction {
        amount_minor: c.amount_minor,
        currency: c.currency,
        availability: c.availability,
        method,
        confidence,
        evidence: c.evidence,
        vat_included: c.vat_included.unwrap_or(true),
    }))
}

/// Structured data can lie: some shops put the discount, an instalment or a unit price in it, or
/// leave it stale. The answer is checked against the page's other structured sources and against
/// the prices its visible text shows (the buy box; old prices, instalment offers and carousels
/// are not among them). Whichever the buy box confirms is kept; a conflict nobody settles is
/// answered below the confidence the pricing agents act on, with the conflict in the evidence.
fn cross_check(doc: &html::Page, target: &Target, x: Extraction, others: &[(Method, f32)]) -> Extraction {
    let other: Option<Extraction> = others.iter().find_map(|(method, confidence)| {
        let found = if *method == Method::Microdata { doc.microdata(target) } else { doc.meta(target) };
        match answer(*method, *confidence, found, target) {
            Ok(Ok(y)) if y.currency == x.currency && y.amount_minor != x.amount_minor => Some(y),
            _ => None,
        }
    });
    let shown: Vec<i64> = doc
        .buy_box_prices(target)
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.currency == x.currency && c.amount_minor > 0)
        .map(|c| c.amount_minor)
        .collect();
    // A price stated before VAT is shown to shoppers with it (15 %, Saudi Arabia).
    let seen = |e: &Extraction| {
        shown.contains(&e.amount_minor)
            || (!e.vat_included && shown.iter().any(|s| (s * 100 - e.amount_minor * 115).abs() <= 100))
    };
    let money = |e: &Extraction| {
        format!(
            "{} {}",
            spo_domain::Money::from_minor(e.amount_minor, e.currency).to_decimal_string(),
            e.currency.code()
        )
    };
    let flagged = |mut e: Extraction, confidence: f32, note: String| {
        e.confidence = e.confidence.min(confidence);
        e.evidence = evidence(&format!("{note} {}", e.evidence));
        e
    };
    match other {
        Some(y) if seen(&y) && !seen(&x) => {
            let note =
                format!("{:?} said {}; {:?} and the page's text say {}.", x.method, money(&x), y.method, money(&y));
            flagged(y, CONFIRMED_AGAINST_ANOTHER, note)
        }
        Some(y) if seen(&x) && !seen(&y) => x,
        Some(y) => {
            let note = format!("Conflict: {:?} says {}, {:?} says {}.", x.method, money(&x), y.method, money(&y));
            flagged(x, CONTRADICTED, note)
        }
        None if shown.is_empty() || seen(&x) => x,
        None => {
            let distinct: std::collections::BTreeSet<i64> = shown.iter().copied().collect();
            let note = format!("{:?} says {}, but the page's text does not show it.", x.method, money(&x));
            match distinct.into_iter().collect::<Vec<_>>()[..] {
                // One price on the page, and not the structured one: the buy box's, to confirm.
                [only] => {
                    let y =
                        Extraction { amount_minor: only, method: Method::Heuristic, vat_included: true, ..x.clone() };
                    let note = format!("{note} It shows {}.", money(&y));
                    flagged(y, CONTRADICTED, note)
                }
                _ => flagged(x, CONTRADICTED, note),
            }
        }
    }
}

fn norm_id(s: &str) -> String {
    s.trim().to_lowercase()
}

/// The candidate the target names by SKU, then GTIN, then option text.
fn pick_by_identifier(candidates: &[Candidate], target: &Target) -> Option<Candidate> {
    let by = |pick: &dyn Fn(&Candidate) -> bool| candidates.iter().find(|c| pick(c)).cloned();
    if let Some(sku) = target.sku.as_deref().map(norm_id).filter(|s| !s.is_empty()) {
        if let Some(c) = by(&|c| c.sku.as_deref().map(norm_id).as_deref() == Some(sku.as_str())) {
            return Some(c);
        }
    }
    if let Some(gtin) = target.gtin.as_deref().map(|g| g.trim().trim_start_matches('0').to_owned()) {
        if let Some(c) = by(&|c| c.gtin.as_deref().map(|g| g.trim().trim_start_matches('0')) == Some(gtin.as_str())) {
            return Some(c);
        }
    }
    if let Some(option) = target.option_text.as_deref().map(norm_id).filter(|s| !s.is_empty()) {
        if let Some(c) = by(&|c| c.name.as_deref().map(norm_id).is_some_and(|n| n.contains(&option))) {
            return Some(c);
        }
    }
    None
}

/// Picks the target's candidate ([`pick_by_identifier`]); otherwise all candidates must agree on
/// the price.
fn choose(candidates: Vec<Candidate>, target: &Target) -> Result<Candidate, ExtractError> {
    if let Some(c) = pick_by_identifier(&candidates, target) {
        return Ok(c);
    }
    let distinct: std::collections::BTreeSet<String> = candidates
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                spo_domain::Money::from_minor(c.amount_minor, c.currency).to_decimal_string(),
                c.currency.code()
            )
        })
        .collect();
    if distinct.len() > 1 {
        return Err(ExtractError::Ambiguous(distinct.into_iter().collect::<Vec<_>>().join(", ")));
    }
    let first = candidates[0].clone();
    Ok(first)
}

/// Reads an amount: JSON numbers and machine strings (`"1299.00"`) with a dot decimal, anything
/// else as shop text.
pub(crate) fn read_amount(raw: &str, machine: bool) -> Result<PriceText, ExtractError> {
    let convention = if machine { Convention::DotDecimal } else { Convention::Unknown };
    parse_price(raw, convention).map_err(|e| ExtractError::Unreadable(e.to_string()))
}

/// Amount + currency → minor units, with the currency named on the page (or the target's
/// default for bare numbers).
pub(crate) fn to_minor(
    price: &PriceText,
    stated: Option<&str>,
    target: &Target,
) -> Result<(i64, Currency), ExtractError> {
    let stated = match stated.map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => Some(
            parse_price(&format!("0 {code}"), Convention::Unknown)
                .ok()
                .and_then(|p| p.currency)
                .or_else(|| Currency::parse(&code.to_uppercase()).ok())
                .ok_or_else(|| ExtractError::Unreadable(format!("unknown currency {code:?}")))?,
        ),
        None => None,
    };
    let currency = price
        .currency
        .or(stated)
        .or(target.default_currency)
        .ok_or_else(|| ExtractError::NoCurrency(price.decimal.clone()))?;
    if let (Some(a), Some(b)) = (price.currency, stated) {
        if a != b {
            return Err(ExtractError::Unreadable(format!("price says {} but currency says {}", a.code(), b.code())));
        }
    }
    let money = price.to_money(Some(currency)).map_err(|e| ExtractError::Unreadable(e.to_string()))?;
    Ok((money.minor, currency))
}

/// schema.org availability (URL or bare name) or shop text.
pub(crate) fn availability(text: &str) -> Availability {
    let t = text.trim().to_lowercase();
    let t = t.rsplit('/').next().unwrap_or(&t).replace([' ', '_', '-'], "");
    match t.as_str() {
        "instock"
        | "limitedavailability"
        | "preorder"
        | "presale"
        | "onlineonly"
        | "instoreonly"
        | "available"
        | "متوفر"
        | "متاح" => Availability::InStock,
        "outofstock"
        | "soldout"
        | "discontinued"
        | "backorder"
        | "oos"
        | "unavailable"
        | "نفدتالكمية"
        | "غيرمتوفر"
        | "نفد" => Availability::OutOfStock,
        _ => Availability::Unknown,
    }
}
