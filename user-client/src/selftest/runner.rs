//! Runs the matrix: the profile's cases (or those asked for by name) in matrix order, each
//! judged by its rule; cases this profile or transport cannot show are kept as skipped.
use super::case::{Actual, Case, CaseResult, Needs, Observation, Profile, Verdict, WineRule};
use super::cases::CASES;
use crate::client;
use crate::explain::{Op, explain_for};
use crate::status;
use crate::transport::Transport;

/// Runs one case under `rule`.
fn judge(device: &dyn Transport, case: &'static Case, rule: WineRule) -> CaseResult {
    let mut observation = (case.run)(device).unwrap_or_else(|why| Observation {
        actual: Actual::NotRun(why),
        detail: None,
    });
    let pass = match (&observation.actual, rule) {
        (Actual::Status(status), WineRule::Exact) => *status == case.expected,
        (Actual::Status(status), WineRule::FailCleanly) => {
            let serving = client::info(device);
            let note = match &serving {
                Ok(_) => "GET_INFO still works afterwards".to_string(),
                Err(failed) => format!(
                    "the driver stopped serving: {}",
                    explain_for(Op::GetInfo, *failed)
                ),
            };
            observation.detail = Some(match observation.detail.take() {
                Some(detail) => format!("{detail}; {note}"),
                None => note,
            });
            serving.is_ok() && (*status == case.expected || !status::is_success(*status))
        }
        _ => false,
    };
    CaseResult {
        case,
        rule,
        observation: Some(observation),
        verdict: if pass { Verdict::Pass } else { Verdict::Fail },
    }
}

/// Why `case` cannot run under `profile` on a transport that does (or does not) forward.
fn skip_reason(case: &Case, rule: WineRule, forwarding: bool) -> Option<&'static str> {
    if rule == WineRule::Skip {
        Some("Wine cannot show it")
    } else if case.needs == Needs::Forwarding && !forwarding {
        Some(
            "needs a request dispatched in another process's context, which only a driver (or the model) can make",
        )
    } else {
        None
    }
}

/// Runs the profile's cases, or with `only` just the cases of those names, in matrix order:
/// one result per case, skipped cases included with their reason.
pub fn run(device: &dyn Transport, profile: Profile, only: &[String]) -> Vec<CaseResult> {
    let forwarding = device.forwards();
    CASES
        .iter()
        .filter(|case| only.is_empty() || only.iter().any(|name| name == case.name))
        .map(|case| {
            let rule = match profile {
                Profile::Full => WineRule::Exact,
                Profile::Wine => case.wine,
            };
            match skip_reason(case, rule, forwarding) {
                Some(why) => CaseResult {
                    case,
                    rule,
                    observation: None,
                    verdict: Verdict::Skipped(why),
                },
                None => judge(device, case, rule),
            }
        })
        .collect()
}
