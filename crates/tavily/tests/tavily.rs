//! The client against the simulator's Tavily-compatible endpoint (the documented contract).

use spo_salla_sim::{Sim, SimConfig, DEMO_TAVILY_KEY};
use spo_tavily::{SearchRequest, TavilyClient, TavilyError};

async fn sim() -> Sim {
    Sim::start(SimConfig::demo(12)).await.expect("sim")
}

#[tokio::test]
async fn a_search_finds_the_competitor_pages_of_a_product() {
    let sim = sim().await;
    let p = sim.config().products[3].clone();
    let client = TavilyClient::new(&sim.tavily_url(), DEMO_TAVILY_KEY).expect("client");
    let answer = client.search(&SearchRequest::new(format!("{} {} سعر", p.name, p.sku), 10)).await.expect("search");
    let urls: Vec<&str> = answer.results.iter().map(|r| r.url.as_str()).collect();
    for shop in ["souq", "bayt", "tamr"] {
        assert!(urls.contains(&sim.competitor_url(shop, p.id).as_str()), "{shop}: {urls:?}");
    }
    assert!(answer.results.windows(2).all(|w| w[0].score >= w[1].score), "best first");
    assert!(answer.results.iter().all(|r| (0.0..=1.0).contains(&r.score) && !r.title.is_empty()));
    assert_eq!(sim.tavily_queries(), vec![format!("{} {} سعر", p.name, p.sku)]);

    let mut few = SearchRequest::new(p.sku.clone(), 2);
    few.exclude_domains.push("127.0.0.1".into());
    let none = client.search(&few).await.expect("search");
    assert!(none.results.is_empty(), "every result was on the excluded domain: {:?}", none.results);
    let two = client.search(&SearchRequest::new(p.sku.clone(), 2)).await.expect("search");
    assert_eq!(two.results.len(), 2, "max_results is honoured");
}

#[tokio::test]
async fn every_documented_error_is_told_apart() {
    let sim = sim().await;
    let req = SearchRequest::new("قهوة", 5);
    let wrong = TavilyClient::new(&sim.tavily_url(), "tvly-wrong").expect("client");
    match wrong.search(&req).await {
        Err(TavilyError::InvalidKey(m)) => assert!(m.contains("invalid API key"), "{m}"),
        other => panic!("expected InvalidKey, got {other:?}"),
    }
    let client = TavilyClient::new(&sim.tavily_url(), DEMO_TAVILY_KEY).expect("client");
    sim.set_tavily_status(Some(429));
    assert_eq!(client.search(&req).await, Err(TavilyError::RateLimited { retry_after_secs: Some(30) }));
    sim.set_tavily_status(Some(432));
    assert!(matches!(client.search(&req).await, Err(TavilyError::QuotaExceeded(m)) if m.contains("usage limit")));
    sim.set_tavily_status(Some(503));
    assert_eq!(client.search(&req).await, Err(TavilyError::Server(503)));
    sim.set_tavily_status(None);
    let blank = client.search(&SearchRequest::new("  ", 5)).await;
    assert!(
        matches!(blank, Err(TavilyError::Rejected { status: 400, ref message }) if message.contains("Query")),
        "{blank:?}"
    );
    assert!(client.search(&req).await.is_ok(), "works again once the fault is gone");

    // Nothing listens on the simulator's address once it is gone.
    let url = sim.tavily_url();
    drop(sim);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let gone = TavilyClient::new(&url, DEMO_TAVILY_KEY).expect("client");
    assert!(matches!(gone.search(&req).await, Err(TavilyError::Network(_))));
}
