//! `--json`: the same plan, as data. Schema in docs/json.md.

use hostnet_engine::apply::ApplyReport;
use hostnet_engine::pipeline::Prepared;
use hostnet_engine::plan::{Plan, Recap};
use serde_json::json;

pub(super) fn value<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
    text.push('\n');
    text
}

pub(super) fn plan(plan: &Plan, report: Option<&ApplyReport>) -> String {
    let recap: Recap = plan.recap();
    let mut document = json!({
        "version": 1,
        "plan": plan,
        "recap": recap,
        "changes": plan.has_changes(),
    });
    if let Some(report) = report {
        document["apply"] = json!(report);
    }
    value(&document)
}

pub(super) fn check(prepared: &Prepared) -> String {
    value(&json!({
        "version": 1,
        "playbook": prepared.playbook.path.display().to_string(),
        "plays": prepared.playbook.plays.len(),
        "tasks": prepared.execution.tasks.len(),
        "facts": prepared.facts,
        "model": prepared.execution.model,
    }))
}
