//! Golden tests over a corpus of realistic pages (`tests/corpus`), each with its exact expected
//! result.

use spo_domain::Currency;
use spo_extract::{extract, Availability, ExtractError, Method, Target};

fn page(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn sku(s: &str) -> Target {
    Target { sku: Some(s.into()), ..Target::default() }
}

#[track_caller]
fn expect(name: &str, target: &Target, minor: i64, currency: &str, method: Method, availability: Availability) {
    let got = extract(&page(name), target).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        (got.amount_minor, got.currency.code(), got.method, got.availability),
        (minor, currency, method, availability),
        "{name}: {got:?}"
    );
    assert!(!got.evidence.is_empty() && got.evidence.len() <= 1024, "{name}: evidence {:?}", got.evidence);
}

#[test]
fn structured_data() {
    let none = Target::default();
    expect("jsonld-product.html", &none, 129_900, "SAR", Method::JsonLd, Availability::InStock);
    expect("jsonld-graph.html", &none, 4_500, "SAR", Method::JsonLd, Availability::InStock);
    // A range of four offers with none of them listed: the variants' spread, not a price.
    let err = extract(&page("jsonld-aggregate.html"), &none).expect_err("a range is not a price");
    assert!(matches!(err, ExtractError::Ambiguous(ref s) if s.contains("89.50") && s.contains("120.00")), "{err:?}");
    expect("jsonld-pricespec.html", &none, 15_000, "SAR", Method::JsonLd, Availability::InStock);
    expect("opengraph.html", &none, 7_500, "SAR", Method::Meta, Availability::InStock);
    // Broken JSON-LD is skipped; microdata answers, ignoring the related-products carousel.
    expect("broken-jsonld-microdata.html", &none, 34_900, "SAR", Method::Microdata, Availability::OutOfStock);
    expect("broken-jsonld-microdata.html", &sku("OD-77"), 34_900, "SAR", Method::Microdata, Availability::OutOfStock);
}

#[test]
fn variants_are_picked_by_sku_gtin_or_option() {
    let p = "jsonld-productgroup.html";
    expect(p, &sku("AB-M"), 33_500, "SAR", Method::JsonLd, Availability::OutOfStock);
    expect(p, &sku("ab-l"), 35_000, "SAR", Method::JsonLd, Availability::Unknown);
    let gtin = Target { gtin: Some("6280000000017".into()), ..Target::default() };
    expect(p, &gtin, 33_500, "SAR", Method::JsonLd, Availability::OutOfStock);
    let option = Target { option_text: Some("- S".into()), ..Target::default() };
    expect(p, &option, 32_000, "SAR", Method::JsonLd, Availability::InStock);
    // Three prices and nothing to choose by: refused, not guessed.
    let err = extract(&page(p), &Target::default()).expect_err("ambiguous");
    assert!(matches!(err, ExtractError::Ambiguous(ref s) if s.contains("320.00") && s.contains("350.00")), "{err:?}");
}

#[test]
fn visible_text_ignores_old_prices_instalments_and_carousels() {
    let got = extract(&page("visible-arabic.html"), &Target::default()).expect("price");
    assert_eq!((got.amount_minor, got.currency, got.method), (129_900, Currency::SAR, Method::Heuristic));
    assert!(got.confidence < 0.5, "a text scan is low confidence");
}

#[test]
fn no_price_unless_the_page_states_one() {
    assert_eq!(extract(&page("js-only.html"), &Target::default()), Err(ExtractError::NoPrice));
    assert_eq!(
        extract(&page("selector.html"), &Target::default()),
        Err(ExtractError::NoPrice),
        "a bare 249 is not a price"
    );
    // `1.299 ر.س`: riyals have two decimals, so the dot groups thousands. In dinars (three
    // decimals) both readings are possible: refused, not guessed.
    let got = extract(&page("ambiguous-text.html"), &Target::default()).expect("1,299 riyals");
    assert_eq!((got.amount_minor, got.currency.code()), (129_900, "SAR"));
    let err = extract(&page("ambiguous-kwd.html"), &Target::default()).expect_err("1.299 KWD is not guessed");
    assert!(matches!(err, ExtractError::Unreadable(_)), "{err:?}");
}

#[test]
fn the_users_selector_with_a_default_currency() {
    let target = Target {
        selector: Some(r#"[data-testid="final-price"]"#.into()),
        default_currency: Some(Currency::SAR),
        ..Target::default()
    };
    expect("selector.html", &target, 24_900, "SAR", Method::Selector, Availability::Unknown);
    let bad = Target { selector: Some("b[[".into()), ..Target::default() };
    assert!(matches!(extract(&page("selector.html"), &bad), Err(ExtractError::BadSelector(_))));
}

#[test]
fn other_currencies_are_reported_never_taken_as_sar() {
    let got = extract(&page("usd.html"), &Target { default_currency: Some(Currency::SAR), ..Target::default() })
        .expect("price");
    assert_eq!((got.amount_minor, got.currency.code()), (1_999, "USD"));
}

#[test]
fn page_text_cannot_change_the_result() {
    expect("injection.html", &Target::default(), 25_000, "SAR", Method::JsonLd, Availability::Unknown);
}

#[test]
fn a_multi_megabyte_page() {
    let mut html = String::from("<html><body><main>");
    for i in 0..30_000 {
        html.push_str(&format!("<div class=\"review\"><p>تقييم رقم {i}: منتج رائع والتوصيل سريع</p></div>\n"));
    }
    html.push_str(r#"</main><script type="application/ld+json">{"@type":"Product","name":"X","offers":{"price":"58.75","priceCurrency":"SAR"}}</script></body></html>"#);
    assert!(html.len() > 3_000_000);
    let got = extract(&html, &Target::default()).expect("price at the end of a big page");
    assert_eq!(got.amount_minor, 5_875);
}

mod properties {
    use proptest::prelude::*;
    use spo_extract::{extract, Target};

    proptest! {
        /// Whatever amount a JSON-LD offer states, as a number or a machine string, comes out exact.
        #[test]
        fn json_ld_amounts_are_exact(minor in 0i64..100_000_000_000, as_string in any::<bool>()) {
            let amount = format!("{}.{:02}", minor / 100, minor % 100);
            let price = if as_string { format!("\"{amount}\"") } else { amount.clone() };
            let html = format!(
                r#"<html><head><script type="application/ld+json">{{"@type":"Product","offers":{{"price":{price},"priceCurrency":"SAR"}}}}</script></head></html>"#
            );
            let got = extract(&html, &Target::default()).map_err(|e| TestCaseError::fail(format!("{html}: {e}")))?;
            prop_assert_eq!(got.amount_minor, minor);
        }

        /// Arbitrary markup never panics.
        #[test]
        fn arbitrary_html_never_panics(html in "(<[a-z]{1,6}( (class|itemprop|content)=\"[^\"]{0,12}\")?>|[^<]{0,20}|</[a-z]{1,6}>){0,30}") {
            let _ = extract(&html, &Target::default());
        }
    }
}

/// Inputs the fuzzer found that once panicked: each must come back as a result.
#[test]
fn fuzzer_finds_stay_fixed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("regressions dir") {
        let path = entry.expect("entry").path();
        let text = String::from_utf8_lossy(&std::fs::read(&path).expect("read")).into_owned();
        for target in [sku("AB-M"), Target { selector: Some("[data-price]".into()), ..Target::default() }] {
            if let Ok(got) = extract(&text, &target) {
                assert!(got.evidence.len() <= 1024, "{}: {got:?}", path.display());
            }
        }
        seen += 1;
    }
    assert!(seen > 0, "the regression inputs are there");
}

#[test]
fn evidence_is_the_element_as_html() {
    let got = extract(
        r#"<html><body><div class="product"><span class="price" data-x='a"b'>129.00 ر.س &amp; VAT</span></div></body></html>"#,
        &Target { selector: Some(".price".into()), ..Target::default() },
    )
    .expect("price");
    assert_eq!(got.evidence, r#"<span class="price" data-x="a&quot;b">129.00 ر.س &amp; VAT</span>"#);
}

#[test]
fn a_price_of_zero_is_no_price() {
    let ld = |price: &str| {
        format!(
            r#"<html><head><script type="application/ld+json">{{"@type":"Product","name":"x",
            "offers":{{"@type":"Offer","price":"{price}","priceCurrency":"SAR"}}}}</script></head>
            <body><p>تواصل معنا للسعر</p></body></html>"#
        )
    };
    for zero in ["0", "0.00", "0.0"] {
        assert_eq!(extract(&ld(zero), &Target::default()), Err(ExtractError::NoPrice), "{zero}");
    }
    // A zero placeholder beside the real structured price: the real one.
    let page = r#"<html><head><script type="application/ld+json">{"@type":"Product","name":"x","offers":[
        {"@type":"Offer","price":"0","priceCurrency":"SAR"},{"@type":"Offer","price":"149.00","priceCurrency":"SAR"}]}
        </script></head><body></body></html>"#;
    assert_eq!(extract(page, &Target::default()).map(|x| x.amount_minor), Ok(14_900));
    // Visible text only: "0.00 ر.س" is not a price either.
    let text = r#"<html><body><h1>قهوة</h1><div class="price">0.00 ر.س</div></body></html>"#;
    assert_eq!(extract(text, &Target::default()).map(|x| x.amount_minor), Err(ExtractError::NoPrice));
}
