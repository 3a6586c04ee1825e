use crate::facts::{Context, is_set};
use crate::report::Hit;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// On a Fargate-only cluster, checks that the AWS Load Balancer Controller's Helm release
    /// sets `vpcId`, also when a blueprints add-ons module installs it (v1
    /// `aws_load_balancer_controller.set`, v4 `aws_load_balancer_controller_helm_config`
    /// `set_values`: the modules set `clusterName`, not `vpcId`). A missing `region` alone is
    /// not reported: with IRSA the pod gets `AWS_REGION` from the web identity webhook, and the
    /// controller reads it before instance metadata.
    ///
    /// ## Why it matters
    /// Without `vpcId` the controller asks the EC2 instance metadata service for it. Fargate pods
    /// have no instance metadata, so the controller exits with `failed to get VPC ID ...
    /// ec2imds: GetMetadata ... context deadline exceeded` and crash-loops (IAM-07); its
    /// webhooks then reject every Ingress.
    ///
    /// ## Evidence
    /// The `helm_release` and the values it sets.
    ///
    /// ## Example
    /// ```hcl
    /// resource "helm_release" "lbc" {
    ///   chart = "aws-load-balancer-controller"
    ///   set {
    ///     name  = "clusterName"
    ///     value = aws_eks_cluster.this.name
    ///   }
    /// }
    /// ```
    ///
    /// ## Fix
    /// ```hcl
    ///   set {
    ///     name  = "vpcId"
    ///     value = aws_vpc.main.id
    ///   }
    /// ```
    ///
    /// ## References
    /// - Amazon EKS user guide: AWS Load Balancer Controller on Fargate (`region`, `vpcId`)
    /// - aws-load-balancer-controller issues 1561, 3937
    /// - Runtime rule IAM-07
    pub LbcOnFargateMissingVpcId {
        id: "TF-10",
        name: "lbc-on-fargate-missing-vpc-id",
        summary: "the load balancer controller runs on Fargate without vpcId",
        severity: Error,
        prevents: ["IAM-07"],
    }
}

pub fn check(cx: &Context, out: &mut Vec<Hit>) {
    if !cx.fargate_only {
        return;
    }
    // the blueprints add-on modules set clusterName and region, but not vpcId
    for lbc in &cx.lbc {
        if is_set(&lbc.values.lookup(&["vpcId"])) {
            continue;
        }
        let detail = "installs the AWS Load Balancer Controller on a Fargate-only cluster without a `vpcId` value; on Fargate there is no instance metadata to read it from";
        let hcl = match lbc.inst.source() {
            Some(s) if s.contains("kubernetes-addons") => {
                "aws_load_balancer_controller_helm_config = {\n  set_values = [{ name = \"vpcId\", value = module.vpc.vpc_id }]\n}"
            }
            Some(_) if lbc.by_blueprints => {
                "aws_load_balancer_controller = {\n  set = [{ name = \"vpcId\", value = module.vpc.vpc_id }]\n}"
            }
            _ => "set {\n  name  = \"vpcId\"\n  value = aws_vpc.main.id\n}",
        };
        out.push(
            Hit::new(&LbcOnFargateMissingVpcId::META, lbc.inst, lbc.at, detail)
                .fix("set vpcId to the cluster's VPC", hcl),
        );
    }
}
