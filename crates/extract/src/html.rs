//! The HTML side: JSON-LD blocks, microdata, meta tags, a user selector and the visible-text scan.

use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};

use crate::number::{parse_price, Convention};
use crate::{
    availability, evidence, read_amount, to_minor, Availability, Candidate, ExtractError, Target, EVIDENCE_MAX,
};

/// Elements without an end tag.
const VOID: &[&str] =
    &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];

/// The element as HTML, for the evidence. Written here rather than by html5ever's serializer
/// (`ElementRef::html`), which panics ("no ElemInfo") on some trees its own parser builds from
/// broken markup — found by fuzzing. Stops soon after what the evidence keeps.
fn snippet(el: &ElementRef) -> String {
    fn escape(out: &mut String, text: &str, in_attribute: bool) {
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' if !in_attribute => out.push_str("&lt;"),
                '>' if !in_attribute => out.push_str("&gt;"),
                '"' if in_attribute => out.push_str("&quot;"),
                '\u{a0}' => out.push_str("&nbsp;"),
                c => out.push(c),
            }
        }
    }
    let mut out = String::new();
    for edge in el.traverse() {
        if out.len() > 2 * EVIDENCE_MAX {
            break;
        }
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    out.push('<');
                    out.push_str(e.name());
                    for (name, value) in e.attrs() {
                        out.push(' ');
                        out.push_str(name);
                        out.push_str("=\"");
                        escape(&mut out, value, true);
                        out.push('"');
                    }
                    out.push('>');
                }
                Node::Text(t) => escape(&mut out, t, false),
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(e) = node.value() {
                    if !VOID.contains(&e.name()) {
                        out.push_str("</");
                        out.push_str(e.name());
                        out.push('>');
                    }
                }
            }
        }
    }
    out
}

/// Class or id words of regions whose prices are not the product's price: crossed-out old prices,
/// instalment offers (Tabby, Tamara), carousels of other products, the cart, shipping banners.
const IGNORED_REGIONS: &[&str] = &[
    "old",
    "was",
    "before",
    "compare",
    "strike",
    "regular",
    "original",
    "list-price",
    "instal",
    "tabby",
    "tamara",
    "monthly",
    "related",
    "save",
    "saving",
    "savings",
    "discount",
    "recommend",
    "similar",
    "carousel",
    "swiper",
    "slider",
    "upsell",
    "cross-sell",
    "crosssell",
    "also-like",
    "cart",
    "shipping",
    "footer",
    "header",
    "nav",
    "breadcrumb",
];

/// Words that make a short text an amount saved, not a price ("You save 30.00 SAR", "وفّر ٣٠ ر.س").
const SAVING_WORDS: &[&str] = &["save", "saving", "discount", "وفر", "وفّر", "توفير", "خصم"];

/// "From 99 SAR", "يبدأ من ٩٩ ر.س": the cheapest variant's price, not this product's.
fn is_lower_bound(lower: &str) -> bool {
    const STARTS: &[&str] = &["from ", "starting", "starts at", "as low as", "من ", "ابتداء", "ابتداءً", "يبدأ", "تبدأ"];
    const INSIDE: &[&str] = &["starting at", "starting from", "يبدأ من", "تبدأ من", "ابتداءً من", "ابتداء من"];
    STARTS.iter().any(|w| lower.starts_with(w)) || INSIDE.iter().any(|w| lower.contains(w))
}

/// Elements whose text is never a visible price.
const IGNORED_TAGS: &[&str] = &["script", "style", "noscript", "template", "del", "s", "strike", "svg", "head"];

fn sel(css: &str) -> Selector {
    Selector::parse(css).expect("BUG: built-in selectors are valid")
}

/// `word` stands in `token` as whole hyphen-separated parts (`price-old`, `old-price-box`),
/// ASCII case aside. Compares parts in place: no allocation, no substring searcher (this runs for
/// every class of every element).
fn has_part(token: &str, word: &str) -> bool {
    if !word.contains('-') {
        return token.split('-').any(|t| t.eq_ignore_ascii_case(word));
    }
    let n = word.split('-').count();
    let mut parts = token.split('-');
    loop {
        let mut window = parts.clone().take(n);
        if word.split('-').all(|w| window.next().is_some_and(|t| t.eq_ignore_ascii_case(w))) {
            return true;
        }
        if parts.next().is_none() {
            return false;
        }
    }
}

/// A class or id token names a region whose prices are not the product's.
fn ignored_token(token: &str) -> bool {
    if token.contains('-') {
        IGNORED_REGIONS.iter().any(|w| has_part(token, w))
    } else {
        IGNORED_REGIONS.iter().any(|w| token.eq_ignore_ascii_case(w))
    }
}

/// The element itself is a region whose prices are not the product's.
fn self_ignored(e: &ElementRef) -> bool {
    let v = e.value();
    if IGNORED_TAGS.contains(&v.name()) {
        return true;
    }
    let (class, id) = (v.attr("class").unwrap_or_default(), v.attr("id").unwrap_or_default());
    if class.is_empty() && id.is_empty() {
        return false;
    }
    [class, id]
        .iter()
        .flat_map(|a| a.split(|c: char| c.is_whitespace() || c == '_'))
        .filter(|token| !token.is_empty())
        .any(ignored_token)
}

/// The element or one of its ancestors is such a region.
fn ignored(el: &ElementRef) -> bool {
    std::iter::once(*el).chain(el.ancestors().filter_map(ElementRef::wrap)).any(|e| self_ignored(&e))
}

fn value_of(el: &ElementRef) -> String {
    let v = el.value();
    v.attr("content").or_else(|| v.attr("value")).map(str::to_owned).unwrap_or_else(|| el.text().collect::<String>())
}

/// The element's text if it has at most `max` bytes (without collecting more than that).
fn short_text(el: &ElementRef, max: usize) -> Option<String> {
    let mut out = String::new();
    for chunk in el.text() {
        if out.len() + chunk.len() > max {
            return None;
        }
        out.push_str(chunk);
    }
    Some(out)
}

/// A parsed page.
pub(crate) struct Page {
    doc: Html,
    /// What the visible text says of stock, read once on first use.
    availability: std::cell::OnceCell<Availability>,
    /// The buy box ([`Page::buy_box_region`]), found once on first use.
    buy_box: std::cell::OnceCell<Option<ego_tree::NodeId>>,
}

impl Page {
    pub(crate) fn parse(html: &str) -> Page {
        Page {
            doc: Html::parse_document(html),
            availability: std::cell::OnceCell::new(),
            buy_box: std::cell::OnceCell::new(),
        }
    }

    pub(crate) fn json_ld_blocks(&self) -> Vec<String> {
        let s = sel(r#"script[type="application/ld+json" i]"#);
        self.doc.select(&s).map(|e| e.text().collect::<String>()).collect()
    }

    /// "Out of stock" / "in stock" said in the visible text, for methods that do not say.
    fn page_availability(&self) -> Availability {
        *self.availability.get_or_init(|| self.read_availability())
    }

    fn read_availability(&self) -> Availability {
        let body = sel("body");
        let Some(b) = self.doc.select(&body).next() else { return Availability::Unknown };
        // The phrases are Arabic (no case) or ASCII: an ASCII lowercase is enough.
        let text = b.text().collect::<String>().to_ascii_lowercase();
        if ["نفدت الكمية", "غير متوفر", "out of stock", "sold out", "نفذت الكمية"].iter().any(|p| text.contains(p))
        {
            Availability::OutOfStock
        } else if ["أضف للسلة", "أضف إلى السلة", "add to cart", "متوفر"].iter().any(|p| text.contains(p))
        {
            Availability::InStock
        } else {
            Availability::Unknown
        }
    }

    fn or_page(&self, a: Availability) -> Availability {
        if a == Availability::Unknown {
            self.page_availability()
        } else {
            a
        }
    }

    pub(crate) fn microdata(&self, target: &Target) -> Result<Vec<Candidate>, ExtractError> {
        let price_sel = sel("[itemprop~=price], [itemprop~=lowPrice]");
        let mut out = Vec::new();
        let mut first_error = None;
        for el in self.doc.select(&price_sel) {
            if ignored(&el) {
                continue;
            }
            // The offer's scope: the nearest itemscope ancestor; the product's: the nearest one
            // typed Product.
            let scopes: Vec<ElementRef> =
                el.ancestors().filter_map(ElementRef::wrap).filter(|a| a.value().attr("itemscope").is_some()).collect();
            let Some(offer) = scopes.first() else { continue };
            let product = scopes
                .iter()
                .find(|s| {
                    s.value().attr("itemtype").is_some_and(|t| t.ends_with("/Product") || t.ends_with("/ProductModel"))
                })
                .unwrap_or(offer);
            let prop = |scope: &ElementRef, name: &str| {
                let s = sel(&format!("[itemprop~={name}]"));
                scope.select(&s).next().map(|e| value_of(&e).trim().to_owned())
            };
            let raw = value_of(&el);
            let machine = el.value().attr("content").is_some();
            let parsed =
                read_amount(&raw, machine).and_then(|p| to_minor(&p, prop(offer, "priceCurrency").as_deref(), target));
            match parsed {
                Ok((amount_minor, currency)) => out.push(Candidate {
                    vat_included: None,
                    amount_minor,
                    currency,
                    availability: self.or_page(
                        offer
                            .select(&sel("[itemprop~=availability]"))
                            .next()
                            .map(|a| a.value().attr("href").map(str::to_owned).unwrap_or_else(|| value_of(&a)))
                            .map_or(Availability::Unknown, |a| availability(&a)),
                    ),
                    evidence: evidence(&snippet(offer)),
                    sku: prop(product, "sku").or_else(|| prop(offer, "sku")),
                    gtin: ["gtin13", "gtin", "gtin12", "gtin14", "gtin8"].iter().find_map(|k| prop(product, k)),
                    name: prop(product, "name"),
                }),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match (out.is_empty(), first_error) {
            (true, Some(e)) => Err(e),
            _ => Ok(out),
        }
    }

    pub(crate) fn meta(&self, target: &Target) -> Result<Vec<Candidate>, ExtractError> {
        // One pass over the page's meta tags (this runs for every page, as a cross-check).
        let tags: Vec<(&str, &str)> = self
            .doc
            .select(&sel("meta[content]"))
            .filter_map(|e| {
                let v = e.value();
                Some((v.attr("property").or_else(|| v.attr("name"))?, v.attr("content")?))
            })
            .collect();
        let find =
            |names: &[&str]| names.iter().find_map(|n| tags.iter().find(|(k, _)| k == n).map(|(_, v)| (*v).to_owned()));
        let Some(amount) =
            find(&["product:price:amount", "og:price:amount", "product:sale_price:amount", "twitter:data1"])
        else {
            return Ok(Vec::new());
        };
        let currency = find(&["product:price:currency", "og:price:currency"]);
        let machine = amount.trim().chars().all(|c| c.is_ascii_digit() || c == '.');
        let price = read_amount(&amount, machine)?;
        let (amount_minor, currency) = to_minor(&price, currency.as_deref(), target)?;
        let avail =
            find(&["product:availability", "og:availability"]).map_or(Availability::Unknown, |a| availability(&a));
        Ok(vec![Candidate {
            vat_included: None,
            amount_minor,
            currency,
            availability: self.or_page(avail),
            evidence: evidence(&format!("meta price {amount}")),
            sku: find(&["product:retailer_item_id"]),
            gtin: None,
            name: None,
        }])
    }

    /// WooCommerce's variations (`form.variations_form[data-product_variations]`): each variant's
    /// SKU, options, shelf price (`display_price`) and stock. The currency is the page's own
    /// (`woocommerce-Price-currencySymbol`, else the product meta tags).
    pub(crate) fn woo_variations(&self, target: &Target) -> Result<Vec<Candidate>, ExtractError> {
        let Some(form) = self.doc.select(&sel("form[data-product_variations]")).next() else {
            return Ok(Vec::new());
        };
        let raw = form.value().attr("data-product_variations").unwrap_or_default();
        // `false` when the shop has too many variants to embed them (they load by AJAX).
        let Ok(serde_json::Value::Array(variants)) = serde_json::from_str::<serde_json::Value>(raw) else {
            return Ok(Vec::new());
        };
        let currency = self
            .doc
            .select(&sel(".woocommerce-Price-currencySymbol"))
            .next()
            .map(|e| e.text().collect::<String>())
            .or_else(|| {
                let s = sel(r#"meta[property="product:price:currency"], meta[property="og:price:currency"]"#);
                self.doc.select(&s).next().and_then(|e| e.value().attr("content").map(str::to_owned))
            });
        let mut out = Vec::new();
        for v in &variants {
            let amount = match v.get("display_price") {
                Some(serde_json::Value::Number(n)) => n.to_string(),
                Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.clone(),
                _ => continue,
            };
            let price = read_amount(&amount, true)?;
            let (amount_minor, currency) = to_minor(&price, currency.as_deref(), target)?;
            let options: Vec<String> = v
                .get("attributes")
                .and_then(serde_json::Value::as_object)
                .map(|a| a.values().filter_map(|x| x.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            let in_stock = v.get("is_in_stock").and_then(serde_json::Value::as_bool);
            out.push(Candidate {
                vat_included: None,
                amount_minor,
                currency,
                availability: match in_stock {
                    Some(true) => Availability::InStock,
                    Some(false) => Availability::OutOfStock,
                    None => Availability::Unknown,
                },
                evidence: evidence(&format!("WooCommerce variation {v}")),
                sku: v.get("sku").and_then(|s| s.as_str()).map(str::to_owned),
                gtin: None,
                name: Some(options.join(" ")).filter(|n| !n.is_empty()),
            });
        }
        Ok(out)
    }

    pub(crate) fn selector(&self, css: &str, target: &Target) -> Result<Vec<Candidate>, ExtractError> {
        let s = Selector::parse(css).map_err(|e| ExtractError::BadSelector(format!("{css}: {e}")))?;
        let Some(el) = self.doc.select(&s).next() else { return Ok(Vec::new()) };
        let raw = value_of(&el);
        let price = read_amount(&raw, false)?;
        let (amount_minor, currency) = to_minor(&price, None, target)?;
        Ok(vec![Candidate {
            vat_included: None,
            amount_minor,
            currency,
            availability: self.page_availability(),
            evidence: evidence(&snippet(&el)),
            sku: None,
            gtin: None,
            name: None,
        }])
    }

    /// Innermost short elements whose text has digits and a currency marker, outside ignored
    /// regions. Needs the currency on the page: a bare number in the text is never a price.
    pub(crate) fn visible_prices(&self, target: &Target) -> Result<Vec<Candidate>, ExtractError> {
        self.visible(target, false)
    }

    /// The visible prices of the product's buy box (around its title and its buy button) when the
    /// page has one, else all visible prices: what a shopper sees as this product's price.
    pub(crate) fn buy_box_prices(&self, target: &Target) -> Result<Vec<Candidate>, ExtractError> {
        self.visible(target, true)
    }

    fn visible(&self, target: &Target, buy_box_only: bool) -> Result<Vec<Candidate>, ExtractError> {
        let mut out = Vec::new();
        let mut nodes: Vec<ego_tree::NodeId> = Vec::new();
        let mut ambiguous = None;
        // Depth first in document order; an ignored region is skipped with everything inside it.
        let mut stack: Vec<ElementRef> = self.doc.select(&sel("body")).collect();
        while let Some(el) = stack.pop() {
            if self_ignored(&el) {
                continue;
            }
            let children: Vec<ElementRef> = el.children().filter_map(ElementRef::wrap).collect();
            stack.extend(children.iter().rev().copied());
            // Cheap first: containers with long text are skipped without collecting all of it.
            let Some(text) = short_text(&el, 120) else { continue };
            let trimmed = text.trim();
            if trimmed.is_empty() || trimmed.chars().count() > 40 || !trimmed.chars().any(|c| c.is_numeric()) {
                continue;
            }
            // Innermost: no child element carries the whole price by itself.
            let child_has_price = el.children().filter_map(ElementRef::wrap).any(|c| {
                let t: String = c.text().collect();
                t.chars().any(|ch| ch.is_numeric())
                    && parse_price(&t, Convention::Unknown).is_ok_and(|p| p.currency.is_some())
            });
            if child_has_price {
                continue;
            }
            let price = match parse_price(trimmed, Convention::Unknown) {
                Ok(p) if p.currency.is_some() => p,
                Ok(_) => continue,
                Err(e @ crate::NumberError::Ambiguous(_)) => {
                    // A price-like text we refuse to guess: say so if nothing else turns up.
                    ambiguous.get_or_insert(ExtractError::Unreadable(e.to_string()));
                    continue;
                }
                Err(_) => continue,
            };
            let Ok((amount_minor, currency)) = to_minor(&price, None, target) else { continue };
            let lower = trimmed.to_ascii_lowercase();
            if SAVING_WORDS.iter().any(|w| lower.contains(w)) || is_lower_bound(&lower) {
                continue;
            }
            nodes.push(el.id());
            out.push(Candidate {
                vat_included: None,
                amount_minor,
                currency,
                availability: self.page_availability(),
                evidence: evidence(&snippet(&el)),
                sku: None,
                gtin: None,
                name: None,
            });
        }
        let distinct: std::collections::BTreeSet<(i64, &str)> =
            out.iter().map(|c| (c.amount_minor, c.currency.code())).collect();
        let inside = |region: ego_tree::NodeId, n: &ego_tree::NodeId| {
            self.doc.tree.get(*n).is_some_and(|node| node.ancestors().any(|a| a.id() == region))
        };
        if buy_box_only {
            if let Some(region) = self.buy_box_region() {
                return Ok(out.iter().zip(&nodes).filter(|(_, n)| inside(region, n)).map(|(c, _)| c.clone()).collect());
            }
        }
        if distinct.len() > 1 {
            // Several prices on the page (a delivery banner, "bought together", other sellers):
            // the product's own are those in its region, around its title and its buy button.
            if let Some(region) = self.product_region(&nodes) {
                let kept: Vec<Candidate> =
                    out.iter().zip(&nodes).filter(|(_, n)| inside(region, n)).map(|(c, _)| c.clone()).collect();
                if !kept.is_empty() {
                    return Ok(kept);
                }
            }
        }
        match (out.is_empty(), ambiguous) {
            (true, Some(e)) => Err(e),
            _ => Ok(out),
        }
    }

    /// Machine price values the page keeps in attributes (`data-price-amount` of Magento's final
    /// price, `data-price`, `data-product-price`), in the buy box when the page has one, outside
    /// old-price and other ignored regions: an independent source for a price read from the text.
    pub(crate) fn price_attributes(&self) -> Vec<String> {
        let region = self.buy_box_region();
        let s = sel("[data-price-amount], [data-price], [data-product-price]");
        self.doc
            .select(&s)
            .filter(|e| e.value().attr("data-price-type").is_none_or(|t| t == "finalPrice"))
            .filter(|e| region.is_none_or(|r| e.ancestors().any(|a| a.id() == r)))
            .filter(|e| !ignored(e))
            .filter_map(|e| {
                let v = e.value();
                v.attr("data-price-amount").or_else(|| v.attr("data-price")).or_else(|| v.attr("data-product-price"))
            })
            .map(str::to_owned)
            .collect()
    }

    /// The smallest element holding both the product's title (the first `h1`) and its buy button,
    /// unless that is the whole page.
    fn buy_box_region(&self) -> Option<ego_tree::NodeId> {
        *self.buy_box.get_or_init(|| self.find_buy_box())
    }

    fn find_buy_box(&self) -> Option<ego_tree::NodeId> {
        let h1 = self.doc.select(&sel("h1")).next()?;
        let title_line: Vec<ego_tree::NodeId> = h1.ancestors().map(|a| a.id()).collect();
        let buy = self.doc.select(&sel("button, input[type=submit], a")).find(is_buy_button)?;
        let common = buy.ancestors().map(|a| a.id()).find(|id| title_line.contains(id))?;
        let whole = |name: &str| matches!(name, "body" | "html");
        let node = self.doc.tree.get(common)?;
        match node.value() {
            Node::Element(e) if whole(e.name()) => None,
            Node::Element(_) => Some(common),
            _ => None,
        }
    }

    /// The product's own region: the smallest element holding both its title (the first `h1`) and
    /// its buy button, else the smallest around the title that holds a price.
    fn product_region(&self, priced: &[ego_tree::NodeId]) -> Option<ego_tree::NodeId> {
        if let Some(region) = self.buy_box_region() {
            return Some(region);
        }
        let h1 = self.doc.select(&sel("h1")).next()?;
        let title_line: Vec<ego_tree::NodeId> = h1.ancestors().map(|a| a.id()).collect();
        title_line.into_iter().find(|id| {
            priced.iter().any(|p| self.doc.tree.get(*p).is_some_and(|n| n.ancestors().any(|a| a.id() == *id)))
        })
    }
}

/// Words on a control that puts the product in the cart or buys it.
const BUY_WORDS: &[&str] = &[
    "add to cart",
    "add-to-cart",
    "add_to_cart",
    "addtocart",
    "add to bag",
    "buy now",
    "buy-now",
    "أضف للسلة",
    "أضف إلى السلة",
    "اضف للسلة",
    "اضف الى السلة",
    "إضافة للسلة",
    "أضف الى السلة",
    "اشتر الآن",
    "اشتري الآن",
];

fn is_buy_button(e: &ElementRef) -> bool {
    let v = e.value();
    let text: String = e.text().collect::<String>().to_lowercase();
    let attrs = ["class", "id", "name", "value", "aria-label"]
        .iter()
        .filter_map(|a| v.attr(a))
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    text.len() < 80 && BUY_WORDS.iter().any(|w| text.contains(w) || attrs.contains(w))
        || attrs.contains("btn-add")
        || attrs.contains("single_add_to_cart")
}

#[cfg(test)]
mod tests {
    use super::has_part;

    #[test]
    fn region_words_match_whole_hyphenated_parts() {
        for (token, word) in
            [("old", "old"), ("price-old", "old"), ("old-price", "old"), ("a-list-price-b", "list-price")]
        {
            assert!(has_part(token, word), "{token} / {word}");
        }
        for (token, word) in [("bold", "old"), ("golden-price", "old"), ("oldest", "old"), ("cartoon", "cart")] {
            assert!(!has_part(token, word), "{token} / {word}");
        }
    }
}
