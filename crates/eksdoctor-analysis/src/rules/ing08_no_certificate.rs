use crate::context::Context;
use crate::finding::{Finding, Key, Subject};
use crate::rules::{Outcome, impl_rule};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds HTTPS Ingresses for which the ALB controller could not pick an ACM certificate:
    /// none issued for the host in the controller's region, or several matching (before v2.5.0).
    ///
    /// ## Why it matters
    /// Without `alb.ingress.kubernetes.io/certificate-arn` the controller discovers certificates
    /// by host name, and only `ISSUED` ones in its own region; a pending validation, a
    /// certificate in us-east-1 for a eu-west-1 ALB, or a wildcard one label too shallow leaves
    /// the HTTPS listener (and the address) missing.
    ///
    /// ## Evidence
    /// `no certificate found for host: <host>` or `multiple certificates found for host: <host>`
    /// in events or controller logs.
    ///
    /// ## Example
    /// Host `shop.example.com`, certificate `*.example.com` still `PENDING_VALIDATION`.
    ///
    /// ## Fix
    /// Issue and validate the certificate in the cluster's region, or name it with
    /// `alb.ingress.kubernetes.io/certificate-arn`.
    ///
    /// ## References
    /// - LBC certificate discovery: <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/cert_discovery/>
    /// - kubernetes-sigs/aws-load-balancer-controller#3148
    pub NoCertificate {
        id: "ING-08",
        name: "no-certificate-for-host",
        summary: "no single ACM certificate matches the Ingress host",
        severity: Error,
    }
}

impl NoCertificate {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let mut reported: Vec<(String, String)> = Vec::new();
        for m in cx.lbc_messages.iter().filter(|m| {
            m.contains("certificate found for host") || m.contains("certificates found for host")
        }) {
            let several = m.contains("multiple certificates found");
            let host = m
                .text
                .rsplit("for host:")
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"')
                .to_owned();
            for ing in cx.ingresses_of(m) {
                let (ns, name) = (ing.namespace().to_owned(), ing.name().to_owned());
                if reported.contains(&(ns.clone(), name.clone())) {
                    continue;
                }
                reported.push((ns.clone(), name.clone()));
                let region = cx.region();
                out.push(
                    Finding::new(&Self::META, Subject::new("Ingress", Some(&ns), &name), if several {
                        format!("several ACM certificates match {host} for ingress/{ns}/{name}; this controller version cannot choose")
                    } else {
                        format!("no issued ACM certificate in {region} matches {host} for ingress/{ns}/{name}")
                    })
                    .evidence(m.evidence())
                    .breaks(Key::IngressAddress(ns.clone(), name.clone()))
                    .fix(
                        "name the certificate explicitly with alb.ingress.kubernetes.io/certificate-arn (or issue one for the host in this region)",
                        vec![
                            format!("aws acm list-certificates --region {region} --certificate-statuses ISSUED"),
                            format!("kubectl annotate ingress -n {ns} {name} alb.ingress.kubernetes.io/certificate-arn=<certificate-arn> --overwrite"),
                        ],
                        None,
                    ),
                );
            }
        }
        Ok(())
    }
}

impl_rule!(NoCertificate);
