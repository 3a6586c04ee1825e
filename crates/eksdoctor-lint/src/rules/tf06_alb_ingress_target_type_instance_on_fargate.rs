use crate::facts::Context;
use crate::report::Hit;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// On a Fargate-only cluster, checks that every ALB Ingress
    /// (`kubernetes_ingress_v1`, `kubernetes_ingress`, `kubernetes_manifest`, YAML in
    /// `kubectl_manifest`) has `alb.ingress.kubernetes.io/target-type: ip`, unless the
    /// controller's Helm values set `defaultTargetType: ip`.
    ///
    /// ## Why it matters
    /// The default target type is `instance`: the ALB sends traffic to node ports of EC2
    /// instances. Fargate pods have no instance: with a ClusterIP Service the controller fails
    /// to build the target group, with a NodePort Service the target group stays empty and the
    /// ALB answers 503 (FG-01).
    ///
    /// ## Evidence
    /// The Ingress and its annotations.
    ///
    /// ## Example
    /// ```hcl
    /// resource "kubernetes_ingress_v1" "web" {
    ///   metadata {
    ///     annotations = { "alb.ingress.kubernetes.io/scheme" = "internet-facing" }
    ///   }
    ///   spec { ingress_class_name = "alb" }
    /// }
    /// ```
    ///
    /// ## Fix
    /// ```hcl
    ///     annotations = {
    ///       "alb.ingress.kubernetes.io/scheme"      = "internet-facing"
    ///       "alb.ingress.kubernetes.io/target-type" = "ip"
    ///     }
    /// ```
    ///
    /// ## References
    /// - Amazon EKS user guide: "Route application and HTTP traffic with Application Load
    ///   Balancers" (IP targets are required for pods on Fargate)
    /// - AWS Load Balancer Controller annotations: `target-type`
    /// - Runtime rule FG-01
    pub AlbIngressTargetTypeInstanceOnFargate {
        id: "TF-06",
        name: "alb-ingress-target-type-instance-on-fargate",
        summary: "an ALB Ingress on a Fargate-only cluster does not use target-type ip",
        severity: Error,
        prevents: ["FG-01"],
    }
}

const ANNOTATION: &str = "alb.ingress.kubernetes.io/target-type";

pub fn check(cx: &Context, out: &mut Vec<Hit>) {
    if !cx.fargate_only || cx.lbc_default_target_ip() {
        return;
    }
    for ing in cx.ingresses.iter().filter(|i| cx.is_alb(i)) {
        let detail = match ing.annotation(ANNOTATION).map(|v| v.as_str()) {
            None => format!(
                "is an ALB Ingress on a Fargate-only cluster without `{ANNOTATION}: ip`; the default `instance` targets nodes, and Fargate pods have none"
            ),
            Some(Some(t)) if t != "ip" => format!(
                "is an ALB Ingress on a Fargate-only cluster with `{ANNOTATION}: {t}`; Fargate pods can only be IP targets"
            ),
            _ => continue,
        };
        out.push(
            Hit::new(
                &AlbIngressTargetTypeInstanceOnFargate::META,
                ing.inst,
                &ing.at,
                detail,
            )
            .fix(
                "register pods as IP targets",
                format!("\"{ANNOTATION}\" = \"ip\""),
            ),
        );
    }
}
