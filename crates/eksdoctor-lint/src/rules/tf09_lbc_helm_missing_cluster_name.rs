use crate::facts::{Context, is_set};
use crate::helm::Found;
use crate::report::Hit;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Checks that the AWS Load Balancer Controller's Helm release sets `clusterName`. Values are
    /// read from `set` blocks, the helm provider v3 `set = [{...}]` list, `values =
    /// [yamlencode({...})]`, heredocs, and `values = [file("...")]` when the file is in the
    /// repository. Unknown values count as set. The blueprints add-ons module
    /// (`enable_aws_load_balancer_controller`) sets it itself and is not checked.
    ///
    /// ## Why it matters
    /// The controller needs the cluster name: without it it exits with `kubernetes cluster name
    /// must be specified` (ING-12), and a wrong or empty name makes every subnet tagged for the
    /// cluster count as "tagged for other clusters" (SUB-03).
    ///
    /// ## Evidence
    /// The `helm_release` and the values it sets.
    ///
    /// ## Example
    /// ```hcl
    /// resource "helm_release" "lbc" {
    ///   name       = "aws-load-balancer-controller"
    ///   repository = "https://aws.github.io/eks-charts"
    ///   chart      = "aws-load-balancer-controller"
    ///   namespace  = "kube-system"
    /// }
    /// ```
    ///
    /// ## Fix
    /// ```hcl
    ///   set {
    ///     name  = "clusterName"
    ///     value = aws_eks_cluster.this.name
    ///   }
    /// ```
    ///
    /// ## References
    /// - AWS Load Balancer Controller Helm chart values (`clusterName`)
    /// - aws-load-balancer-controller issue 3051
    /// - Runtime rules SUB-03, ING-12
    pub LbcHelmMissingClusterName {
        id: "TF-09",
        name: "lbc-helm-missing-cluster-name",
        summary: "the load balancer controller's Helm release does not set clusterName",
        severity: Error,
        prevents: ["SUB-03", "ING-12"],
    }
}

pub fn check(cx: &Context, out: &mut Vec<Hit>) {
    for lbc in cx.lbc.iter().filter(|l| !l.by_blueprints) {
        let found = lbc.values.lookup(&["clusterName"]);
        if is_set(&found) {
            continue;
        }
        let detail = match found {
            Found::Set(_) => {
                "installs the AWS Load Balancer Controller with an empty `clusterName`; the controller does not start without it"
            }
            _ => {
                "installs the AWS Load Balancer Controller without a `clusterName` value; the controller does not start without it"
            }
        };
        out.push(
            Hit::new(&LbcHelmMissingClusterName::META, lbc.inst, lbc.at, detail).fix(
                "set clusterName to the EKS cluster's name",
                "set {\n  name  = \"clusterName\"\n  value = aws_eks_cluster.this.name\n}",
            ),
        );
    }
}
