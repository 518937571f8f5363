//! The demo store's catalogue (realistic Saudi retail products, some with variants) and its order
//! history, generated from a demand model so the optimizer has something real to learn from.
//! Everything is deterministic: the same inputs give the same catalogue and the same orders.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};

/// A variant (SKU) of a simulated product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimVariant {
    /// Salla variant id.
    pub id: i64,
    /// SKU.
    pub sku: String,
    /// Option name and value (`("المقاس", "M")`).
    pub option: (&'static str, &'static str),
    /// Price in halalas.
    pub price_minor: i64,
    /// Sale price in halalas (0 = none).
    pub sale_price_minor: i64,
    /// Cost in halalas.
    pub cost_minor: i64,
    /// Stock.
    pub quantity: i64,
}

impl SimProduct {
    /// Whether a sale runs on `today` (`YYYY-MM-DD`): a sale price below the price, within its
    /// first and last day.
    pub fn sale_running(&self, today: &str) -> bool {
        self.sale_price_minor > 0
            && self.sale_price_minor < self.price_minor
            && self.sale_start.as_deref().is_none_or(|s| s <= today)
            && self.sale_end.as_deref().is_none_or(|e| today <= e)
    }
}

/// A product of the simulated store.
#[derive(Debug, Clone, PartialEq)]
pub struct SimProduct {
    /// Salla id.
    pub id: i64,
    /// Arabic name (Salla's default language).
    pub name: String,
    /// SKU.
    pub sku: String,
    /// Price in halalas.
    pub price_minor: i64,
    /// Sale price in halalas (0 = none).
    pub sale_price_minor: i64,
    /// The sale's first day (`YYYY-MM-DD`, Riyadh); none: already running.
    pub sale_start: Option<String>,
    /// The sale's last day (`YYYY-MM-DD`, included); none: until it is ended.
    pub sale_end: Option<String>,
    /// Cost in halalas.
    pub cost_minor: i64,
    /// Stock.
    pub quantity: i64,
    /// `sale`, `out` or `hidden`.
    pub status: &'static str,
    /// Category (id, Arabic name).
    pub category: (i64, &'static str),
    /// Variants; empty for simple products.
    pub variants: Vec<SimVariant>,
    /// Demand model: the typical competitor price (halalas) shoppers compare against.
    pub competitor_minor: i64,
    /// Demand model: expected units per day when priced at the competitor price.
    pub base_daily_units: f64,
    /// Demand model: price elasticity (negative: higher price, fewer sales).
    pub elasticity: f64,
}

struct Family {
    name: &'static str,
    sku: &'static str,
    base_minor: i64,
    category: (i64, &'static str),
    elasticity: f64,
    /// Option name and values when the family's products come in variants.
    options: Option<(&'static str, &'static [&'static str])>,
}

const FAMILIES: &[Family] = &[
    Family {
        name: "قهوة عربية",
        sku: "CF",
        base_minor: 4_500,
        category: (101, "القهوة"),
        elasticity: -1.9,
        options: None,
    },
    Family {
        name: "تمر سكري",
        sku: "DT",
        base_minor: 3_800,
        category: (102, "التمور"),
        elasticity: -1.5,
        options: None,
    },
    Family {
        name: "عطر عود",
        sku: "OD",
        base_minor: 24_900,
        category: (103, "العطور"),
        elasticity: -1.1,
        options: None,
    },
    Family {
        name: "بخور دوسري",
        sku: "BK",
        base_minor: 8_900,
        category: (103, "العطور"),
        elasticity: -1.3,
        options: None,
    },
    Family {
        name: "عباية كريب",
        sku: "AB",
        base_minor: 32_000,
        category: (104, "الأزياء"),
        elasticity: -2.2,
        options: Some(("المقاس", &["S", "M", "L", "XL"])),
    },
    Family {
        name: "شماغ قطني",
        sku: "SH",
        base_minor: 12_500,
        category: (104, "الأزياء"),
        elasticity: -2.0,
        options: Some(("اللون", &["أحمر", "أبيض"])),
    },
    Family {
        name: "دلة قهوة نحاس",
        sku: "DL",
        base_minor: 15_900,
        category: (105, "المنزل"),
        elasticity: -1.6,
        options: None,
    },
    Family {
        name: "سجادة صلاة",
        sku: "PR",
        base_minor: 9_500,
        category: (105, "المنزل"),
        elasticity: -1.7,
        options: None,
    },
    Family {
        name: "عسل سدر",
        sku: "HN",
        base_minor: 18_000,
        category: (102, "التمور"),
        elasticity: -1.2,
        options: None,
    },
    Family {
        name: "زيت زيتون",
        sku: "OL",
        base_minor: 6_900,
        category: (106, "البقالة"),
        elasticity: -2.4,
        options: None,
    },
];
const VARIANTS: &[&str] = &["250 غ", "500 غ", "1 كغ", "صغير", "وسط", "كبير", "أسود", "بني", "هدية", "عائلي"];

/// Expected units sold per day across the whole demo catalogue at competitor prices. Sized so
/// that connecting the demo store (catalogue, variants and 180 days of orders, about one request
/// per order) fits in one minute of the Special plan's 720-request budget.
const STORE_DAILY_UNITS: f64 = 5.0;

/// `n` products, the same every time.
pub fn demo_catalog(n: usize) -> Vec<SimProduct> {
    // Popularity follows a long tail: product i gets weight 1 / (1 + i/8), scaled so the store
    // sells about STORE_DAILY_UNITS a day in total.
    let weights: Vec<f64> = (0..n).map(|i| 1.0 / (1.0 + i as f64 / 8.0)).collect();
    let total_weight: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    (0..n)
        .map(|i| {
            let family = &FAMILIES[i % FAMILIES.len()];
            let variant = VARIANTS[(i / FAMILIES.len()) % VARIANTS.len()];
            let round = i / (FAMILIES.len() * VARIANTS.len());
            // Prices spread ±30 % around the family base, ending in .95 or .00.
            let spread = ((i * 37) % 61) as i64 - 30;
            let raw = family.base_minor + family.base_minor * spread / 100;
            let price_minor = if i % 2 == 0 { raw / 100 * 100 + 95 } else { raw / 100 * 100 };
            let cost_minor = price_minor * (55 + (i as i64 * 7) % 20) / 100;
            let status = match i % 23 {
                0 => "out",
                11 => "hidden",
                _ => "sale",
            };
            let quantity = if status == "out" { 0 } else { ((i * 13) % 120) as i64 };
            let sku = format!("{}-{:05}", family.sku, i);
            let id = 1_000_000 + i as i64;
            let variants = match family.options {
                Some((option, values)) => values
                    .iter()
                    .enumerate()
                    .map(|(k, value)| SimVariant {
                        id: 5_000_000 + i as i64 * 10 + k as i64,
                        sku: format!("{sku}-{}", k + 1),
                        option: (option, value),
                        // Larger sizes cost a little more.
                        price_minor: price_minor + k as i64 * 500,
                        sale_price_minor: 0,
                        cost_minor: cost_minor + k as i64 * 250,
                        quantity: quantity / values.len() as i64,
                    })
                    .collect(),
                None => Vec::new(),
            };
            // Competitors sit between 12 % below and 12 % above our price.
            let competitor_minor = price_minor * (88 + ((i * 53) % 25) as i64) / 100;
            SimProduct {
                id,
                name: if round == 0 {
                    format!("{} {variant}", family.name)
                } else {
                    format!("{} {variant} ({round})", family.name)
                },
                sku,
                price_minor,
                sale_price_minor: 0,
                sale_start: None,
                sale_end: None,
                cost_minor,
                quantity,
                status,
                category: family.category,
                variants,
                competitor_minor,
                base_daily_units: STORE_DAILY_UNITS * weights[i] / total_weight,
                elasticity: family.elasticity,
            }
        })
        .collect()
}

/// One line of a simulated order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOrderItem {
    /// Salla order-item id.
    pub id: i64,
    /// Product name at the time.
    pub name: String,
    /// SKU sold (the variant's SKU for products with variants).
    pub sku: String,
    /// Units.
    pub quantity: i64,
    /// Unit price before tax, in halalas.
    pub unit_price_minor: i64,
}

/// A simulated order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOrder {
    /// Salla order id.
    pub id: i64,
    /// Shopper-facing reference.
    pub reference_id: i64,
    /// Local time in Riyadh, `YYYY-MM-DD HH:MM:SS`.
    pub date: String,
    /// Local date in Riyadh, `YYYY-MM-DD` (for the date filters).
    pub day: String,
    /// Status slug (`completed`, `delivered`, `canceled`, …).
    pub status: &'static str,
    /// Lines.
    pub items: Vec<SimOrderItem>,
}

impl SimOrder {
    /// Order total before tax, in halalas.
    pub fn subtotal_minor(&self) -> i64 {
        self.items.iter().map(|i| i.unit_price_minor * i.quantity).sum()
    }
}

/// The price the demo merchant charged for `product` during `period` (21-day blocks): the current
/// price times one of five levels between −10 % and +10 %, so the history shows the demand curve.
pub fn historical_price(product: &SimProduct, base_minor: i64, period: i64) -> i64 {
    if period == 0 {
        return base_minor;
    }
    let level = (product.id.wrapping_mul(31).wrapping_add(period.wrapping_mul(17))).rem_euclid(5);
    base_minor * (90 + level * 5) / 100
}

/// The typical competitor price for `product` during `period` (21-day blocks before today): the
/// product's reference competitor price moved by up to ±6 % from one period to the next, so sales
/// respond to competitors as well as to the merchant's own price.
pub fn competitor_price(product: &SimProduct, period: i64) -> i64 {
    if period == 0 {
        return product.competitor_minor;
    }
    let level = (product.id.wrapping_mul(13).wrapping_add(period.wrapping_mul(29))).rem_euclid(5);
    product.competitor_minor * (94 + level * 3) / 100
}

/// Days since 1970-01-01 to a civil date (`YYYY-MM-DD`), proleptic Gregorian.
pub fn civil_date(days: i64) -> String {
    // Howard Hinnant's days_from_civil inverse.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The demand model: expected units of `product` sold on `day` (days since the epoch) at `price`
/// when shoppers compare against `competitor` (both in minor units):
/// base × (price / competitor)^elasticity × weekday. Orders are Poisson draws around it.
pub fn expected_units(product: &SimProduct, price: f64, competitor: f64, day: i64) -> f64 {
    // 1970-01-01 was a Thursday; Saudi shoppers buy most on Thursday and Friday.
    let weekday = match day.rem_euclid(7) {
        0 => 1.35,
        1 => 1.25,
        2 => 0.9,
        _ => 0.95,
    };
    product.base_daily_units * (price / competitor.max(1.0)).powf(product.elasticity) * weekday
}

/// The order history of the last `days` days before `today` (days since the epoch, Riyadh time):
/// for each product and day, units ~ Poisson(base × (price / competitor price)^elasticity ×
/// weekday), with both prices moving by period (see [`historical_price`], [`competitor_price`]),
/// grouped into orders of one to three lines. Cancelled orders are mixed in (and must not count as
/// sales). Newest orders have the largest ids.
pub fn demo_orders(products: &[SimProduct], today: i64, days: i64) -> Vec<SimOrder> {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5A11A);
    let mut lines: Vec<(i64, SimOrderItem)> = Vec::new();
    let mut next_item = 70_000_000i64;
    for day in (today - days)..today {
        let period = (today - day) / 21;
        for p in products.iter().filter(|p| p.status != "hidden") {
            let (sku, base_price) = match p.variants.get(((day + p.id) % 7) as usize % p.variants.len().max(1)) {
                Some(v) => (v.sku.clone(), v.price_minor),
                None => (p.sku.clone(), p.price_minor),
            };
            let price = historical_price(p, base_price, period);
            let competitor =
                competitor_price(p, period).max(1) as f64 * (base_price as f64 / p.price_minor.max(1) as f64);
            let lambda = expected_units(p, price as f64, competitor, day);
            let units = match Poisson::new(lambda.max(1e-9)) {
                Ok(d) => d.sample(&mut rng) as i64,
                Err(_) => 0,
            };
            let mut left = units;
            while left > 0 {
                let q = rng.gen_range(1..=left.min(3));
                left -= q;
                next_item += 1;
                lines.push((
                    day,
                    SimOrderItem {
                        id: next_item,
                        name: p.name.clone(),
                        sku: sku.clone(),
                        quantity: q,
                        unit_price_minor: price,
                    },
                ));
            }
        }
    }
    let mut orders = Vec::new();
    let mut next_order = 90_000_000i64;
    let mut i = 0;
    while i < lines.len() {
        let day = lines[i].0;
        let mut n = rng.gen_range(1..=3usize);
        let mut items = Vec::new();
        while n > 0 && i < lines.len() && lines[i].0 == day {
            items.push(lines[i].1.clone());
            i += 1;
            n -= 1;
        }
        next_order += 1;
        let (h, m, s) = (rng.gen_range(8..24), rng.gen_range(0..60), rng.gen_range(0..60));
        let status = match rng.gen_range(0..100) {
            0..=5 => "canceled",
            6..=12 => "delivering",
            _ => "completed",
        };
        let date = civil_date(day);
        orders.push(SimOrder {
            id: next_order,
            reference_id: next_order - 89_000_000,
            date: format!("{date} {h:02}:{m:02}:{s:02}"),
            day: date,
            status,
            items,
        });
    }
    orders
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_782), "2026-11-25");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }

    #[test]
    fn catalogue_is_deterministic_with_variants() {
        let a = demo_catalog(240);
        assert_eq!(a, demo_catalog(240));
        let with_variants = a.iter().filter(|p| !p.variants.is_empty()).count();
        assert_eq!(with_variants, 48);
        let total: f64 = a.iter().map(|p| p.base_daily_units).sum();
        assert!((total - STORE_DAILY_UNITS).abs() < 1e-9);
    }

    #[test]
    fn orders_follow_the_demand_model() {
        let products = demo_catalog(240);
        let orders = demo_orders(&products, 20_782, 180);
        assert_eq!(orders, demo_orders(&products, 20_782, 180), "deterministic");
        let units: i64 = orders.iter().flat_map(|o| &o.items).map(|i| i.quantity).sum();
        // ~5 units a day at competitor prices, give or take the price levels.
        assert!((600..1_500).contains(&units), "{units} units in 180 days");
        assert!(orders.windows(2).all(|w| w[0].id < w[1].id && w[0].day <= w[1].day));
        // Connecting the demo store stays inside one minute of the Special plan's budget:
        // product pages, variant lists, order pages and one item request per order.
        let requests = 4 + 48 + orders.len().div_ceil(60) + orders.len();
        assert!(requests < 720, "{requests} requests");
        // Days priced below today's price sell more than the model's base rate would on average,
        // days priced above it less: the history carries the demand curve. Each product-day counts
        // with its expected units, so best sellers and the long tail weigh what they should.
        let mut sold = std::collections::HashMap::<(String, String), i64>::new();
        for o in &orders {
            for i in &o.items {
                *sold.entry((o.day.clone(), i.sku.clone())).or_default() += i.quantity;
            }
        }
        let (mut cheap, mut cheap_base, mut dear, mut dear_base) = (0f64, 0f64, 0f64, 0f64);
        for p in products.iter().filter(|p| p.variants.is_empty() && p.status != "hidden") {
            for day in (20_782 - 180)..20_782 {
                let price = historical_price(p, p.price_minor, (20_782 - day) / 21);
                let n = sold.get(&(civil_date(day), p.sku.clone())).copied().unwrap_or(0) as f64;
                if price < p.price_minor {
                    (cheap, cheap_base) = (cheap + n, cheap_base + p.base_daily_units);
                } else if price > p.price_minor {
                    (dear, dear_base) = (dear + n, dear_base + p.base_daily_units);
                }
            }
        }
        let (cheap_rate, dear_rate) = (cheap / cheap_base, dear / dear_base);
        assert!(cheap_rate > dear_rate * 1.1, "cheap {cheap_rate:.3} vs dear {dear_rate:.3} of the base rate");

        // And to competitors: days when competitors were dearer than usual sell more.
        let (mut up, mut up_base, mut down, mut down_base) = (0f64, 0f64, 0f64, 0f64);
        for p in products.iter().filter(|p| p.variants.is_empty() && p.status != "hidden") {
            for day in (20_782 - 180)..20_782 {
                let competitor = competitor_price(p, (20_782 - day) / 21);
                let n = sold.get(&(civil_date(day), p.sku.clone())).copied().unwrap_or(0) as f64;
                if competitor > p.competitor_minor {
                    (up, up_base) = (up + n, up_base + p.base_daily_units);
                } else if competitor < p.competitor_minor {
                    (down, down_base) = (down + n, down_base + p.base_daily_units);
                }
            }
        }
        let (up_rate, down_rate) = (up / up_base, down / down_base);
        assert!(up_rate > down_rate, "dear competitors {up_rate:.3} vs cheap competitors {down_rate:.3}");
    }
}
