//! Fix snippets that more than one rule proposes.

/// The add-on-native way to run CoreDNS on Fargate, ordered after the kube-system profile.
pub const COREDNS_ADDON_TERRAFORM: &str = r#"resource "aws_eks_fargate_profile" "kube_system" {
  cluster_name           = aws_eks_cluster.this.name
  fargate_profile_name   = "kube-system"
  pod_execution_role_arn = aws_iam_role.fargate_pod.arn
  subnet_ids             = var.private_subnet_ids
  selector { namespace = "kube-system" }
}

resource "aws_eks_addon" "coredns" {
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = "coredns"
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  configuration_values        = jsonencode({ computeType = "Fargate" })
  depends_on                  = [aws_eks_fargate_profile.kube_system]
}"#;

/// Controller failures are retried with backoff up to ~17 minutes and AWS-side changes do not
/// trigger a reconcile: this makes the controller look again now.
pub fn nudge_ingress(namespace: &str, name: &str) -> String {
    format!(
        "kubectl annotate ingress -n {namespace} {name} eksdoctor.io/nudge=\"$(date +%s)\" --overwrite"
    )
}

pub fn restart_controller(namespace: &str, name: &str) -> String {
    format!("kubectl -n {namespace} rollout restart deployment/{name}")
}

/// `helm upgrade` of the controller's release with these values changed.
pub fn helm_set(namespace: &str, release: &str, values: &[(&str, &str)]) -> String {
    let sets: String = values
        .iter()
        .map(|(k, v)| format!(" --set {k}={v}"))
        .collect();
    format!(
        "helm upgrade {release} eks/aws-load-balancer-controller -n {namespace} --reuse-values{sets}"
    )
}

/// The same values on the controller's `helm_release` in Terraform (values are HCL expressions).
pub fn helm_release_terraform(values: &[(&str, &str)]) -> String {
    let sets: String = values
        .iter()
        .map(|(k, v)| format!("  set {{\n    name  = \"{k}\"\n    value = {v}\n  }}\n"))
        .collect();
    format!("resource \"helm_release\" \"aws_load_balancer_controller\" {{\n{sets}}}")
}

/// The Ingress's `alb.ingress.kubernetes.io/target-type: ip` in Terraform.
pub fn target_type_ip(ingress: &str) -> String {
    format!(
        "resource \"kubernetes_ingress_v1\" \"{}\" {{\n  metadata {{\n    annotations = {{\n      \"{}\" = \"ip\"\n    }}\n  }}\n}}",
        ingress.replace('-', "_"),
        crate::context::TARGET_TYPE_ANNOTATION
    )
}
