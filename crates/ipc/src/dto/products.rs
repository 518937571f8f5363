//! The Products screen: queries, pages and rows.

use serde::{Deserialize, Serialize};

/// A page request for a store's products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductQuery {
    /// The store (local id).
    pub store_id: String,
    /// Case-insensitive substring of the name or SKU; empty for all.
    #[serde(default)]
    pub search: String,
    /// Page size (1–1000).
    pub limit: u32,
    /// Rows to skip.
    #[serde(default)]
    pub offset: u32,
    /// Only this category (by name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Only this status (`sale`, `out`, `hidden`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Sort key.
    #[serde(default)]
    pub sort: ProductSort,
    /// Largest first.
    #[serde(default)]
    pub descending: bool,
}

/// Sort keys of the products list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ProductSort {
    /// By name.
    #[default]
    Name,
    /// By price.
    Price,
    /// By gross margin.
    Margin,
    /// By stock.
    Stock,
}

/// One product row of the Products screen. Money in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductItem {
    /// Local id.
    pub id: String,
    /// Salla's id.
    pub salla_id: i64,
    /// Name.
    pub name: String,
    /// SKU.
    pub sku: Option<String>,
    /// `sale`, `out`, `hidden`, …
    pub status: String,
    /// Category name.
    pub category: Option<String>,
    /// ISO currency.
    pub currency: String,
    /// Regular price before VAT, minor units.
    pub price_minor: i64,
    /// Sale price before VAT while a sale runs today (minor units).
    #[serde(default)]
    pub sale_price_minor: Option<i64>,
    /// The running sale's last day (`YYYY-MM-DD`), when it has one.
    #[serde(default)]
    pub sale_end: Option<String>,
    /// Cost, minor units.
    pub cost_minor: Option<i64>,
    /// Stock.
    pub quantity: Option<i64>,
    /// Live variants.
    pub variants: u32,
    /// Units sold in the last 30 days.
    pub units30d: u64,
}

/// A page of products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductPage {
    /// The rows.
    pub items: Vec<ProductItem>,
    /// Matches in all pages.
    pub total: u64,
}
