//! Any bytes: the extractor and the price parser must return, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spo_extract::{extract, parse_price, Convention, Target};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = extract(text, &Target { sku: Some("AB-M".into()), ..Target::default() });
    let _ = extract(text, &Target { selector: Some("[data-price]".into()), ..Target::default() });
    for convention in [Convention::Unknown, Convention::DotDecimal, Convention::CommaDecimal] {
        let _ = parse_price(text, convention);
    }
});
