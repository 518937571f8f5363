//! Competitor price sanity: a price that jumps far from what the listing showed recently is held
//! for confirmation (a second observation or the merchant) before pricing may use it.

use crate::text_enum::text_enum;

text_enum! {
    /// How a competitor page is matched to our product.
    pub enum MatchKind ("match kind") {
        /// By our SKU on their page.
        Sku = "sku",
        /// By the barcode.
        Gtin = "gtin",
        /// The merchant said it is the same product.
        Manual = "manual",
    }
}

text_enum! {
    /// Stock status on a competitor's page.
    pub enum Availability ("availability") {
        /// Can be bought now (including limited stock and pre-order).
        InStock = "in_stock",
        /// Out of stock, sold out or discontinued.
        OutOfStock = "out_of_stock",
        /// The page does not say.
        Unknown = "unknown",
    }
}

text_enum! {
    /// Where on the page the price was read.
    pub enum Method ("extraction method") {
        /// schema.org JSON-LD.
        JsonLd = "json_ld",
        /// schema.org microdata (`itemprop`).
        Microdata = "microdata",
        /// OpenGraph / product meta tags.
        Meta = "meta",
        /// The user's CSS selector for the domain.
        Selector = "selector",
        /// Visible text near a currency marker (low confidence).
        Heuristic = "heuristic",
    }
}

text_enum! {
    /// How the last check of a page went: read, unchanged since, or what went wrong.
    pub enum PageStatus ("page status") {
        /// A price was read.
        Ok = "ok",
        /// The page has not changed since the last check (HTTP 304).
        NotModified = "not_modified",
        /// The address does not parse.
        InvalidUrl = "invalid_url",
        /// Not HTTPS.
        NotHttps = "not_https",
        /// The site's robots.txt disallows the page.
        BlockedByRobots = "blocked_by_robots",
        /// The address is private or local.
        ForbiddenAddress = "forbidden_address",
        /// Too many redirects.
        TooManyRedirects = "too_many_redirects",
        /// The page is too large.
        TooLarge = "too_large",
        /// No answer in time.
        Timeout = "timeout",
        /// The site asked us to slow down.
        RateLimited = "rate_limited",
        /// 404 or 410.
        PageGone = "page_gone",
        /// Another HTTP error.
        HttpError = "http_error",
        /// The site could not be reached.
        Unreachable = "unreachable",
        /// No price on the page.
        NoPrice = "no_price",
        /// Several prices and no way to tell ours.
        Ambiguous = "ambiguous",
        /// A price that does not read as a number.
        UnreadablePrice = "unreadable_price",
        /// A price without a currency.
        NoCurrency = "no_currency",
        /// The CSS selector does not parse.
        BadSelector = "bad_selector",
    }
}

impl PageStatus {
    /// A price was read, or the page is as it was.
    pub fn is_fine(self) -> bool {
        matches!(self, PageStatus::Ok | PageStatus::NotModified)
    }
}

text_enum! {
    /// A page the web search suggested, and what the merchant made of it.
    pub enum CandidateStatus ("candidate status") {
        /// Not looked at yet.
        New = "new",
        /// Tracked as a listing.
        Accepted = "accepted",
        /// Not the same product.
        Rejected = "rejected",
    }
}

/// The confidence from which a competitor price read off a page counts as the page's answer:
/// two independent sources on the page agree, or structured data the page does not contradict.
/// Below it (a lone visible-text reading, or sources that disagree) the price is shown for the
/// merchant to confirm. The extraction scorer counts a wrong price at or above it as "silently
/// wrong".
pub const ACTIONABLE_CONFIDENCE: f32 = 0.5;

/// Default largest move from the median of recent trusted prices, in basis points (30 %).
pub const DEFAULT_MAX_JUMP_BPS: u32 = 3_000;
/// How many recent trusted observations the median is taken over.
pub const SANITY_WINDOW: usize = 5;

/// Median of `values` (the lower middle for an even count); `None` when empty.
pub fn median(values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    Some(v[(v.len() - 1) / 2])
}

/// True when `new_minor` differs from the median of `recent` (trusted prices of the same listing,
/// same currency) by more than `max_jump_bps`. With fewer than two recent prices nothing is
/// suspicious yet.
pub fn is_suspicious(new_minor: i64, recent: &[i64], max_jump_bps: u32) -> bool {
    if recent.len() < 2 {
        return false;
    }
    let Some(m) = median(recent) else { return false };
    if m <= 0 {
        return new_minor != m;
    }
    let diff = i128::from(new_minor) - i128::from(m);
    diff.abs() * 10_000 > i128::from(max_jump_bps) * i128::from(m)
}

/// A second observation confirms a suspicious price when it is within `max_jump_bps` of it.
pub fn confirms(suspicious_minor: i64, new_minor: i64, max_jump_bps: u32) -> bool {
    !is_suspicious(new_minor, &[suspicious_minor, suspicious_minor], max_jump_bps)
}

/// A competitor price under this share of our own price (basis points) is not believed on sight.
pub const MIN_SHARE_OF_OUR_PRICE_BPS: i64 = 3_000;
/// A competitor price under this share of our cost (basis points) is not believed on sight.
pub const MIN_SHARE_OF_OUR_COST_BPS: i64 = 5_000;

/// True when `new_minor` is implausibly far below our own price or cost: under 30 % of what we
/// sell for, or under half of what the product costs us. Zero and one-halala prices (placeholders,
/// misreads) always are. Such a price is held as suspicious until confirmed.
pub fn implausibly_low(new_minor: i64, our_price_minor: Option<i64>, our_cost_minor: Option<i64>) -> bool {
    if new_minor <= 1 {
        return true;
    }
    let below = |ours: Option<i64>, share_bps: i64| {
        ours.is_some_and(|o| o > 0 && i128::from(new_minor) * 10_000 < i128::from(o) * i128::from(share_bps))
    };
    below(our_price_minor, MIN_SHARE_OF_OUR_PRICE_BPS) || below(our_cost_minor, MIN_SHARE_OF_OUR_COST_BPS)
}

/// True for a GS1 GTIN (8, 12, 13 or 14 digits) whose check digit is right.
pub fn is_valid_gtin(code: &str) -> bool {
    let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != code.chars().count() || ![8, 12, 13, 14].contains(&digits.len()) {
        return false;
    }
    let (body, check) = digits.split_at(digits.len() - 1);
    // Weights 3 and 1 alternate from the digit next to the check digit.
    let sum: u32 = body.iter().rev().enumerate().map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d }).sum();
    (10 - sum % 10) % 10 == check[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_far_below_ours_are_not_believed_on_sight() {
        assert!(implausibly_low(0, None, None), "zero");
        assert!(implausibly_low(1, Some(10_000), Some(5_000)), "0.01");
        assert!(implausibly_low(2_999, Some(10_000), None), "under 30 % of our price");
        assert!(!implausibly_low(3_000, Some(10_000), None));
        assert!(implausibly_low(2_499, Some(6_000), Some(5_000)), "under half our cost");
        assert!(!implausibly_low(2_500, Some(6_000), Some(5_000)));
        assert!(!implausibly_low(2, None, None), "nothing to compare with");
        assert!(!implausibly_low(i64::MAX, Some(i64::MAX), Some(i64::MAX)));
    }

    #[test]
    fn jumps_beyond_the_share_are_suspicious() {
        let recent = [10_000, 10_200, 9_900, 10_100];
        assert_eq!(median(&recent), Some(10_000));
        assert!(!is_suspicious(12_900, &recent, DEFAULT_MAX_JUMP_BPS), "+29 %");
        assert!(is_suspicious(13_100, &recent, DEFAULT_MAX_JUMP_BPS), "+31 %");
        assert!(is_suspicious(100, &recent, DEFAULT_MAX_JUMP_BPS), "-99 %: a misread or a typo");
        assert!(!is_suspicious(100, &[10_000], DEFAULT_MAX_JUMP_BPS), "not enough history");
        assert!(confirms(100, 101, DEFAULT_MAX_JUMP_BPS));
        assert!(!confirms(100, 10_000, DEFAULT_MAX_JUMP_BPS));
    }

    #[test]
    fn no_overflow_at_extremes() {
        assert!(is_suspicious(i64::MAX, &[1, 1, 1], DEFAULT_MAX_JUMP_BPS));
        assert!(!is_suspicious(i64::MAX, &[i64::MAX, i64::MAX], DEFAULT_MAX_JUMP_BPS));
    }

    #[test]
    fn gtin_check_digits() {
        for ok in ["6281007031011", "4006381333931", "96385074", "036000291452", "10012345678902"] {
            assert!(is_valid_gtin(ok), "{ok}");
        }
        for bad in ["6281007031018", "628100703101", "abc", "", "628100703101O", "٦٢٨١٠٠٧٠٣١٠١٨"] {
            assert!(!is_valid_gtin(bad), "{bad}");
        }
    }
}
