use crate::bundle::Kind;
use crate::context::Context;
use crate::finding::{Evidence, EvidenceSource, Finding, Key, Subject};
use crate::rules::{Outcome, impl_rule};
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports cluster DNS as down when the `kube-dns` Service has no ready endpoints or no
    /// CoreDNS pod is ready. On EKS Auto Mode CoreDNS is managed by AWS and not listed: the rule
    /// stays silent there.
    ///
    /// ## Why it matters
    /// Every pod resolves names through kube-dns. With it down, controllers cannot resolve AWS
    /// API hosts (the load balancer controller cannot reach STS), apps cannot find each other,
    /// and the failures show up far from their cause.
    ///
    /// ## Evidence
    /// `kubectl -n kube-system get endpoints kube-dns` (or EndpointSlices) with no addresses;
    /// CoreDNS Deployment `readyReplicas` 0; the EKS add-on health issue
    /// `InsufficientNumberOfReplicas`.
    ///
    /// ## Example
    /// ```text
    /// NAME                       READY   STATUS    RESTARTS   AGE
    /// coredns-6d8f7c9b5d-2kq7x   0/1     Pending   0          53m
    /// ```
    ///
    /// ## Fix
    /// Make the CoreDNS pods run: the findings under this one say why they do not.
    ///
    /// ## References
    /// - Debugging DNS resolution: <https://kubernetes.io/docs/tasks/administer-cluster/dns-debugging-resolution/>
    /// - EKS CoreDNS add-on: <https://docs.aws.amazon.com/eks/latest/userguide/managing-coredns.html>
    pub ClusterDnsDown {
        id: "DNS-01",
        name: "cluster-dns-down",
        summary: "cluster DNS is unavailable",
        severity: Error,
    }
}

impl ClusterDnsDown {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        cx.require(Input::Kube(Kind::Pod))?;
        let snap = cx.snapshot;
        let dns_pods: Vec<_> = snap
            .pods
            .iter()
            .filter(|p| {
                p.metadata.namespace() == "kube-system"
                    && p.metadata.label("k8s-app") == Some("kube-dns")
            })
            .collect();
        let service = snap.service("kube-system", "kube-dns");
        if cx.coredns.is_none() && dns_pods.is_empty() {
            // Nothing to judge: Auto Mode, another DNS, or not collected. Absence is not an outage.
            return Ok(());
        }
        let ready_pods = dns_pods.iter().filter(|p| p.is_ready()).count();
        let ready_endpoints = service.and_then(|_| snap.ready_endpoints("kube-system", "kube-dns"));
        let down = ready_endpoints == Some(0) || (ready_endpoints.is_none() && ready_pods == 0);
        if !down {
            return Ok(());
        }
        let mut evidence = Vec::new();
        if ready_endpoints == Some(0) {
            evidence.push(Evidence::new(
                EvidenceSource::Object,
                "endpoints/kube-system/kube-dns",
                "no ready addresses",
            ));
        }
        evidence.push(Evidence::new(
            EvidenceSource::Object,
            "pods -n kube-system -l k8s-app=kube-dns",
            format!(
                "{ready_pods}/{} ready: {}",
                dns_pods.len(),
                dns_pods
                    .iter()
                    .map(|p| format!("{} {}", p.metadata.name, p.phase()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
        if let Some(addon) = snap.aws.addons.iter().find(|a| a.addon_name == "coredns") {
            for issue in addon.health.iter().flat_map(|h| &h.issues) {
                evidence.push(Evidence::new(
                    EvidenceSource::Aws,
                    "eks/addons/coredns",
                    format!(
                        "{}: {}",
                        issue.code.as_deref().unwrap_or(""),
                        issue.message.as_deref().unwrap_or("")
                    ),
                ));
            }
        }
        let (subject, needs) = match cx.coredns {
            Some(d) => (
                Subject::new("Service", Some("kube-system"), "kube-dns"),
                Some(Key::WorkloadUp(
                    "Deployment".into(),
                    "kube-system".into(),
                    d.metadata.name.clone(),
                )),
            ),
            None => (
                Subject::new("Service", Some("kube-system"), "kube-dns"),
                None,
            ),
        };
        let mut f = Finding::new(
            &Self::META,
            subject,
            format!("service/kube-system/kube-dns has no ready endpoints: {ready_pods} of {} CoreDNS pods are ready", dns_pods.len()),
        )
        .evidence_all(evidence)
        .breaks(Key::ClusterDns)
        .fix(
            "make the CoreDNS pods run (see the cause below)",
            vec!["kubectl -n kube-system get pods -l k8s-app=kube-dns -o wide".into(), "kubectl -n kube-system describe pods -l k8s-app=kube-dns".into()],
            None,
        );
        if let Some(k) = needs {
            f = f.needs(k);
        }
        out.push(f);
        Ok(())
    }
}

impl_rule!(ClusterDnsDown);
