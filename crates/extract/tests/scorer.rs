//! The extraction scorer: every page of `tests/corpus/expected.tsv` (expected results written
//! before the code that passes them) through `extract`, sorted into what it means for a merchant.
//! Prints the table; fails on any silently wrong answer (a price that is not the product's, with
//! the confidence the pricing agents act on) and on any page that scores below exact.
//! A fifth column, `incl` or `excl`, says whether the expected amount includes VAT; an answer in
//! the other basis is a wrong price.
//! Run: `cargo test -p spo-extract --test scorer -- --nocapture`.

use std::collections::BTreeMap;

use spo_domain::competitors::ACTIONABLE_CONFIDENCE;
use spo_extract::{extract, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Score {
    /// The right price with the confidence agents act on (or a refusal where one is right).
    Exact,
    /// The right price, below the agents' threshold: shown for confirmation.
    CorrectLowConfidence,
    /// Refused although a person reads the price.
    RefusedReadable,
    /// A wrong price below the threshold: never acted on, but shown.
    WrongLowConfidence,
    /// A wrong price the agents would act on.
    SilentlyWrong,
}

#[test]
fn the_corpus_scores_exact_and_never_silently_wrong() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let manifest = std::fs::read_to_string(dir.join("expected.tsv")).expect("expected.tsv");
    let mut table: BTreeMap<String, BTreeMap<Score, u32>> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut pages = 0;
    for line in manifest.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, target, expected, class, basis) = match cols[..] {
            [f, t, e, c] => (f, t, e, c, None),
            [f, t, e, c, b] => (f, t, e, c, Some(b == "incl")),
            _ => panic!("bad line {line:?}"),
        };
        let html = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let target = match target.strip_prefix("sku=") {
            Some(sku) => Target { sku: Some(sku.into()), ..Target::default() },
            None => Target::default(),
        };
        let got = extract(&html, &target);
        let score = match (expected, &got) {
            ("refuse", Err(_)) => Score::Exact,
            ("refuse", Ok(x)) if x.confidence >= ACTIONABLE_CONFIDENCE => Score::SilentlyWrong,
            ("refuse", Ok(_)) => Score::WrongLowConfidence,
            (_, Err(_)) => Score::RefusedReadable,
            (want, Ok(x)) => {
                let said = format!(
                    "{} {}",
                    spo_domain::Money::from_minor(x.amount_minor, x.currency).to_decimal_string(),
                    x.currency.code()
                );
                // A price in the wrong basis (with or without VAT) is 15 % off: a wrong price.
                let right = said == want && basis.is_none_or(|incl| incl == x.vat_included);
                match (right, x.confidence >= ACTIONABLE_CONFIDENCE) {
                    (true, true) => Score::Exact,
                    (true, false) => Score::CorrectLowConfidence,
                    (false, true) => Score::SilentlyWrong,
                    (false, false) => Score::WrongLowConfidence,
                }
            }
        };
        *table.entry(class.to_owned()).or_default().entry(score).or_default() += 1;
        if score != Score::Exact {
            failures.push(format!("{file} ({class}, {target:?}): expected {expected}, got {got:?} → {score:?}"));
        }
        pages += 1;
    }
    println!("{:<22} {:>6} {:>9} {:>9} {:>9} {:>9}", "class", "exact", "right-low", "refused", "wrong-low", "SILENT");
    let mut total: BTreeMap<Score, u32> = BTreeMap::new();
    for (class, scores) in &table {
        let n = |s| scores.get(&s).copied().unwrap_or(0);
        println!(
            "{class:<22} {:>6} {:>9} {:>9} {:>9} {:>9}",
            n(Score::Exact),
            n(Score::CorrectLowConfidence),
            n(Score::RefusedReadable),
            n(Score::WrongLowConfidence),
            n(Score::SilentlyWrong)
        );
        for (s, c) in scores {
            *total.entry(*s).or_default() += c;
        }
    }
    let exact = total.get(&Score::Exact).copied().unwrap_or(0);
    let right = exact + total.get(&Score::CorrectLowConfidence).copied().unwrap_or(0);
    let pct = |n: u32| f64::from(n) * 100.0 / f64::from(pages.max(1));
    println!(
        "{pages} cases: {exact} exact ({:.1} %); the right price or a right refusal, at any confidence: {right} ({:.1} %)",
        pct(exact),
        pct(right)
    );
    for f in &failures {
        println!("  {f}");
    }
    assert_eq!(
        total.get(&Score::SilentlyWrong).copied().unwrap_or(0),
        0,
        "silently wrong answers:\n{}",
        failures.join("\n")
    );
    assert!(failures.iter().all(|f| !f.ends_with("SilentlyWrong")));
}
