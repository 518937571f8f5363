//! Benchmark: extraction throughput (MB/s of HTML) and the p99 time for a 200 KB page, for a
//! page with JSON-LD and for one the visible-text scan has to read.
//! Run: `cargo bench -p spo-extract --bench extract`. Prints numbers.

use std::time::{Duration, Instant};

use spo_extract::{extract, Target};

/// A shop page of about `bytes` bytes: header, reviews, a related-products carousel, and either
/// JSON-LD or only a visible price.
fn page(bytes: usize, structured: bool) -> String {
    let mut html = String::from(
        r#"<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>قهوة عربية</title></head><body>
<header class="site-header"><nav><a href="/">الرئيسية</a></nav><div class="cart">السلة 0 ر.س</div></header><main>
<h1>قهوة عربية فاخرة 500 غ</h1><div class="product-price"><span class="price-current">١٬٢٩٩٫٠٠ <span>ر.س</span></span>
<del>1,499.00 ر.س</del></div><div class="tabby-promo">أو ٤ دفعات بقيمة 324.75 ر.س</div>"#,
    );
    let mut i = 0;
    while html.len() < bytes {
        html.push_str(&format!(
            "<div class=\"review\"><strong>عميل {i}</strong><p>منتج ممتاز، التوصيل سريع والتغليف جيد. أنصح به.</p></div>\n\
             <section class=\"related-products\"><div class=\"card\"><span>منتج {i}</span><span>{}.00 ر.س</span></div></section>\n",
            40 + i % 200
        ));
        i += 1;
    }
    if structured {
        html.push_str(r#"<script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"قهوة","sku":"CF-500","offers":{"@type":"Offer","price":"1299.00","priceCurrency":"SAR","availability":"https://schema.org/InStock"}}</script>"#);
    }
    html.push_str("</main></body></html>");
    html
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    let idx = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[idx]
}

fn main() {
    let target = Target::default();
    println!("competitor price extraction:");
    for structured in [true, false] {
        let label = if structured { "JSON-LD page" } else { "visible-text page" };
        // Throughput on a 5 MB page.
        let big = page(5 * 1024 * 1024, structured);
        let got = extract(&big, &target).expect("price");
        assert_eq!(got.amount_minor, 129_900);
        let runs = 5;
        let t = Instant::now();
        for _ in 0..runs {
            extract(&big, &target).expect("price");
        }
        let per = t.elapsed() / runs;
        let mb = big.len() as f64 / 1_000_000.0;
        // The floor, on the same page: html5ever building the document, which every method reads.
        let t = Instant::now();
        for _ in 0..runs {
            std::hint::black_box(scraper::Html::parse_document(&big));
        }
        let parse = t.elapsed() / runs;
        println!(
            "  {label:<18} throughput: {:>6.1} MB/s ({mb:.1} MB in {:.0} ms); html5ever's parse alone {:.1} MB/s",
            mb / per.as_secs_f64(),
            per.as_secs_f64() * 1000.0,
            mb / parse.as_secs_f64()
        );
        // Latency on a 200 KB page.
        let small = page(200 * 1024, structured);
        let mut times = Vec::new();
        for _ in 0..300 {
            let t = Instant::now();
            extract(&small, &target).expect("price");
            times.push(t.elapsed());
        }
        println!(
            "  {label:<18} 200 KB page: p50 {:.2} ms, p99 {:.2} ms",
            percentile(times.clone(), 0.5).as_secs_f64() * 1000.0,
            percentile(times, 0.99).as_secs_f64() * 1000.0
        );
    }
}
