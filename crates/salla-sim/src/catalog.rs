//! The demo store's catalogue: realistic Saudi retail products, deterministic.

/// A product of the simulated store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimProduct {
    /// Salla id.
    pub id: i64,
    /// Arabic name (Salla's default language).
    pub name: String,
    /// SKU.
    pub sku: String,
    /// Price in halalas.
    pub price_minor: i64,
    /// Cost in halalas.
    pub cost_minor: i64,
    /// Stock.
    pub quantity: i64,
    /// `sale`, `out` or `hidden`.
    pub status: &'static str,
    /// Category (id, Arabic name).
    pub category: (i64, &'static str),
}

const FAMILIES: &[(&str, &str, i64, (i64, &str))] = &[
    ("قهوة عربية", "CF", 4_500, (101, "القهوة")),
    ("تمر سكري", "DT", 3_800, (102, "التمور")),
    ("عطر عود", "OD", 24_900, (103, "العطور")),
    ("بخور دوسري", "BK", 8_900, (103, "العطور")),
    ("عباية كريب", "AB", 32_000, (104, "الأزياء")),
    ("شماغ قطني", "SH", 12_500, (104, "الأزياء")),
    ("دلة قهوة نحاس", "DL", 15_900, (105, "المنزل")),
    ("سجادة صلاة", "PR", 9_500, (105, "المنزل")),
    ("عسل سدر", "HN", 18_000, (102, "التمور")),
    ("زيت زيتون", "OL", 6_900, (106, "البقالة")),
];
const VARIANTS: &[&str] = &["250 غ", "500 غ", "1 كغ", "صغير", "وسط", "كبير", "أسود", "بني", "هدية", "عائلي"];

/// `n` products, the same every time.
pub fn demo_catalog(n: usize) -> Vec<SimProduct> {
    (0..n)
        .map(|i| {
            let (name, sku, base, category) = FAMILIES[i % FAMILIES.len()];
            let variant = VARIANTS[(i / FAMILIES.len()) % VARIANTS.len()];
            let round = i / (FAMILIES.len() * VARIANTS.len());
            // Prices spread ±30 % around the family base, ending in .95 or .00.
            let spread = ((i * 37) % 61) as i64 - 30;
            let raw = base + base * spread / 100;
            let price_minor = if i % 2 == 0 { raw / 100 * 100 + 95 } else { raw / 100 * 100 };
            let cost_minor = price_minor * (55 + (i as i64 * 7) % 20) / 100;
            let status = match i % 23 {
                0 => "out",
                11 => "hidden",
                _ => "sale",
            };
            SimProduct {
                id: 1_000_000 + i as i64,
                name: if round == 0 { format!("{name} {variant}") } else { format!("{name} {variant} ({round})") },
                sku: format!("{sku}-{:05}", i),
                price_minor,
                cost_minor,
                quantity: if status == "out" { 0 } else { ((i * 13) % 120) as i64 },
                status,
                category,
            }
        })
        .collect()
}
