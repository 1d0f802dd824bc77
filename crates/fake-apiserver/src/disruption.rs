//! Evictions as the API server's eviction registry decides them: every PodDisruptionBudget that
//! covers a healthy pod must allow one more disruption, and the eviction spends it
//! (`status.disruptionsAllowed` goes down at once, before any controller looks again).

use serde_json::{Value, json};

use crate::resources::{self, ResourceType};
use crate::selectors::Selector;
use crate::status::ApiError;
use crate::store::Store;

/// The names of the budgets of `pod`'s namespace whose selector matches it.
fn covering(store: &Store, budgets: &'static ResourceType, pod: &Value) -> Vec<String> {
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
        .filter_map(|b| b["metadata"]["name"].as_str().map(str::to_string))
        .collect()
}

/// A pod that is not running (Pending, Succeeded, Failed) counts against no budget, as in
/// kube-apiserver: evicting it disrupts nothing.
fn counts_against_budgets(pod: &Value) -> bool {
    pod["status"]["phase"].as_str() == Some("Running")
}

fn refusal(budget: &Value) -> ApiError {
    let status = &budget["status"];
    ApiError::new(
        429,
        "TooManyRequests",
        "Cannot evict pod as it would violate the pod's disruption budget.",
    )
    .with_details(json!({"causes": [{
        "reason": "DisruptionBudget",
        "message": format!(
            "The disruption budget {} needs {} healthy pods and has {} currently",
            budget["metadata"]["name"].as_str().unwrap_or_default(),
            status["desiredHealthy"].as_i64().unwrap_or(0),
            status["currentHealthy"].as_i64().unwrap_or(0),
        ),
    }]}))
}

/// Refuses the eviction with 429 when the covering budget allows none; otherwise, unless
/// `dry_run`, takes one disruption from it. The check and the spending are one store write, so two
/// evictions at once cannot both spend the last disruption. Like kube-apiserver, a pod covered by
/// more than one budget cannot be evicted.
pub fn admit_eviction(store: &Store, pod: &Value, dry_run: bool) -> Result<(), ApiError> {
    let Some(budgets) = resources::by_name("poddisruptionbudgets") else {
        return Ok(());
    };
    if !counts_against_budgets(pod) {
        return Ok(());
    }
    match covering(store, budgets, pod).as_slice() {
        [] => Ok(()),
        [name] => {
            let namespace = pod["metadata"]["namespace"].as_str();
            store.modify(budgets, namespace, name, dry_run, false, |current| {
                let allowed = current["status"]["disruptionsAllowed"]
                    .as_i64()
                    .unwrap_or(0);
                if allowed <= 0 {
                    return Err(refusal(current));
                }
                let mut spent = current.clone();
                spent["status"]["disruptionsAllowed"] = json!(allowed - 1);
                let healthy = current["status"]["currentHealthy"].as_i64().unwrap_or(0);
                spent["status"]["currentHealthy"] = json!((healthy - 1).max(0));
                Ok(spent)
            })?;
            Ok(())
        }
        _ => Err(ApiError::internal(
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        )),
    }
}
