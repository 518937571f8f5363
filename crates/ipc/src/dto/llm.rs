//! The optional language model's settings.

use serde::{Deserialize, Serialize};

/// The optional language model's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct LlmSettings {
    /// A server and a model are set.
    pub enabled: bool,
    /// OpenAI-compatible base URL (`https://api.openai.com/v1`, `http://localhost:11434/v1`).
    pub base_url: String,
    /// Model name.
    pub model: String,
    /// An API key is kept in the keychain.
    pub key_set: bool,
    /// Tokens one run or search may use.
    pub budget_tokens: u64,
    /// Price of a million prompt tokens, micro-dollars.
    pub prompt_micro_usd_per_million: u64,
    /// Price of a million completion tokens, micro-dollars.
    pub completion_micro_usd_per_million: u64,
}

/// A change to the language-model settings (absent fields stay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LlmSettingsPatch {
    /// New base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// New model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// A new API key to keep in the keychain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// Forget the API key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clear_api_key: bool,
    /// New token budget per run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_tokens: Option<u64>,
    /// New prompt price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_micro_usd_per_million: Option<u64>,
    /// New completion price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_micro_usd_per_million: Option<u64>,
    /// Turn the model off (forget server and model).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable: bool,
}
