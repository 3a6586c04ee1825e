use crate::context::{Context, Controller, Message, Version};
use crate::finding::{Evidence, EvidenceSource, Finding, Key};
use crate::fixes::{helm_release_terraform, helm_set, restart_controller};
use crate::rules::{Outcome, impl_rule};
use eksdoctor_rule::{Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds a load balancer controller that cannot work as installed: started without a
    /// cluster name, missing or outdated CustomResourceDefinitions (TargetGroupBinding,
    /// IngressClassParams) after a Helm upgrade, a release that does not support the cluster's
    /// Kubernetes version, or the legacy v1 `aws-alb-ingress-controller`.
    ///
    /// ## Why it matters
    /// Without `--cluster-name` the controller exits at start-up. `helm upgrade` does not
    /// upgrade CRDs, so a newer controller meets old CRDs and fails to create or read its
    /// TargetGroupBindings. Releases before v2.4.0 use the `networking.k8s.io/v1beta1` Ingress
    /// API that Kubernetes 1.22 removed; v2.5.0 and later need Kubernetes 1.22. The v1
    /// controller is end of life and words its errors differently (its subnet errors are read
    /// by the SUB rules).
    ///
    /// ## Evidence
    /// `kubernetes cluster name must be specified`; `no matches for kind "TargetGroupBinding"
    /// in version "elbv2.k8s.aws/v1beta1"`, `unknown field "spec.…"` on TargetGroupBinding;
    /// the container's `--cluster-name`; its image tag against the EKS cluster's `version`; an
    /// `aws-alb-ingress-controller` image.
    ///
    /// ## Example
    /// Chart upgraded from 1.4 to 1.8 (controller v2.8) while the TargetGroupBinding CRD still
    /// has the v2.4 schema.
    ///
    /// ## Fix
    /// Set the Helm value `clusterName`; apply the CRDs of the chart version before upgrading
    /// (`kubectl apply -k "github.com/aws/eks-charts/stable/aws-load-balancer-controller//crds?ref=master"`);
    /// run a controller release that supports the cluster's Kubernetes version, with the IAM
    /// policy of that release; migrate from v1 to v2.
    ///
    /// ## References
    /// - LBC installation and upgrade: <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/installation/>
    /// - Migrating from v1: <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/upgrade/migrate_v1_v2/>
    /// - kubernetes-sigs/aws-load-balancer-controller#3051
    pub ControllerSetup {
        id: "ING-12",
        name: "controller-setup",
        summary: "the controller is installed in a way that cannot work: no cluster name, stale CRDs, unsupported or end-of-life release",
        severity: Error,
    }
}

const CRDS_KUSTOMIZE: &str =
    "github.com/aws/eks-charts/stable/aws-load-balancer-controller//crds?ref=master";

fn no_cluster_name(m: &Message) -> bool {
    m.contains("kubernetes cluster name must be specified")
}

fn stale_crds(m: &Message) -> bool {
    let ours = m.contains("TargetGroupBinding") || m.contains("IngressClassParams");
    ours && (m.contains("no matches for kind") || m.contains("unknown field \"spec."))
}

/// The Kubernetes versions a controller release supports, from the compatibility table.
fn supported_kubernetes(v: Version) -> (Version, Option<Version>) {
    if v < Version::new(2, 2, 0) {
        (Version::new(1, 15, 0), Some(Version::new(1, 21, 0)))
    } else if v < Version::new(2, 4, 0) {
        (Version::new(1, 16, 0), Some(Version::new(1, 21, 0)))
    } else if v < Version::new(2, 5, 0) {
        (Version::new(1, 19, 0), None)
    } else {
        (Version::new(1, 22, 0), None)
    }
}

impl ControllerSetup {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let Some(lbc) = &cx.lbc else {
            // Pasted logs without the Deployment: the messages still say it.
            Self::from_messages(cx, out);
            return Ok(());
        };
        Self::cluster_name(cx, lbc, out);
        Self::crds(cx, out);
        Self::kubernetes_version(cx, lbc, out);
        Self::legacy(cx, lbc, out);
        Ok(())
    }

    fn from_messages(cx: &Context<'_>, out: &mut Vec<Finding>) {
        if let Some(m) = cx.lbc_messages.iter().rev().find(|m| no_cluster_name(m)) {
            out.push(Self::cluster_name_finding(cx, Some(m), None));
        }
        Self::crds(cx, out);
    }

    fn cluster_name(cx: &Context<'_>, lbc: &Controller<'_>, out: &mut Vec<Finding>) {
        let surfaced = cx.lbc_messages.iter().rev().find(|m| no_cluster_name(m));
        // An empty value, or none among otherwise complete arguments (charts before clusterName
        // was required rendered `--cluster-name=`).
        let unset = match lbc.arg("cluster-name") {
            Some(name) => name.is_empty(),
            None => !lbc.args.is_empty(),
        };
        if surfaced.is_some() || unset {
            out.push(Self::cluster_name_finding(cx, surfaced, Some(lbc)));
        }
    }

    fn cluster_name_finding(
        cx: &Context<'_>,
        m: Option<&Message>,
        lbc: Option<&Controller<'_>>,
    ) -> Finding {
        let (ns, name) = cx.lbc_names();
        let cluster = cx.cluster_name();
        let mut f = Finding::new(
            &Self::META,
            cx.lbc_subject(),
            format!("deployment/{ns}/{name} starts without a cluster name (Helm clusterName is empty): the controller exits at start-up"),
        )
        .evidence_all(m.map(Message::evidence))
        .breaks(Key::AlbReconcile)
        .breaks(Key::WorkloadUp("Deployment".into(), ns.clone(), name.clone()))
        .fix(
            format!("set the Helm value clusterName to the EKS cluster's name ({cluster})"),
            vec![
                "aws eks list-clusters --query clusters --output text".into(),
                helm_set(&ns, &name, &[("clusterName", &cluster)]),
            ],
            Some(helm_release_terraform(&[("clusterName", "module.eks.cluster_name")])),
        );
        if let Some(lbc) = lbc {
            f = f.evidence(lbc.args_evidence());
        }
        f
    }

    fn crds(cx: &Context<'_>, out: &mut Vec<Finding>) {
        let surfaced: Vec<&Message> = cx.lbc_messages.iter().filter(|m| stale_crds(m)).collect();
        let Some(m) = surfaced.last() else { return };
        let (ns, name) = cx.lbc_names();
        let version = cx
            .lbc
            .as_ref()
            .map_or_else(|| "an unknown version".to_owned(), |l| l.version_text());
        let missing = m.contains("no matches for kind");
        out.push(
            Finding::new(
                &Self::META,
                cx.lbc_subject(),
                if missing {
                    format!("the CustomResourceDefinitions of deployment/{ns}/{name} ({version}) are not installed: it cannot create its TargetGroupBindings")
                } else {
                    format!("the CustomResourceDefinitions of deployment/{ns}/{name} are older than the controller ({version}): helm upgrade does not upgrade them")
                },
            )
            .evidence(m.evidence())
            .breaks(Key::AlbReconcile)
            .fix(
                "apply the CRDs of the chart version, then restart the controller (do this before every chart upgrade)",
                vec![
                    "kubectl get crd targetgroupbindings.elbv2.k8s.aws ingressclassparams.elbv2.k8s.aws".into(),
                    format!("kubectl apply -k \"{CRDS_KUSTOMIZE}\""),
                    restart_controller(&ns, &name),
                ],
                Some("# helm_release does not upgrade CRDs: apply them with the chart version\ndata \"http\" \"lbc_crds\" {\n  url = \"https://raw.githubusercontent.com/aws/eks-charts/master/stable/aws-load-balancer-controller/crds/crds.yaml\"\n}\n\ndata \"kubectl_file_documents\" \"lbc_crds\" {\n  content = data.http.lbc_crds.response_body\n}\n\nresource \"kubectl_manifest\" \"lbc_crds\" {\n  for_each          = data.kubectl_file_documents.lbc_crds.manifests\n  yaml_body         = each.value\n  server_side_apply = true\n}".into()),
            ),
        );
    }

    fn kubernetes_version(cx: &Context<'_>, lbc: &Controller<'_>, out: &mut Vec<Finding>) {
        let (Some(v), false) = (lbc.version, lbc.legacy_v1) else {
            return;
        };
        let Some(k8s) = cx
            .snapshot
            .aws
            .cluster
            .as_ref()
            .and_then(|c| c.version.as_deref())
            .and_then(Version::parse)
        else {
            return;
        };
        let (min, max) = supported_kubernetes(v);
        let supported =
            k8s >= min && max.is_none_or(|max| Version::new(k8s.major, k8s.minor, 0) <= max);
        if supported {
            return;
        }
        let (ns, name) = cx.lbc_names();
        let range = match max {
            Some(max) => format!(
                "Kubernetes {}.{} to {}.{}",
                min.major, min.minor, max.major, max.minor
            ),
            None => format!("Kubernetes {}.{} and later", min.major, min.minor),
        };
        out.push(
            Finding::new(
                &Self::META,
                cx.lbc_subject(),
                format!("deployment/{ns}/{name} runs controller {v}, which supports {range}, on Kubernetes {}.{}", k8s.major, k8s.minor),
            )
            .evidence(Evidence::new(EvidenceSource::Object, format!("deployments/{ns}/{name}"), format!("image: {}", lbc.image)))
            .evidence(Evidence::new(EvidenceSource::Aws, "eks/describe-cluster", format!("version: {}.{}", k8s.major, k8s.minor)))
            // What an API the cluster no longer serves looks like from the controller.
            .evidence_all(
                cx.lbc_messages
                    .iter()
                    .find(|m| m.contains("could not find the requested resource"))
                    .map(Message::evidence),
            )
            .breaks(Key::AlbReconcile)
            .fix(
                "upgrade the controller to a release that supports this Kubernetes version, together with its CRDs and IAM policy",
                vec![
                    format!("kubectl apply -k \"{CRDS_KUSTOMIZE}\""),
                    format!("helm upgrade {name} eks/aws-load-balancer-controller -n {ns} --reuse-values --version <chart-version>"),
                ],
                None,
            ),
        );
    }

    /// The v1 controller works as it did, but gets no fixes and words its errors differently.
    fn legacy(cx: &Context<'_>, lbc: &Controller<'_>, out: &mut Vec<Finding>) {
        if !lbc.legacy_v1 {
            return;
        }
        let (ns, name) = (lbc.namespace(), lbc.name());
        let cluster = cx.cluster_name();
        out.push(
            Finding::new(
                &Self::META,
                cx.lbc_subject(),
                format!("deployment/{ns}/{name} runs {}", lbc.version_text()),
            )
            .severity(Severity::Warning)
            .evidence(Evidence::new(EvidenceSource::Object, format!("deployments/{ns}/{name}"), format!("image: {}", lbc.image)))
            .fix(
                "migrate to the AWS Load Balancer Controller v2 (remove v1 first; update the IAM policy; Ingress annotations stay compatible)",
                vec![
                    format!("kubectl -n {ns} delete deployment {name}"),
                    "helm repo add eks https://aws.github.io/eks-charts".into(),
                    format!("helm install aws-load-balancer-controller eks/aws-load-balancer-controller -n kube-system --set clusterName={cluster} --set serviceAccount.name={}", lbc.service_account()),
                ],
                Some(format!("resource \"helm_release\" \"aws_load_balancer_controller\" {{\n  name       = \"aws-load-balancer-controller\"\n  namespace  = \"kube-system\"\n  repository = \"https://aws.github.io/eks-charts\"\n  chart      = \"aws-load-balancer-controller\"\n  set {{\n    name  = \"clusterName\"\n    value = \"{cluster}\"\n  }}\n}}")),
            ),
        );
    }
}

impl_rule!(ControllerSetup);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compatibility_table() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(supported_kubernetes(v("v2.3.1")).1, Some(v("1.21")));
        assert_eq!(supported_kubernetes(v("v2.4.7")), (v("1.19"), None));
        assert_eq!(supported_kubernetes(v("v2.13.0")).0, v("1.22"));
    }
}
