//! The words of a decision, in English and Arabic: built from the plan's typed facts only for the
//! decisions a screen shows or a run stores (a dry run over 100,000 products words 200 of them).

use spo_domain::pricing::breaker;
use spo_domain::pricing::demand::{self, Elasticity, Untrusted};
use spo_domain::pricing::guardrails::Hit;
use spo_domain::pricing::plan::{Change, Product, PROFIT_FALLBACK};
use spo_domain::pricing::shelf::PriceField;
use spo_domain::pricing::strategy::{Beat, Strategy};
use spo_domain::{Currency, Money};

/// The run breaker's verdict (as a run report carries it) in words.
pub fn breaker_text(json: &str) -> String {
    let pct = |bps: i64| format!("{}.{:02}%", bps / 100, (bps % 100).abs());
    match serde_json::from_str::<breaker::Trip>(json) {
        Ok(breaker::Trip::TooManyChanges { changes, allowed }) => format!(
            "{changes} prices would change, more than the {allowed} allowed in one run; every decision waits for approval"
        ),
        Ok(breaker::Trip::MedianChange { median_bps, limit_bps }) => format!(
            "the typical change would be {}, above the {} limit; every decision waits for approval",
            pct(median_bps),
            pct(i64::from(limit_bps))
        ),
        Err(_) => format!("the circuit breaker tripped ({json}); every decision waits for approval"),
    }
}

/// "price" / "sale price" in messages.
pub(super) fn field_words(f: PriceField) -> &'static str {
    match f {
        PriceField::Price => "price",
        PriceField::SalePrice => "sale price",
    }
}

pub(super) fn money_text(minor: i64, currency: &str) -> String {
    crate::format_minor(minor, currency)
}

/// An amount as Arabic text reads it: `194.53 ر.س` for riyals.
pub(super) fn money_text_ar(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) if c == Currency::SAR => format!("{} ر.س", Money::from_minor(minor, c).to_decimal_string()),
        _ => money_text(minor, currency),
    }
}

/// The strategist's words, in English and Arabic.
pub(super) struct Why<'a> {
    pub(super) strategy: Strategy,
    /// For a profit-maximizing rule: the estimate and optimum used, or why it fell back.
    pub(super) demand: Option<std::result::Result<(Elasticity, i64), Untrusted>>,
    pub(super) reference: Option<i64>,
    pub(super) competitors: u32,
    pub(super) hits: &'a [Hit],
    pub(super) old: i64,
    pub(super) new: i64,
    pub(super) currency: &'a str,
    /// Set when the decision writes the sale price of a running sale.
    pub(super) sale: Option<SaleInfo<'a>>,
    /// The store's VAT rate: competitor references are shown before VAT and on the shelf.
    pub(super) vat_bps: u32,
}

/// A running sale, for the rationale.
#[derive(Clone, Copy)]
pub(super) struct SaleInfo<'a> {
    pub(super) regular: i64,
    pub(super) end: Option<&'a str>,
}

/// "the lowest of 3 competitor prices" / "the one competitor price".
fn lowest_of_en(n: u32) -> String {
    if n == 1 {
        "the one competitor price".into()
    } else {
        format!("the lowest of {n} competitor prices")
    }
}

/// The same in Arabic, with the count's noun form (سعر واحد، سعرين، ٣ أسعار، ١١ سعرًا).
fn lowest_of_ar(n: u32) -> String {
    match n {
        1 => "سعر المنافس الوحيد".into(),
        2 => "أدنى سعر بين سعرَين للمنافسين".into(),
        3..=10 => format!("أدنى سعر بين {n} أسعار للمنافسين"),
        _ => format!("أدنى سعر بين {n} سعرًا للمنافسين"),
    }
}

/// "among 3 competitor prices" / "among 1 competitor price", and the Arabic.
fn among(n: u32) -> (String, String) {
    let en = if n == 1 { "among 1 competitor price".to_owned() } else { format!("among {n} competitor prices") };
    let ar = match n {
        1 => "أمام سعر منافس واحد".to_owned(),
        2 => "بين سعرَين للمنافسين".to_owned(),
        3..=10 => format!("بين {n} أسعار للمنافسين"),
        _ => format!("بين {n} سعرًا للمنافسين"),
    };
    (en, ar)
}

pub(super) fn rationale(w: &Why<'_>) -> (String, String) {
    let Why { strategy, demand, reference, competitors, hits, old, new, currency, sale, vat_bps } = *w;
    let m = |v: i64| money_text(v, currency);
    let a = |v: i64| money_text_ar(v, currency);
    // A market reference in both bases: before VAT (as our prices) and as shoppers see it.
    let shelf = |v: i64| Money::from_minor(v, Currency::SAR).plus_rate_bps(vat_bps).map_or(v, |m| m.minor);
    let rm = |v: i64| format!("{} before VAT, {} with VAT", m(v), m(shelf(v)));
    let ra = |v: i64| format!("{} قبل الضريبة، {} مع الضريبة", a(v), a(shelf(v)));
    // A profit-maximizing rule without trusted demand data priced by its fallback rule.
    let shown = if matches!(demand, Some(Err(_))) { PROFIT_FALLBACK } else { strategy };
    let (mut en, mut ar) = match (shown, reference) {
        (Strategy::MatchLowest, Some(r)) => (
            format!("Match {} ({}).", lowest_of_en(competitors), rm(r)),
            format!("مطابقة {} ({}).", lowest_of_ar(competitors), ra(r)),
        ),
        (Strategy::BeatLowest { by }, Some(r)) => {
            let (by_en, by_ar) = match by {
                Beat::Bps(b) => (format!("{}.{:02}%", b / 100, b % 100), format!("{}.{:02}٪", b / 100, b % 100)),
                Beat::Minor(v) => (m(v), a(v)),
            };
            (
                format!("Beat {} ({}) by {by_en}.", lowest_of_en(competitors), rm(r)),
                format!("السعر أقل من {} ({}) بمقدار {by_ar}.", lowest_of_ar(competitors), ra(r)),
            )
        }
        (Strategy::Position { rank }, Some(r)) => {
            let (among_en, among_ar) = among(competitors);
            (
                format!("Take position {rank} {among_en} ({}).", m(r)),
                format!("اتخاذ المركز {rank} {among_ar} ({}).", a(r)),
            )
        }
        (Strategy::PremiumOverAverage { bps }, Some(r)) => (
            format!("Stay {}.{:02}% from the competitors' average ({}).", bps / 100, (bps % 100).abs(), rm(r)),
            format!("البقاء على بعد {}.{:02}٪ من متوسط أسعار المنافسين ({}).", bps / 100, (bps % 100).abs(), ra(r)),
        ),
        (Strategy::TargetMargin { bps }, _) => (
            format!("Keep a {}.{:02}% margin over cost.", bps / 100, bps % 100),
            format!("الحفاظ على هامش ربح {}.{:02}٪ فوق التكلفة.", bps / 100, bps % 100),
        ),
        _ => (String::new(), String::new()),
    };
    match demand {
        Some(Ok((e, optimum))) if e.value + e.std_error >= -1.1 => {
            en = format!(
                "Sales barely react to price (price elasticity {:.2} ± {:.2} over {} days): raising toward {}, no more than {}% above the highest price sold at.",
                e.value, e.std_error, e.days, m(optimum), demand::EXTRAPOLATION_BPS / 100
            );
            ar = format!(
                "المبيعات لا تكاد تتأثر بالسعر (مرونة الطلب السعرية {:.2} ± {:.2} على مدى {} يومًا): رفع السعر نحو {}، بما لا يزيد على {}٪ فوق أعلى سعر بيع به.",
                e.value, e.std_error, e.days, a(optimum), demand::EXTRAPOLATION_BPS / 100
            );
        }
        Some(Ok((e, optimum))) => {
            en = format!(
                "Profit-maximizing price from the store's own sales: price elasticity {:.2} ± {:.2} over {} days, best price {}.",
                e.value, e.std_error, e.days, m(optimum)
            );
            ar = format!(
                "السعر الذي يعظّم الربح من مبيعات المتجر نفسه: مرونة الطلب السعرية {:.2} ± {:.2} على مدى {} يومًا، وأفضل سعر {}.",
                e.value, e.std_error, e.days, a(optimum)
            );
        }
        Some(Err(why)) => {
            let (why_en, why_ar) = untrusted_words(why);
            en.insert_str(0, &format!("Demand data is not yet trustworthy for a profit-maximizing price ({why_en}); using the rule instead. "));
            ar.insert_str(
                0,
                &format!("بيانات الطلب غير كافية بعد لتحديد سعر يعظّم الربح ({why_ar})؛ استُخدمت القاعدة بدلًا منها. "),
            );
        }
        None => {}
    }
    for h in hits {
        let (e, a) = match h {
            Hit::Floor { floor } => {
                (format!(" Raised to the floor {}.", m(*floor)), format!(" رُفع إلى الحد الأدنى {}.", a(*floor)))
            }
            Hit::Ceiling { ceiling } => {
                (format!(" Lowered to the maximum {}.", m(*ceiling)), format!(" خُفّض إلى الحد الأعلى {}.", a(*ceiling)))
            }
            Hit::Step { limit } => {
                (format!(" Limited to a step of {}.", m(*limit)), format!(" قُيّد بخطوة قدرها {}.", a(*limit)))
            }
            Hit::Daily { limit } => {
                (format!(" Limited to {} per day.", m(*limit)), format!(" قُيّد بـ {} في اليوم.", a(*limit)))
            }
            _ => continue,
        };
        en.push_str(&e);
        ar.push_str(&a);
    }
    if let Some(SaleInfo { regular, end }) = sale {
        match end {
            Some(end) => {
                en.push_str(&format!(
                    " On sale until {end}: the sale price changes; the regular price {} stays.",
                    m(regular)
                ));
                ar.push_str(&format!(" عليه تخفيض حتى {end}: يتغير سعر التخفيض ويبقى السعر الأصلي {}.", a(regular)));
            }
            None => {
                en.push_str(&format!(" On sale: the sale price changes; the regular price {} stays.", m(regular)));
                ar.push_str(&format!(" عليه تخفيض: يتغير سعر التخفيض ويبقى السعر الأصلي {}.", a(regular)));
            }
        }
    }
    en.push_str(&format!(" {} → {}.", m(old), m(new)));
    ar.push_str(&format!(" {} ← {}.", a(new), a(old)));
    (en.trim().to_owned(), ar.trim().to_owned())
}

/// The demand model's part of a decision's inputs.
pub(super) fn demand_inputs(d: Option<std::result::Result<(Elasticity, i64), Untrusted>>) -> serde_json::Value {
    match d {
        None => serde_json::Value::Null,
        Some(Ok((e, optimum))) => serde_json::json!({
            "elasticity": e.value, "std_error": e.std_error, "days": e.days, "optimum": optimum,
        }),
        Some(Err(why)) => serde_json::json!({ "untrusted": why }),
    }
}

/// The words of one planned change.
pub(super) fn words_for(c: &Change, p: &Product, currency: &str, vat_bps: u32) -> (String, String) {
    let sale = (c.field == PriceField::SalePrice)
        .then_some(SaleInfo { regular: p.shelf.regular_minor, end: p.shelf.sale_end.as_deref() });
    rationale(&Why {
        strategy: c.strategy,
        demand: c.demand,
        reference: c.target.reference_minor,
        competitors: u32::try_from(p.market.prices.len()).unwrap_or(u32::MAX),
        hits: &c.verdict.hits,
        old: c.old_minor,
        new: c.new_minor,
        currency,
        sale,
        vat_bps,
    })
}

/// A recorded decision's facts, as its words need them (the `inputs` and `guardrails` a run
/// stores; see `optimize::Inputs`).
#[derive(serde::Deserialize)]
struct StoredInputs {
    /// The rule's strategy with its parameters (absent in decisions recorded with their words).
    strategy: Option<Strategy>,
    competitors: Vec<i64>,
    reference: Option<i64>,
    vat_bps: u32,
    regular_price: i64,
    sale_end: Option<String>,
    demand: Option<StoredDemand>,
}

/// The demand model's part of the inputs ([`demand_inputs`]).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum StoredDemand {
    Estimate { elasticity: f64, std_error: f64, days: u32, optimum: i64 },
    Untrusted { untrusted: Untrusted },
}

#[derive(serde::Deserialize)]
struct StoredGuard {
    hits: Vec<Hit>,
}

/// A recorded decision's words. A run stores the facts of each decision, not its sentences (a run
/// over 100,000 products would write ~55 MB of text nobody reads); they are built here, the same
/// way as for a planned change, when a screen, the CLI or an export shows the decision. Words a
/// decision was recorded with (the language model's, a rollback's) are kept as they are.
pub(crate) fn words_of(d: &spo_store::DecisionRow) -> (String, String) {
    if !d.rationale_en.is_empty() || !d.rationale_ar.is_empty() {
        return (d.rationale_en.clone(), d.rationale_ar.clone());
    }
    words_from_facts(&d.inputs, &d.guardrails, d.old_price_minor, d.new_price_minor, &d.currency, d.price_field)
        .unwrap_or_else(|| {
            (
                "The words of this decision could not be rebuilt from its stored inputs (shown below).".into(),
                "تعذّر إعادة بناء شرح هذا القرار من مدخلاته المحفوظة (المعروضة أدناه).".into(),
            )
        })
}

pub(super) fn words_from_facts(
    inputs: &str,
    guardrails: &str,
    old: i64,
    new: i64,
    currency: &str,
    field: PriceField,
) -> Option<(String, String)> {
    let i: StoredInputs = serde_json::from_str(inputs).ok()?;
    let g: StoredGuard = serde_json::from_str(guardrails).ok()?;
    let demand = i.demand.map(|d| match d {
        StoredDemand::Estimate { elasticity, std_error, days, optimum } => {
            Ok((Elasticity { value: elasticity, std_error, days, observed: None }, optimum))
        }
        StoredDemand::Untrusted { untrusted } => Err(untrusted),
    });
    let sale =
        (field == PriceField::SalePrice).then_some(SaleInfo { regular: i.regular_price, end: i.sale_end.as_deref() });
    Some(rationale(&Why {
        strategy: i.strategy?,
        demand,
        reference: i.reference,
        competitors: u32::try_from(i.competitors.len()).unwrap_or(u32::MAX),
        hits: &g.hits,
        old,
        new,
        currency,
        sale,
        vat_bps: i.vat_bps,
    }))
}

/// Why the demand model was not used, in English and Arabic.
fn untrusted_words(u: Untrusted) -> (String, String) {
    match u {
        Untrusted::TooFewDays => (
            format!("fewer than {} days of sales", demand::MIN_DAYS),
            format!("أقل من {} يومًا من المبيعات", demand::MIN_DAYS),
        ),
        Untrusted::TooFewSales => {
            (format!("fewer than {} units sold", demand::MIN_UNITS), format!("بيعت أقل من {} وحدة", demand::MIN_UNITS))
        }
        Untrusted::NoPriceVariation => (
            "our price has barely changed, so buyers' response to it is unknown".into(),
            "لم يتغير سعرنا بما يكفي لمعرفة استجابة المشترين".into(),
        ),
        Untrusted::TooUncertain => ("the estimate is too uncertain".into(), "التقدير غير مؤكد بما يكفي".into()),
        Untrusted::Inelastic => (
            "sales barely react to price, so there is no finite best price".into(),
            "المبيعات لا تكاد تتأثر بالسعر فلا يوجد سعر أمثل محدد".into(),
        ),
        Untrusted::NoCost => ("the product has no cost price".into(), "لا توجد تكلفة مسجلة للمنتج".into()),
    }
}

#[cfg(test)]
mod breaker_words_tests {
    #[test]
    fn the_breaker_is_said_in_words() {
        let t = super::breaker_text(r#"{"trip":"too_many_changes","changes":40,"allowed":12}"#);
        assert_eq!(t, "40 prices would change, more than the 12 allowed in one run; every decision waits for approval");
        let t = super::breaker_text(r#"{"trip":"median_change","median_bps":2250,"limit_bps":1500}"#);
        assert!(t.starts_with("the typical change would be 22.50%, above the 15.00% limit"), "{t}");
        assert!(!super::breaker_text("{}").is_empty());
    }
}
