use crate::context::{Context, IngressView};
use crate::fixes::{helm_set, nudge_ingress, restart_controller};
use crate::rules::{Outcome, impl_rule};
use crate::subnets::{
    Discovery, DiscoveryError, SubnetVerdict, controller_cluster_name, run_subnet_rule,
};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds ALB Ingresses whose role-tagged subnets are all excluded because they carry a
    /// `kubernetes.io/cluster/<name>` tag for another cluster but not for this one, including
    /// when the controller's `--cluster-name` differs from the real EKS cluster name; and, for
    /// the legacy v1 controller and v2.0.0-v2.1.1, which required that tag, subnets without it.
    ///
    /// ## Why it matters
    /// From v2.4.3 the controller skips subnets tagged for other clusters (the tag value is not
    /// read: `owned` and `shared` count alike). Leftover tags from an old cluster, a shared VPC
    /// tagged for one cluster only, or a typo in the Helm `clusterName` make every correctly
    /// tagged subnet invisible.
    ///
    /// ## Evidence
    /// `Evaluated 3 subnets: 3 are tagged for other clusters` (v2.13+), `, 3 tagged for other
    /// cluster` (v2.6-v2.12); or from describe-subnets: role-tagged subnets whose
    /// `kubernetes.io/cluster/*` keys all name other clusters; the controller's `--cluster-name`.
    ///
    /// ## Example
    /// Subnets tagged `kubernetes.io/cluster/legacy-cluster=shared`, controller started with
    /// `--cluster-name=orbit-prod`.
    ///
    /// ## Fix
    /// Set the Helm value `clusterName` to the EKS cluster name; tag shared subnets with
    /// `kubernetes.io/cluster/<this-cluster>=shared` or remove stale cluster tags.
    ///
    /// ## References
    /// - kubernetes-sigs/aws-load-balancer-controller#2607, #2077, #3051
    pub SubnetsTaggedOtherCluster {
        id: "SUB-03",
        name: "subnets-tagged-for-other-cluster",
        summary: "the role-tagged subnets are tagged for another cluster",
        severity: Error,
    }
}

fn judge(
    cx: &Context<'_>,
    ing: &IngressView<'_>,
    error: Option<&DiscoveryError>,
    d: Option<&Discovery<'_>>,
) -> Option<SubnetVerdict> {
    let surfaced = error.is_some_and(|e| {
        e.other_cluster.unwrap_or(0) > 0 && e.evaluated.is_none_or(|n| e.other_cluster == Some(n))
    });
    // Nothing surfaced yet, or an old wording that does not say why: the subnet data tells.
    let latent = error.is_none_or(DiscoveryError::is_generic)
        && d.is_some_and(|d| d.eligible.is_empty() && !d.other_cluster.is_empty());
    if !(surfaced || latent) {
        return None;
    }
    let (ns, name) = (ing.namespace(), ing.name());
    let controller_name = controller_cluster_name(cx);
    let eks_name = cx.snapshot.aws.cluster.as_ref().map(|c| c.name.clone());
    let mismatch = match (&controller_name, &eks_name) {
        (Some(c), Some(e)) if c != e => {
            format!("; the controller runs with --cluster-name={c} but the EKS cluster is {e}")
        }
        _ => String::new(),
    };
    let cluster = eks_name
        .or(controller_name)
        .unwrap_or_else(|| "<cluster>".into());
    let ids: Vec<&str> = d
        .map(|d| {
            d.other_cluster
                .iter()
                .map(|s| s.subnet_id.as_str())
                .collect()
        })
        .unwrap_or_default();
    let ids_text = if ids.is_empty() {
        "<subnet-ids>".to_owned()
    } else {
        ids.join(" ")
    };
    let listed = if ids.is_empty() {
        "see the controller message".to_owned()
    } else {
        ids.join(", ")
    };
    let reason = if d.is_some_and(|d| d.cluster_tag_required) {
        // v1.x and v2.0.0-v2.1.1.
        format!("lack kubernetes.io/cluster/{cluster}, which controllers before v2.1.2 require,")
    } else {
        "are tagged for another cluster".to_owned()
    };
    let mut commands = vec![format!(
        "aws ec2 create-tags --resources {ids_text} --tags Key=kubernetes.io/cluster/{cluster},Value=shared"
    )];
    // The legacy v1 controller is not installed from this chart.
    if let Some(lbc) = cx.lbc.as_ref().filter(|l| !l.legacy_v1) {
        commands.push(helm_set(
            lbc.namespace(),
            lbc.name(),
            &[("clusterName", &cluster)],
        ));
        commands.push(restart_controller(lbc.namespace(), lbc.name()));
    }
    commands.push(nudge_ingress(ns, name));
    Some(SubnetVerdict {
        message: format!(
            "the role-tagged subnets for ingress/{ns}/{name} ({listed}) {reason} and are skipped{mismatch}"
        ),
        fix_summary: format!(
            "tag the subnets kubernetes.io/cluster/{cluster}=shared (or remove stale cluster tags) and make sure the controller's clusterName is {cluster}"
        ),
        commands,
        terraform: Some(format!(
            "resource \"aws_ec2_tag\" \"cluster\" {{\n  for_each    = toset(var.alb_subnet_ids)\n  resource_id = each.value\n  key         = \"kubernetes.io/cluster/{cluster}\"\n  value       = \"shared\"\n}}\n# helm_release \"aws-load-balancer-controller\": set {{ name = \"clusterName\", value = \"{cluster}\" }}"
        )),
    })
}

impl SubnetsTaggedOtherCluster {
    fn run(cx: &Context<'_>, out: &mut Vec<crate::finding::Finding>) -> Outcome {
        run_subnet_rule(cx, &Self::META, judge, out)
    }
}

impl_rule!(SubnetsTaggedOtherCluster);
