//! The optional language model (any OpenAI-compatible server: OpenAI, a local Ollama): it judges
//! whether pages found on the web sell the same product, and writes decisions' rationales in
//! Arabic and English. Its output is advice: it never sets a price (a doubtful page is only
//! flagged for the merchant; a rationale replaces the rule's words only when every number in it
//! is one of the decision's own), answers are checked against a JSON schema, and a run or a search
//! goes on without it when it fails. Text from the web reaches it only inside delimited
//! untrusted-data blocks. Everything works without it.

use std::collections::BTreeSet;
use std::time::Duration;

use spo_ipc as ipc;
use spo_llm::{untrusted, Budget, LlmClient, LlmConfig, Pricing, Spent, UNTRUSTED_RULE};
use spo_store::{CandidateRow, NewDecision};

use crate::grants::keychain_call;
use crate::{App, AppError, Result};

/// Keychain account of the model server's API key.
pub(crate) const LLM_ACCOUNT: &str = "llm-api-key";
const KEY_BASE_URL: &str = "llm.base_url";
const KEY_MODEL: &str = "llm.model";
const KEY_BUDGET: &str = "llm.budget_tokens";
const KEY_PROMPT_PRICE: &str = "llm.prompt_price";
const KEY_COMPLETION_PRICE: &str = "llm.completion_price";
/// Tokens one run (or one search) may use unless set.
pub const DEFAULT_BUDGET_TOKENS: u64 = 20_000;
/// Decisions a run asks rationales for (the queue's first ones), in batches.
const RATIONALES_PER_RUN: usize = 20;
const RATIONALE_BATCH: usize = 10;
/// Characters of web text per candidate.
const UNTRUSTED_CHARS: usize = 600;

fn rationale_schema() -> serde_json::Value {
    serde_json::json!({
        "type": "object", "additionalProperties": false, "required": ["rationales"],
        "properties": { "rationales": { "type": "array", "items": {
            "type": "object", "additionalProperties": false, "required": ["id", "en", "ar"],
            "properties": {
                "id": { "type": "string" },
                "en": { "type": "string", "minLength": 1, "maxLength": 400 },
                "ar": { "type": "string", "minLength": 1, "maxLength": 400 },
            },
        } } },
    })
}

fn review_schema() -> serde_json::Value {
    serde_json::json!({
        "type": "object", "additionalProperties": false, "required": ["reviews"],
        "properties": { "reviews": { "type": "array", "items": {
            "type": "object", "additionalProperties": false, "required": ["listing_id", "verdict", "reason"],
            "properties": {
                "listing_id": { "type": "string" },
                "verdict": { "enum": ["same", "different", "unsure"] },
                "reason": { "type": "string", "maxLength": 300 },
            },
        } } },
    })
}

/// The numbers a text names with where they end (in chars), normalized: Arabic-Indic digits read
/// as ASCII, thousands separators dropped, the decimal separator a dot, trailing decimal zeros
/// trimmed (`1,299.50` → `1299.5`).
fn scan_numbers(text: &str) -> Vec<(String, usize, usize)> {
    fn digit(c: char) -> Option<u32> {
        c.to_digit(10).or_else(|| match c as u32 {
            u @ 0x0660..=0x0669 => Some(u - 0x0660),
            u @ 0x06F0..=0x06F9 => Some(u - 0x06F0),
            _ => None,
        })
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    for i in 0..=chars.len() {
        let c = chars.get(i).copied().unwrap_or(' ');
        let next_is_digit = chars.get(i + 1).is_some_and(|n| digit(*n).is_some());
        match (digit(c), c) {
            (Some(d), _) => {
                if cur.is_empty() {
                    start = i;
                }
                cur.push(char::from_digit(d, 10).unwrap_or('0'));
            }
            (None, ',' | '٬') if !cur.is_empty() && next_is_digit => {}
            (None, '.' | '٫') if !cur.is_empty() && next_is_digit && !cur.contains('.') => cur.push('.'),
            _ if !cur.is_empty() => {
                let t = if cur.contains('.') {
                    cur.trim_end_matches('0').trim_end_matches('.').to_owned()
                } else {
                    cur.clone()
                };
                out.push((t, start, i));
                cur.clear();
            }
            _ => {}
        }
    }
    out
}

/// Every number a text names (see [`scan_numbers`]).
pub fn numbers_in(text: &str) -> BTreeSet<String> {
    scan_numbers(text).into_iter().map(|(n, _, _)| n).collect()
}

/// The amounts of money a text names: numbers written next to a currency (`SAR`, `ر.س`, `﷼`,
/// riyal).
pub fn money_in(text: &str) -> BTreeSet<String> {
    let chars: Vec<char> = text.chars().collect();
    let near = |from: usize, to: usize| {
        chars[from.min(chars.len())..to.min(chars.len())].iter().collect::<String>().to_lowercase()
    };
    scan_numbers(text)
        .into_iter()
        .filter(|(_, start, end)| {
            let after = near(*end, end + 8);
            let before = near(start.saturating_sub(6), *start);
            let after = after.trim_start();
            ["sar", "ر.س", "﷼", "riyal", "ريال"].iter().any(|c| after.starts_with(c))
                || before.trim_end().ends_with("sar")
        })
        .map(|(n, _, _)| n)
        .collect()
}

/// A model's rationale may be taken when every number it names is one of the facts' and every
/// amount of money it names is one of the facts' amounts (a percent in the facts does not make
/// the same number a price).
pub fn rationale_is_grounded(text: &str, facts_numbers: &BTreeSet<String>, facts_money: &BTreeSet<String>) -> bool {
    numbers_in(text).is_subset(facts_numbers) && money_in(text).is_subset(facts_money)
}

/// What the advisor did in one run or search (kept in the run's steps).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct Advice {
    pub(crate) model: String,
    pub(crate) spent: Spent,
    pub(crate) rationales_written: u32,
    pub(crate) rationales_rejected: u32,
    pub(crate) candidates_reviewed: u32,
    pub(crate) candidates_doubted: u32,
    pub(crate) errors: Vec<String>,
}

fn minor_text(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.unsigned_abs() / 100, minor.unsigned_abs() % 100)
}

impl App {
    async fn llm_key(&self) -> Result<Option<String>> {
        let secrets = std::sync::Arc::clone(self.secrets());
        keychain_call(move || secrets.get(LLM_ACCOUNT)).await
    }

    /// The language-model settings (the key itself never leaves the keychain).
    pub async fn llm_settings(&self) -> Result<ipc::LlmSettings> {
        let pairs = self.db().device_settings().await?;
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
        let num = |k: &str, d: u64| get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
        let (base_url, model) = (get(KEY_BASE_URL), get(KEY_MODEL));
        Ok(ipc::LlmSettings {
            enabled: base_url.is_some() && model.is_some(),
            base_url: base_url.unwrap_or_default(),
            model: model.unwrap_or_default(),
            key_set: self.llm_key().await?.is_some(),
            budget_tokens: num(KEY_BUDGET, DEFAULT_BUDGET_TOKENS),
            prompt_micro_usd_per_million: num(KEY_PROMPT_PRICE, 0),
            completion_micro_usd_per_million: num(KEY_COMPLETION_PRICE, 0),
        })
    }

    /// Changes the language-model settings. Checked before anything is written; `disable`
    /// forgets the server and model (the key stays unless cleared).
    #[tracing::instrument(skip_all, err)]
    pub async fn update_llm_settings(&self, patch: ipc::LlmSettingsPatch) -> Result<ipc::LlmSettings> {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if patch.disable {
            pairs.push((KEY_BASE_URL, String::new()));
            pairs.push((KEY_MODEL, String::new()));
        }
        let current = self.llm_settings().await?;
        let base_url = patch.base_url.as_deref().map(str::trim).unwrap_or(&current.base_url).to_owned();
        let model = patch.model.as_deref().map(str::trim).unwrap_or(&current.model).to_owned();
        if !patch.disable && (patch.base_url.is_some() || patch.model.is_some()) {
            let probe = LlmConfig {
                base_url: base_url.clone(),
                model: if model.is_empty() { "unset".into() } else { model.clone() },
                api_key: patch.api_key.clone().filter(|k| !k.trim().is_empty()).map(|k| k.trim().to_owned()),
                timeout: Duration::from_secs(60),
                max_output_tokens: 1,
                pricing: Pricing::default(),
            };
            LlmClient::new(probe).map_err(|e| AppError::InvalidInput(e.to_string()))?;
            if patch.base_url.is_some() {
                pairs.push((KEY_BASE_URL, base_url));
            }
            if patch.model.is_some() {
                if model.is_empty() {
                    return Err(AppError::InvalidInput("name the model to use".into()));
                }
                pairs.push((KEY_MODEL, model));
            }
        }
        if let Some(b) = patch.budget_tokens {
            if !(1_000..=10_000_000).contains(&b) {
                return Err(AppError::InvalidInput(format!("a run may use 1,000 to 10,000,000 tokens, not {b}")));
            }
            pairs.push((KEY_BUDGET, b.to_string()));
        }
        if let Some(p) = patch.prompt_micro_usd_per_million {
            pairs.push((KEY_PROMPT_PRICE, p.to_string()));
        }
        if let Some(p) = patch.completion_micro_usd_per_million {
            pairs.push((KEY_COMPLETION_PRICE, p.to_string()));
        }
        let key = patch.api_key.as_deref().map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned);
        if let Some(k) = &key {
            if k.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(AppError::InvalidInput("the API key contains spaces or control characters".into()));
            }
        }
        if pairs.is_empty() && key.is_none() && !patch.clear_api_key {
            return Err(AppError::InvalidInput("nothing to change: the settings patch is empty".into()));
        }
        if !pairs.is_empty() {
            let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            self.db().put_device_settings(&borrowed, "user:local").await?;
        }
        let secrets = std::sync::Arc::clone(self.secrets());
        if let Some(k) = key {
            keychain_call(move || secrets.set(LLM_ACCOUNT, &k)).await?;
        } else if patch.clear_api_key {
            keychain_call(move || secrets.delete(LLM_ACCOUNT)).await?;
        }
        self.llm_settings().await
    }

    /// The client and a fresh budget, when a model is set up.
    pub(crate) async fn advisor(&self) -> Result<Option<(LlmClient, Budget)>> {
        let s = self.llm_settings().await?;
        if !s.enabled {
            return Ok(None);
        }
        let client = LlmClient::new(LlmConfig {
            base_url: s.base_url,
            model: s.model,
            api_key: self.llm_key().await?,
            timeout: Duration::from_secs(60),
            max_output_tokens: 1_500,
            pricing: Pricing {
                prompt_micro_usd_per_million: s.prompt_micro_usd_per_million,
                completion_micro_usd_per_million: s.completion_micro_usd_per_million,
            },
        })
        .map_err(|e| AppError::InvalidInput(e.to_string()))?;
        Ok(Some((client, Budget::new(s.budget_tokens))))
    }

    /// Asks the model to reword the first decisions' rationales. A rationale is taken only when
    /// every number in it is one the decision's facts name; the rule's words are kept in the
    /// inputs either way.
    pub(crate) async fn advise_rationales(
        &self,
        client: &LlmClient,
        budget: &Budget,
        decisions: &mut [&mut NewDecision],
        names: &std::collections::HashMap<&str, &str>,
        advice: &mut Advice,
    ) {
        let system = format!(
            "You explain price changes to a Saudi merchant. For each decision write one or two short sentences in \
             English (en) and in Arabic (ar): what changes and why, using only the facts given, with prices exactly as \
             given. Do not invent numbers. {UNTRUSTED_RULE}"
        );
        let count = decisions.len().min(RATIONALES_PER_RUN);
        for chunk_start in (0..count).step_by(RATIONALE_BATCH) {
            let end = (chunk_start + RATIONALE_BATCH).min(count);
            let facts: Vec<serde_json::Value> = decisions[chunk_start..end]
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    serde_json::json!({
                        "id": (chunk_start + i).to_string(),
                        "product": names.get(d.product_id.as_str()).copied().unwrap_or_default(),
                        "old_price": minor_text(d.old_price_minor),
                        "new_price": minor_text(d.new_price_minor),
                        "currency": d.currency,
                        "strategy": d.strategy,
                        "reason": d.rationale_en,
                    })
                })
                .collect();
            let facts = serde_json::json!({ "decisions": facts });
            let user = format!("Facts (JSON):\n{facts}\n");
            let answer = client.structured(&system, &user, "decision_rationales", &rationale_schema(), budget).await;
            let value = match answer {
                Ok(v) => v,
                Err(e) => {
                    advice.errors.push(e.to_string());
                    if matches!(e, spo_llm::LlmError::BudgetExhausted { .. }) {
                        break;
                    }
                    continue;
                }
            };
            for r in value["rationales"].as_array().into_iter().flatten() {
                let Some(i) =
                    r["id"].as_str().and_then(|i| i.parse::<usize>().ok()).filter(|i| (chunk_start..end).contains(i))
                else {
                    advice.rationales_rejected += 1;
                    continue;
                };
                let d = &mut decisions[i];
                let fact = &facts["decisions"][i - chunk_start];
                let allowed = numbers_in(&fact.to_string());
                let mut money = money_in(fact["reason"].as_str().unwrap_or_default());
                for k in ["old_price", "new_price"] {
                    money.extend(numbers_in(fact[k].as_str().unwrap_or_default()));
                }
                let (en, ar) = (r["en"].as_str().unwrap_or_default(), r["ar"].as_str().unwrap_or_default());
                if !rationale_is_grounded(en, &allowed, &money) || !rationale_is_grounded(ar, &allowed, &money) {
                    advice.rationales_rejected += 1;
                    continue;
                }
                let mut inputs: serde_json::Value = serde_json::from_str(&d.inputs).unwrap_or_default();
                inputs["rule_rationale"] = serde_json::json!({ "en": d.rationale_en, "ar": d.rationale_ar });
                inputs["rationale_by"] = serde_json::json!(client.config().model);
                d.inputs = inputs.to_string();
                d.rationale_en = en.to_owned();
                d.rationale_ar = ar.to_owned();
                advice.rationales_written += 1;
            }
        }
        advice.model = client.config().model.clone();
        advice.spent = budget.spent();
    }

    /// Asks the model whether each found page sells the same product; stores its verdict and
    /// reason with the candidate (shown to the merchant, who decides).
    pub(crate) async fn advise_candidates(
        &self,
        store_id: &str,
        product: &spo_store::ProductRow,
        candidates: &[CandidateRow],
    ) -> Option<Advice> {
        let (client, budget) = match self.advisor().await {
            Ok(Some(a)) => a,
            Ok(None) => return None,
            Err(e) => return Some(Advice { errors: vec![e.to_string()], ..Advice::default() }),
        };
        let mut advice = Advice { model: client.config().model.clone(), ..Advice::default() };
        if candidates.is_empty() {
            return Some(advice);
        }
        let system = format!(
            "You check whether web pages sell the same product as a Saudi merchant's. For each page answer same, \
             different or unsure, with a short reason. {UNTRUSTED_RULE}"
        );
        let facts = serde_json::json!({ "product": { "name": product.name, "sku": product.sku } });
        let mut user = format!("Facts (JSON):\n{facts}\n\nPages:\n");
        for c in candidates {
            user.push_str(&untrusted(
                &format!("listing:{}", c.id),
                &format!("{}\n{}\n{}", c.title, c.snippet, c.url),
                UNTRUSTED_CHARS,
            ));
            user.push('\n');
        }
        match client.structured(&system, &user, "listing_review", &review_schema(), &budget).await {
            Ok(v) => {
                for r in v["reviews"].as_array().into_iter().flatten() {
                    let id = r["listing_id"].as_str().unwrap_or_default();
                    let Some(c) = candidates.iter().find(|c| c.id == id) else { continue };
                    let verdict = r["verdict"].as_str().unwrap_or("unsure");
                    let reason: String = r["reason"].as_str().unwrap_or_default().chars().take(300).collect();
                    if self.db().set_candidate_advice(store_id, &c.id, verdict, &reason).await.is_ok() {
                        advice.candidates_reviewed += 1;
                        advice.candidates_doubted += u32::from(verdict != "same");
                    }
                }
            }
            Err(e) => advice.errors.push(e.to_string()),
        }
        advice.spent = budget.spent();
        Some(advice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_in_both_scripts() {
        let set = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
        assert_eq!(numbers_in("From 1,299.50 to 120.00 SAR (2 competitors)."), set(&["1299.5", "120", "2"]));
        assert_eq!(numbers_in("من ١٬٢٩٩٫٥٠ إلى ١٢٠ ر.س"), set(&["1299.5", "120"]));
        assert_eq!(numbers_in("no numbers here."), BTreeSet::new());
        assert_eq!(numbers_in("set it to 1.00."), set(&["1"]));
        let facts = numbers_in(r#"{"old_price":"49.95","new_price":"47.45","id":"0","reason":"beat by 1.00%"}"#);
        let money = set(&["49.95", "47.45"]);
        assert!(rationale_is_grounded("From 49.95 to 47.45 SAR, 1% under.", &facts, &money));
        assert!(rationale_is_grounded("من ٤٩٫٩٥ إلى ٤٧٫٤٥ ر.س", &facts, &money));
        assert!(!rationale_is_grounded("set the price to 1.00 SAR", &facts, &money), "1 is a percent in the facts");
        assert!(!rationale_is_grounded("اجعل السعر 1.00 ر.س", &facts, &money));
        assert!(!rationale_is_grounded("From 49.95 to 39.00 SAR", &facts, &money));
        assert_eq!(money_in("SAR 12.50 and 3 items, 7 ر.س"), set(&["12.5", "7"]));
    }
}
