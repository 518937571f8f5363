//! `spo rules`, `spo optimize`, `spo decisions`, `spo pricing`: the pricing loop from the command
//! line, over the same use cases as the window.

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use spo_ipc::{AutomationMode, Decision, PriceEndingSpec, RuleRequest, StrategySpec};

use crate::ipc_err;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum StrategyArg {
    MatchLowest,
    BeatLowest,
    Position,
    PremiumOverAverage,
    TargetMargin,
    Hold,
    MaximizeProfit,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum EndingArg {
    Exact,
    Whole,
    Cents95,
    Cents99,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ModeArg {
    Manual,
    Semi,
    Auto,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RulesCommand {
    /// Set the rule of the store (default), a category or a product. New rules start in dry run:
    /// their decisions wait for approval until `--live` is given.
    Set {
        /// Store id.
        #[arg(long)]
        store: String,
        /// For one product (local id or SKU).
        #[arg(long, conflicts_with = "category")]
        product: Option<String>,
        /// For one category (its name).
        #[arg(long)]
        category: Option<String>,
        /// Strategy.
        #[arg(long, value_enum)]
        strategy: StrategyArg,
        /// beat-lowest: by this many basis points (100 = 1 %).
        #[arg(long)]
        by_bps: Option<u32>,
        /// beat-lowest: by this amount (e.g. 1.00).
        #[arg(long, conflicts_with = "by_bps")]
        by_amount: Option<String>,
        /// position: the rank (1 = cheapest).
        #[arg(long)]
        rank: Option<u32>,
        /// premium-over-average / target-margin: basis points.
        #[arg(long, allow_hyphen_values = true)]
        bps: Option<i32>,
        /// Lowest price before VAT (required for automation), e.g. 95.00.
        #[arg(long)]
        min: Option<String>,
        /// Highest price before VAT (required for automation).
        #[arg(long)]
        max: Option<String>,
        /// Margin kept over cost, basis points.
        #[arg(long)]
        min_margin_bps: Option<u32>,
        /// Largest step, basis points (default 1000).
        #[arg(long)]
        max_step_bps: Option<u32>,
        /// Largest move per 24 hours, basis points (default 2000).
        #[arg(long)]
        max_daily_bps: Option<u32>,
        /// Minutes between two changes of one product (default 360).
        #[arg(long)]
        cooldown_minutes: Option<u32>,
        /// Price ending.
        #[arg(long, value_enum, default_value = "exact")]
        ending: EndingArg,
        /// Leave dry run.
        #[arg(long)]
        live: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// The store's rules.
    List {
        /// Store id.
        #[arg(long)]
        store: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// A decision state as typed on the command line.
fn parse_status(text: &str) -> Result<spo_ipc::DecisionStatus, String> {
    spo_ipc::DecisionStatus::parse(text).ok_or_else(|| {
        let known: Vec<&str> = spo_ipc::DecisionStatus::ALL.iter().map(|s| s.as_str()).collect();
        format!("unknown state {text:?}; one of: {}", known.join(", "))
    })
}

#[derive(Debug, Subcommand)]
pub(crate) enum DecisionsCommand {
    /// Decisions, newest first (all, or one state: proposed, approved, applied, failed…).
    List {
        /// Store id.
        #[arg(long)]
        store: String,
        /// Only this state.
        #[arg(long, value_parser = parse_status)]
        status: Option<spo_ipc::DecisionStatus>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Approve proposed decisions (ids, or `--all-proposed`).
    Approve {
        /// Store id.
        #[arg(long)]
        store: String,
        /// Decision ids.
        ids: Vec<String>,
        /// Every proposed decision of the store.
        #[arg(long)]
        all_proposed: bool,
    },
    /// Reject proposed decisions.
    Reject {
        /// Store id.
        #[arg(long)]
        store: String,
        /// Decision ids.
        ids: Vec<String>,
    },
    /// Apply every approved decision now (and settle interrupted ones).
    Apply {
        /// Store id.
        #[arg(long)]
        store: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Put an applied decision's old price back (or, with `--run`, every price a run applied).
    Rollback {
        /// Store id.
        #[arg(long)]
        store: String,
        /// Decision id.
        #[arg(required_unless_present = "run", conflicts_with = "run")]
        id: Option<String>,
        /// Roll back a whole optimization run.
        #[arg(long)]
        run: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Recent optimization runs with their counts and each agent's output.
    Runs {
        /// Store id.
        #[arg(long)]
        store: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PricingCommand {
    /// The global kill switch: `on` stops every price write, `off` allows them again.
    KillSwitch {
        /// on | off (omit to show).
        state: Option<String>,
    },
    /// A store's automation mode: manual (everything waits), semi (low risk applies), auto.
    Mode {
        /// Store id.
        #[arg(long)]
        store: String,
        /// New mode (omit to show).
        #[arg(value_enum)]
        mode: Option<ModeArg>,
    },
    /// The optional language model (any OpenAI-compatible server): rationales and doubtful
    /// matches, never prices. Without options, shows the settings.
    Llm {
        /// Base URL (`https://api.openai.com/v1`, `http://localhost:11434/v1`).
        #[arg(long)]
        base_url: Option<String>,
        /// Model name.
        #[arg(long)]
        model: Option<String>,
        /// Read the API key from standard input (kept in the OS keychain).
        #[arg(long)]
        key_stdin: bool,
        /// Forget the API key.
        #[arg(long, conflicts_with = "key_stdin")]
        clear_key: bool,
        /// Tokens one run or search may use.
        #[arg(long)]
        budget: Option<u64>,
        /// Price of a million prompt tokens in micro-dollars (for the cost shown per run).
        #[arg(long)]
        prompt_price: Option<u64>,
        /// Price of a million completion tokens in micro-dollars.
        #[arg(long)]
        completion_price: Option<u64>,
        /// Turn the model off.
        #[arg(long)]
        off: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Let the optimizer change a product the loop detector froze.
    Unfreeze {
        /// Store id.
        #[arg(long)]
        store: String,
        /// Product (local id or SKU).
        product: String,
    },
}

fn strategy_spec(
    s: StrategyArg,
    by_bps: Option<u32>,
    by_minor: Option<i64>,
    rank: Option<u32>,
    bps: Option<i32>,
) -> anyhow::Result<StrategySpec> {
    let need = |what: &str| anyhow::anyhow!("this strategy needs {what}");
    Ok(match s {
        StrategyArg::MatchLowest => StrategySpec::MatchLowest,
        StrategyArg::BeatLowest => match (by_bps, by_minor) {
            (Some(bps), _) => StrategySpec::BeatLowestBps { bps },
            (None, Some(minor)) => StrategySpec::BeatLowestAmount { minor },
            (None, None) => return Err(need("--by-bps or --by-amount")),
        },
        StrategyArg::Position => StrategySpec::Position { rank: rank.ok_or_else(|| need("--rank"))? },
        StrategyArg::PremiumOverAverage => StrategySpec::PremiumOverAverage { bps: bps.ok_or_else(|| need("--bps"))? },
        StrategyArg::TargetMargin => StrategySpec::TargetMargin {
            bps: u32::try_from(bps.ok_or_else(|| need("--bps"))?)
                .map_err(|_| anyhow::anyhow!("--bps must be positive"))?,
        },
        StrategyArg::Hold => StrategySpec::Hold,
        StrategyArg::MaximizeProfit => StrategySpec::MaximizeProfit,
    })
}

fn print_decision(d: &Decision) {
    println!(
        "{}  {:<11} {:<6} {} → {}  {}  {}",
        d.id,
        d.status.as_str(),
        d.risk.as_str(),
        spo_app::format_minor(d.old_price_minor, &d.currency),
        spo_app::format_minor(d.new_price_minor, &d.currency),
        d.product_sku.as_deref().unwrap_or("-"),
        d.rationale_en
    );
}

pub(crate) async fn rules(app: &spo_app::App, command: RulesCommand) -> anyhow::Result<ExitCode> {
    match command {
        RulesCommand::Set {
            store,
            product,
            category,
            strategy,
            by_bps,
            by_amount,
            rank,
            bps,
            min,
            max,
            min_margin_bps,
            max_step_bps,
            max_daily_bps,
            cooldown_minutes,
            ending,
            live,
            json,
        } => {
            let by_minor = by_amount.map(|text| spo_app::parse_minor(&text, "SAR")).transpose().map_err(ipc_err)?;
            let request = RuleRequest {
                store_id: store,
                product,
                category,
                strategy: strategy_spec(strategy, by_bps, by_minor, rank, bps)?,
                min_price: min,
                max_price: max,
                min_margin_bps,
                max_step_bps,
                max_daily_bps,
                cooldown_minutes,
                ending: match ending {
                    EndingArg::Exact => PriceEndingSpec::Exact,
                    EndingArg::Whole => PriceEndingSpec::Whole,
                    EndingArg::Cents95 => PriceEndingSpec::Cents95,
                    EndingArg::Cents99 => PriceEndingSpec::Cents99,
                },
                live,
            };
            let rule = app.set_rule(request).await.map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rule)?);
            } else {
                println!("rule {} (v{}) set{}", rule.id, rule.version, if rule.dry_run { ", in dry run" } else { "" });
            }
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::List { store, json } => {
            let list = app.rules(&store).await.map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for r in list {
                    println!(
                        "{} {:?} min {:?} max {:?}{}",
                        crate::word(&r.scope),
                        r.strategy,
                        r.min_minor,
                        r.max_minor,
                        if r.dry_run { " (dry run)" } else { "" }
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(crate) async fn optimize(app: &spo_app::App, store: &str, dry_run: bool, json: bool) -> anyhow::Result<ExitCode> {
    let report = app.optimize(store, spo_ipc::RunKind::Manual, dry_run).await.map_err(ipc_err)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{}{}: {} products, {} decisions ({} approved automatically), {} applied, {} failed, {} frozen",
            if report.dry_run { "dry run " } else { "" },
            crate::word(&report.status),
            report.products_seen,
            report.proposed,
            report.auto_approved,
            report.applied,
            report.failed,
            report.frozen
        );
        if let Some(b) = &report.breaker {
            println!("circuit breaker tripped, nothing applied: {}", spo_app::breaker_text(b));
        }
        for u in &report.unchanged {
            println!("  unchanged, {}: {}", u.reason, u.count);
        }
        report.decisions.iter().for_each(print_decision);
    }
    Ok(if report.breaker.is_some() { ExitCode::from(3) } else { ExitCode::SUCCESS })
}

pub(crate) async fn decisions(app: &spo_app::App, command: DecisionsCommand) -> anyhow::Result<ExitCode> {
    match command {
        DecisionsCommand::List { store, status, json } => {
            let statuses: Vec<spo_ipc::DecisionStatus> = status.into_iter().collect();
            let list = app.decisions(&store, &statuses).await.map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                list.iter().for_each(print_decision);
            }
        }
        DecisionsCommand::Approve { store, mut ids, all_proposed } => {
            if all_proposed {
                ids.extend(
                    app.decisions(&store, &[spo_ipc::DecisionStatus::Proposed])
                        .await
                        .map_err(ipc_err)?
                        .into_iter()
                        .map(|d| d.id),
                );
            }
            let n = app.decide(&store, &ids, true).await.map_err(ipc_err)?;
            println!("{n} approved (apply them with: spo decisions apply --store {store})");
        }
        DecisionsCommand::Reject { store, ids } => {
            let n = app.decide(&store, &ids, false).await.map_err(ipc_err)?;
            println!("{n} rejected");
        }
        DecisionsCommand::Apply { store, json } => {
            let r = app.apply_approved(&store).await.map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "{} applied, {} failed, {} expired, {} settled after an interruption",
                    r.applied, r.failed, r.expired, r.reconciled
                );
                r.errors.iter().for_each(|e| println!("  {e}"));
            }
            return Ok(if r.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS });
        }
        DecisionsCommand::Rollback { store, id, run, json } => match (id, run) {
            (_, Some(run)) => {
                let r = app.rollback_run(&store, &run).await.map_err(ipc_err)?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&r)?);
                } else {
                    println!("{} rolled back, {} failed, {} left (moved since)", r.applied, r.failed, r.expired);
                    r.errors.iter().for_each(|e| println!("  {e}"));
                }
                return Ok(if r.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS });
            }
            (Some(id), None) => {
                let d = app.rollback(&store, &id).await.map_err(ipc_err)?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&d)?);
                } else {
                    print_decision(&d);
                }
            }
            (None, None) => anyhow::bail!("name a decision id or --run"),
        },
        DecisionsCommand::Runs { store, json } => {
            let runs = app.runs(&store).await.map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&runs)?);
            } else {
                for r in &runs {
                    println!(
                        "{}  {}  {:<9} {:<17} {} products, {} proposed, {} applied, {} errors",
                        r.id,
                        r.started_at,
                        crate::word(&r.kind),
                        crate::word(&r.status),
                        r.products_seen,
                        r.proposed,
                        r.applied,
                        r.errors
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn pricing(app: &spo_app::App, command: PricingCommand) -> anyhow::Result<ExitCode> {
    match command {
        PricingCommand::KillSwitch { state } => {
            let on = match state.as_deref() {
                None => app.kill_switch().await.map_err(ipc_err)?,
                Some("on") => app.set_kill_switch(true).await.map_err(ipc_err)?,
                Some("off") => app.set_kill_switch(false).await.map_err(ipc_err)?,
                Some(other) => anyhow::bail!("kill-switch takes on or off, not {other:?}"),
            };
            println!("kill switch {}", if on { "ON: no price is written" } else { "off" });
        }
        PricingCommand::Llm {
            base_url,
            model,
            key_stdin,
            clear_key,
            budget,
            prompt_price,
            completion_price,
            off,
            json,
        } => {
            let api_key =
                if key_stdin { Some(std::io::read_to_string(std::io::stdin())?.trim().to_owned()) } else { None };
            let patch = spo_ipc::LlmSettingsPatch {
                base_url,
                model,
                api_key,
                clear_api_key: clear_key,
                budget_tokens: budget,
                prompt_micro_usd_per_million: prompt_price,
                completion_micro_usd_per_million: completion_price,
                disable: off,
            };
            let s = if patch == spo_ipc::LlmSettingsPatch::default() {
                app.llm_settings().await
            } else {
                app.update_llm_settings(patch).await
            }
            .map_err(ipc_err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
            } else if s.enabled {
                println!("language model: {} at {}", s.model, s.base_url);
                println!("API key: {}", if s.key_set { "saved in the keychain" } else { "none (a local server)" });
                println!("budget: {} tokens per run", s.budget_tokens);
            } else {
                println!("language model: off (everything works without it)");
            }
        }
        PricingCommand::Mode { store, mode } => {
            let m = match mode {
                None => app.automation_mode(&store).await,
                Some(ModeArg::Manual) => app.set_automation_mode(&store, AutomationMode::Manual).await,
                Some(ModeArg::Semi) => app.set_automation_mode(&store, AutomationMode::SemiAutomatic).await,
                Some(ModeArg::Auto) => app.set_automation_mode(&store, AutomationMode::Automatic).await,
            }
            .map_err(ipc_err)?;
            println!("{m:?}");
        }
        PricingCommand::Unfreeze { store, product } => {
            app.unfreeze(&store, &product).await.map_err(ipc_err)?;
            println!("unfrozen");
        }
    }
    Ok(ExitCode::SUCCESS)
}
