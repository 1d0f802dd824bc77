//! Evictions as the API server's eviction registry decides them: every PodDisruptionBudget that
//! covers a healthy pod must allow one more disruption, and the eviction spends it
//! (`status.disruptionsAllowed` goes down at once, before any controller looks again).

use serde_json::{Value, json};

use crate::resources;
use crate::selectors::Selector;
use crate::status::ApiError;
use crate::store::Store;

/// The budgets of `pod`'s namespace whose selector matches it.
fn covering(store: &Store, pod: &Value) -> Vec<Value> {
    let Some(budgets) = resources::by_name("poddisruptionbudgets") else {
        return Vec::new();
    };
    let namespace = pod["metadata"]["namespace"].as_str().unwrap_or_default();
    store
        .list(budgets, Some(namespace), &Selector::default())
        .0
        .into_iter()
        // policy/v1: an empty selector covers every pod of the namespace, a missing one none.
        .filter(|b| {
            let selector = &b["spec"]["selector"];
            !selector.is_null() && Selector::from_label_selector(selector).matches(pod)
        })
        .collect()
}

/// A pod that is not running (Pending, Succeeded, Failed) counts against no budget, as in
/// kube-apiserver: evicting it disrupts nothing.
fn counts_against_budgets(pod: &Value) -> bool {
    pod["status"]["phase"].as_str() == Some("Running")
}

/// Refuses the eviction with 429 when a covering budget allows none; otherwise, unless `dry_run`,
/// takes one disruption from every covering budget.
pub fn admit_eviction(store: &Store, pod: &Value, dry_run: bool) -> Result<(), ApiError> {
    if !counts_against_budgets(pod) {
        return Ok(());
    }
    let budgets = covering(store, pod);
    if let Some(blocking) = budgets
        .iter()
        .find(|b| b["status"]["disruptionsAllowed"].as_i64().unwrap_or(0) <= 0)
    {
        let status = &blocking["status"];
        return Err(ApiError::new(
            429,
            "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.",
        )
        .with_details(json!({"causes": [{
            "reason": "DisruptionBudget",
            "message": format!(
                "The disruption budget {} needs {} healthy pods and has {} currently",
                blocking["metadata"]["name"].as_str().unwrap_or_default(),
                status["desiredHealthy"].as_i64().unwrap_or(0),
                status["currentHealthy"].as_i64().unwrap_or(0),
            ),
        }]})));
    }
    if dry_run {
        return Ok(());
    }
    for mut budget in budgets {
        let allowed = budget["status"]["disruptionsAllowed"].as_i64().unwrap_or(0);
        budget["status"]["disruptionsAllowed"] = json!(allowed - 1);
        let healthy = budget["status"]["currentHealthy"].as_i64().unwrap_or(0);
        budget["status"]["currentHealthy"] = json!((healthy - 1).max(0));
        store.upsert(budget)?;
    }
    Ok(())
}
