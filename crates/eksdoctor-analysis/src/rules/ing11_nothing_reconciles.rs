use crate::context::{Context, IngressView};
use crate::finding::{Evidence, EvidenceSource, Finding, Key};
use crate::fixes::{helm_release_terraform, helm_set, nudge_ingress, restart_controller};
use crate::logs::{Entry, LogFile, LogLine, line_time};
use crate::rules::{Outcome, impl_rule};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a load balancer controller that reconciles nothing and says no error: every
    /// controller pod's log shows `attempting to acquire leader lease` and none shows
    /// `successfully acquired lease`; or ALB Ingresses in a namespace that the controller's
    /// `--watch-namespace` leaves out.
    ///
    /// ## Why it matters
    /// Only the leader reconciles. If no pod becomes leader (another installation holds the
    /// same Lease, a Lease held by a pod that is gone, no RBAC on Leases), or the controller
    /// watches only one namespace, Ingresses get no events, no errors and no address: nothing
    /// points at the cause.
    ///
    /// ## Evidence
    /// Controller logs (all pods): `attempting to acquire leader lease
    /// kube-system/aws-load-balancer-controller-leader...` without a later `successfully
    /// acquired lease`, for more than two minutes; `error retrieving resource lock` when RBAC
    /// is the cause. The container argument `--watch-namespace` (Helm `watchNamespace`). A log
    /// that starts after the pod acquired the lease (a tail) proves nothing and is not read as
    /// stuck: each pod's log must include its own attempt.
    ///
    /// ## Example
    /// Two controller pods, both logging only the attempt for 40 minutes, while an old release
    /// in another namespace holds `kube-system/aws-load-balancer-controller-leader`.
    ///
    /// ## Fix
    /// Find the Lease holder; remove the other installation or delete the stale Lease, then
    /// restart the controller. For the namespace scope, unset `watchNamespace`.
    ///
    /// ## References
    /// - LBC `pkg/config/runtime_config.go` (leader election, `--watch-namespace`)
    /// - Kubernetes Leases: <https://kubernetes.io/docs/concepts/architecture/leases/>
    pub NothingReconciles {
        id: "ING-11",
        name: "nothing-reconciles",
        summary: "the controller reconciles nothing: no pod becomes leader, or it does not watch the namespace",
        severity: Error,
    }
}

/// An election normally ends within the lease duration (15 s); a minute more is generous.
const STUCK_AFTER_SECS: i64 = 120;

const ATTEMPT: &str = "attempting to acquire leader lease";
const ACQUIRED: &str = "acquired lease";
const LOCK_ERRORS: &[&str] = &[
    "error retrieving resource lock",
    "leases.coordination.k8s.io",
];

/// `kube-system/aws-load-balancer-controller-leader` from the attempt line, in the plain
/// (`… leader lease <lease>...`) and the structured (`lease="<lease>"`) wording.
fn lease_name(text: &str) -> Option<String> {
    let raw = match text.split("lease=\"").nth(1) {
        Some(rest) => rest.split('"').next()?,
        None => text.split(ATTEMPT).nth(1)?.split_whitespace().next()?,
    };
    let name = raw.trim_end_matches('.').trim_matches(['"', '\\']);
    (!name.is_empty()).then(|| name.to_owned())
}

impl NothingReconciles {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        Self::no_leader(cx, out);
        Self::unwatched_namespaces(cx, out);
        Ok(())
    }

    fn no_leader(cx: &Context<'_>, out: &mut Vec<Finding>) {
        let logs: Vec<&LogFile> = cx.controller_logs().collect();
        let Some(lbc) = &cx.lbc else { return };
        // A pod without a log could be the leader.
        let every_pod_logged = lbc.pods.iter().all(|p| {
            logs.iter()
                .any(|l| l.namespace == p.metadata.namespace() && l.pod == p.metadata.name)
        });
        if logs.is_empty() || !every_pod_logged {
            return;
        }
        let mut attempts: Vec<(&LogFile, &LogLine)> = Vec::new();
        for log in &logs {
            let attempt = log.lines.iter().rev().find(|l| l.text.contains(ATTEMPT));
            let acquired = log.lines.iter().any(|l| l.text.contains(ACQUIRED));
            match attempt {
                Some(line) if !acquired => attempts.push((log, line)),
                _ => return,
            }
        }
        let newest = attempts
            .iter()
            .filter_map(|(_, l)| line_time(l.text.as_bytes()))
            .max()
            .or_else(|| lbc.pods.iter().filter_map(|p| p.status.start_time).max());
        if cx
            .snapshot
            .age(newest)
            .is_some_and(|age| age < STUCK_AFTER_SECS)
        {
            return;
        }
        let (ns, name) = (lbc.namespace(), lbc.name());
        let first = Entry::read(&attempts[0].1.text).text;
        let lease = lease_name(&first)
            .unwrap_or_else(|| format!("{ns}/aws-load-balancer-controller-leader"));
        let (lease_ns, lease_name) = lease.split_once('/').unwrap_or((ns, &lease));
        let lock_errors: Vec<Evidence> = logs
            .iter()
            .flat_map(|log| log.lines.iter().map(move |l| (log, l)))
            .filter(|(_, l)| LOCK_ERRORS.iter().any(|t| l.text.contains(t)))
            .map(|(log, l)| evidence(log, l))
            .collect();
        let waited = cx
            .snapshot
            .age(newest)
            .map(|a| format!(" for {}", crate::render::human_age(a)))
            .unwrap_or_default();
        let (message, summary, mut commands) = if lock_errors.is_empty() {
            (
                format!(
                    "no pod of deployment/{ns}/{name} has become leader: {} of {} pods log only \"{ATTEMPT} {lease}\"{waited}, so nothing is reconciled",
                    attempts.len(),
                    logs.len()
                ),
                format!("find who holds Lease {lease}: another installation of the controller, or a holder that is gone; remove that installation or delete the Lease, then restart the controller"),
                vec![
                    format!("kubectl -n {lease_ns} get lease {lease_name} -o jsonpath='{{.spec.holderIdentity}} {{.spec.renewTime}}{{\"\\n\"}}'"),
                    "kubectl get deployments -A -l app.kubernetes.io/name=aws-load-balancer-controller".to_owned(),
                    format!("kubectl -n {lease_ns} delete lease {lease_name}"),
                ],
            )
        } else {
            (
                format!(
                    "no pod of deployment/{ns}/{name} has become leader: its pods cannot read or update Lease {lease}, so nothing is reconciled"
                ),
                "give the controller's role get, create and update on leases.coordination.k8s.io in its namespace (re-apply the chart's RBAC), then restart it".to_owned(),
                vec![format!(
                    "kubectl auth can-i update leases.coordination.k8s.io -n {lease_ns} --as=system:serviceaccount:{ns}:{}",
                    lbc.service_account()
                )],
            )
        };
        commands.push(restart_controller(ns, name));
        out.push(
            Finding::new(&Self::META, cx.lbc_subject(), message)
                .evidence_all(lock_errors.into_iter().take(1))
                .evidence_all(attempts.iter().take(2).map(|(log, l)| evidence(log, l)))
                .breaks(Key::AlbReconcile)
                .fix(summary, commands, None),
        );
    }

    /// ALB Ingresses waiting in a namespace that `--watch-namespace` leaves out.
    fn unwatched_namespaces(cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(lbc) = &cx.lbc else { return };
        let Some(watched) = lbc.arg("watch-namespace").filter(|w| !w.is_empty()) else {
            return;
        };
        let namespaces: Vec<&str> = watched.split(',').map(str::trim).collect();
        let (ns, name) = (lbc.namespace(), lbc.name());
        let unwatched: Vec<&IngressView<'_>> = cx
            .alb_ingresses_without_address()
            .filter(|i| !namespaces.contains(&i.namespace()))
            .collect();
        for ing in unwatched {
            let (ing_ns, ing_name) = (ing.namespace(), ing.name());
            out.push(
                Finding::new(
                    &Self::META,
                    ing.subject(),
                    format!("ingress/{ing_ns}/{ing_name} is in namespace {ing_ns}, but deployment/{ns}/{name} watches only {watched} (--watch-namespace): it never sees this Ingress"),
                )
                .evidence(Evidence::new(EvidenceSource::Object, format!("deployments/{ns}/{name}"), format!("args: --watch-namespace={watched}")))
                .breaks(ing.address_key())
                .fix(
                    "let the controller watch every namespace (unset watchNamespace), or run the Ingress in a watched namespace",
                    vec![helm_set(ns, name, &[("watchNamespace", "\"\"")]), nudge_ingress(ing_ns, ing_name)],
                    Some(helm_release_terraform(&[("watchNamespace", "\"\"")])),
                ),
            );
        }
    }
}

fn evidence(log: &LogFile, line: &LogLine) -> Evidence {
    Evidence::new(
        EvidenceSource::Log,
        format!("{}:{}", log.path, line.number),
        Entry::read(&line.text).text,
    )
}

impl_rule!(NothingReconciles);

#[cfg(test)]
mod tests {
    use super::lease_name;

    #[test]
    fn reads_the_lease_in_both_wordings() {
        assert_eq!(
            lease_name(
                "attempting to acquire leader lease kube-system/aws-load-balancer-controller-leader..."
            ),
            Some("kube-system/aws-load-balancer-controller-leader".into())
        );
        assert_eq!(
            lease_name(
                r#"I0714 08:00:42.1 1 leaderelection.go:257] "attempting to acquire leader lease" lease="kube-system/lbc-leader""#
            ),
            Some("kube-system/lbc-leader".into())
        );
    }
}
