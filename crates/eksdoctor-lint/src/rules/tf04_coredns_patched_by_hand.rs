use crate::facts::{Context, coredns_addon_hcl, coredns_patches};
use crate::report::Hit;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds `local-exec` provisioners (in `null_resource`, `terraform_data` or any resource)
    /// that patch, annotate or restart the CoreDNS deployment with `kubectl`, directly or
    /// through a shell script in the repository (also when the command is continued over
    /// several lines with `\`). Commented-out code is not code, and harmless commands such as
    /// `aws eks update-kubeconfig`, or annotating the `kube-dns` Service for a Helm-managed
    /// CoreDNS, are not reported.
    ///
    /// ## Why it matters
    /// The patch is the manual fix for CoreDNS Pending on Fargate. It runs once, from the
    /// machine that applies, with its kubeconfig; the coredns add-on overwrites it on its next
    /// update (FG-07), and a new cluster built without the provisioner has the problem again.
    /// The add-on's own `computeType` setting is the durable fix.
    ///
    /// ## Evidence
    /// The resource and the command line that patches CoreDNS.
    ///
    /// ## Example
    /// ```hcl
    /// resource "null_resource" "coredns_fargate" {
    ///   provisioner "local-exec" {
    ///     command = "kubectl patch deployment coredns -n kube-system --type json -p '[...]'"
    ///   }
    /// }
    /// ```
    ///
    /// ## Fix
    /// ```hcl
    /// resource "aws_eks_addon" "coredns" {
    ///   cluster_name         = aws_eks_cluster.this.name
    ///   addon_name           = "coredns"
    ///   configuration_values = jsonencode({ computeType = "Fargate" })
    ///   depends_on           = [aws_eks_fargate_profile.kube_system]
    /// }
    /// ```
    ///
    /// ## References
    /// - AWS blog: "Amazon EKS add-ons: Advanced configuration"
    /// - terraform-aws-eks pull request 2345 (replaced the kubectl patch with `computeType`)
    /// - Runtime rule FG-07
    pub CorednsPatchedByHand {
        id: "TF-04",
        name: "coredns-patched-by-hand",
        summary: "CoreDNS is patched or restarted with kubectl from a local-exec provisioner",
        severity: Warning,
        prevents: ["FG-07"],
    }
}

pub fn check(cx: &Context, out: &mut Vec<Hit>) {
    for (inst, seen) in coredns_patches(cx.config) {
        let detail = format!(
            "patches CoreDNS with kubectl in a local-exec provisioner (`{seen}`); the coredns add-on overwrites such changes on its next update"
        );
        out.push(
            Hit::new(&CorednsPatchedByHand::META, inst, "provisioner", detail).fix(
                "remove the provisioner and let the coredns add-on run on Fargate",
                coredns_addon_hcl(cx),
            ),
        );
    }
}
