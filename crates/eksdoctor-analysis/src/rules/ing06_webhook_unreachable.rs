use crate::context::{Context, Message, event_message};
use crate::finding::{EvidenceSource, Finding, Key, Subject};
use crate::fixes::{helm_release_terraform, helm_set, nudge_ingress, restart_controller};
use crate::rules::{Outcome, impl_rule};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds calls from the API server to the load balancer controller's admission webhooks
    /// (`vingress`, `mservice`, `mpod`, `mtargetgroupbinding`… `.elbv2.k8s.aws`) that time out,
    /// that the API server refuses to make to the pods' addresses, or that fail TLS verification,
    /// while the webhook Service does have endpoints.
    ///
    /// ## Why it matters
    /// The API server calls the webhook pods directly on TCP 9443. When the node security group
    /// does not allow that port from the cluster security group, every call times out; when
    /// the pods have addresses outside the VPC (an overlay CNI such as Calico or Cilium), the
    /// EKS control plane refuses to call them; when the webhook configurations carry a CA
    /// bundle that did not sign the serving certificate (a kept or re-issued TLS secret),
    /// every call fails with `x509`. The webhooks fail closed:
    /// `kubectl apply` of Ingresses and Services fails, the controller cannot create its own
    /// TargetGroupBindings (so no ALB for any Ingress), and the pod webhook blocks pod creation.
    ///
    /// ## Evidence
    /// `failed calling webhook "<name>.elbv2.k8s.aws": … context deadline exceeded` or
    /// `dial tcp <pod-ip>:9443: i/o timeout`, `… Address is not allowed`, or `… x509:
    /// certificate signed by unknown authority`, in controller logs, `FailedDeployModel` events
    /// on Ingresses and `FailedCreate` events on ReplicaSets. `no endpoints available for
    /// service` is ING-05.
    ///
    /// ## Example
    /// ```text
    /// Failed deploy model due to Internal error occurred: failed calling webhook
    /// "mtargetgroupbinding.elbv2.k8s.aws": failed to call webhook: Post
    /// "https://aws-load-balancer-webhook-service.kube-system.svc:443/mutate-elbv2-k8s-aws-v1beta1-targetgroupbinding?timeout=10s":
    /// context deadline exceeded
    /// ```
    ///
    /// ## Fix
    /// Timeouts: allow TCP 9443 from the cluster security group to the node security group
    /// (terraform-aws-eks: `node_security_group_additional_rules`). `Address is not allowed`:
    /// run the controller on the host network (Helm `hostNetwork=true`). Certificate errors:
    /// re-issue the webhook certificate so the CA bundle matches (Helm `keepTLSSecret=false`, or
    /// cert-manager), then restart the controller.
    ///
    /// ## References
    /// - LBC installation, network configuration: <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/installation/>
    /// - kubernetes-sigs/aws-load-balancer-controller#1591, #2488, #2670, #2711
    /// - terraform-aws-modules/terraform-aws-eks#2270
    pub WebhookUnreachable {
        id: "ING-06",
        name: "webhook-unreachable",
        summary: "the API server cannot reach or does not trust the controller's admission webhooks",
        severity: Error,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// The call timed out: no network path from the control plane to the pods on 9443.
    Unreachable,
    /// The API server refuses the pods' addresses: they are not VPC addresses (overlay CNI).
    OffVpcAddress,
    /// TLS verification failed: the CA bundle does not match the serving certificate.
    Untrusted,
}

/// One failed webhook call, as the message words it.
struct Call {
    message: Message,
    webhook: String,
    service: (String, String),
    failure: Failure,
    /// What the refused request was for: Ingress addresses, or a workload's pods.
    blocks: Vec<Key>,
}

/// `mpod.elbv2.k8s.aws` from `failed calling webhook "mpod.elbv2.k8s.aws": …`, whatever quoting
/// the log or event layer put around it.
fn webhook_name(text: &str) -> Option<String> {
    let marker = "failed calling webhook";
    let rest = &text[text.find(marker)? + marker.len()..];
    let name: String = rest
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
        .collect();
    name.ends_with(".elbv2.k8s.aws").then_some(name)
}

/// The (namespace, name) of the Service in the webhook URL
/// `https://<service>.<namespace>.svc:443/…`.
fn webhook_service(text: &str) -> Option<(String, String)> {
    let host = text.split("https://").nth(1)?;
    let host = &host[..host.find([':', '/', '"', ' '])?];
    let mut labels = host.split('.');
    let (service, namespace) = (labels.next()?, labels.next()?);
    (labels.next() == Some("svc")).then(|| (namespace.to_owned(), service.to_owned()))
}

fn failure(text: &str) -> Option<Failure> {
    if text.contains("x509: ") {
        Some(Failure::Untrusted)
    } else if text.contains("Address is not allowed") {
        Some(Failure::OffVpcAddress)
    } else if [
        "deadline exceeded",
        "i/o timeout",
        "Client.Timeout exceeded",
    ]
    .iter()
    .any(|t| text.contains(t))
    {
        Some(Failure::Unreachable)
    } else {
        None
    }
}

/// The certificate error itself: `x509: certificate signed by unknown authority`.
fn x509_detail(text: &str) -> &str {
    let at = text.find("x509: ").unwrap_or(0);
    let rest = &text[at..];
    rest[..rest.find(['"', '\n', ',', '(']).unwrap_or(rest.len())].trim_end()
}

impl WebhookUnreachable {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let (lbc_ns, lbc_name) = cx.lbc_names();
        let calls = Self::calls(cx);
        let mut groups: Vec<(&(String, String), Failure)> = Vec::new();
        for c in &calls {
            if !groups.contains(&(&c.service, c.failure)) {
                groups.push((&c.service, c.failure));
            }
        }
        for ((ns, svc), failure) in groups {
            let group: Vec<&Call> = calls
                .iter()
                .filter(|c| (&c.service.0, &c.service.1) == (ns, svc) && c.failure == failure)
                .collect();
            let mut webhooks: Vec<&str> = group.iter().map(|c| c.webhook.as_str()).collect();
            webhooks.sort_unstable();
            webhooks.dedup();
            let webhooks = webhooks.join(", ");
            let mut blocked: Vec<Key> = Vec::new();
            for key in group.iter().flat_map(|c| &c.blocks) {
                if !blocked.contains(key) {
                    blocked.push(key.clone());
                }
            }
            // The controller retries with backoff: nudge the Ingresses once the fix is in.
            let nudges = blocked.iter().filter_map(|k| match k {
                Key::IngressAddress(ns, name) => Some(nudge_ingress(ns, name)),
                _ => None,
            });
            let mut message = match failure {
                Failure::Unreachable => format!(
                    "calls from the API server to webhooks {webhooks} at service/{ns}/{svc} time out: the control plane cannot reach the controller pods on TCP 9443"
                ),
                Failure::OffVpcAddress => format!(
                    "the API server refuses to call webhooks {webhooks} at service/{ns}/{svc} (Address is not allowed): the controller pods have addresses outside the VPC, from an overlay CNI, which the EKS control plane cannot reach"
                ),
                Failure::Untrusted => format!(
                    "the API server does not trust the certificate of webhooks {webhooks} at service/{ns}/{svc} ({}): the webhook configurations' caBundle did not sign it",
                    x509_detail(&group[0].message.text)
                ),
            };
            let victims: Vec<String> = blocked
                .iter()
                .filter_map(|k| match k {
                    Key::IngressAddress(ns, name) => {
                        Some(format!("the ALB of ingress/{ns}/{name}"))
                    }
                    Key::WorkloadUp(kind, ns, name) => Some(format!(
                        "new pods of {}/{ns}/{name}",
                        kind.to_ascii_lowercase()
                    )),
                    _ => None,
                })
                .collect();
            if !victims.is_empty() {
                message.push_str(&format!("; this blocks {}", victims.join(", ")));
            }
            let f = Finding::new(&Self::META, Subject::new("Service", Some(ns), svc), message)
                .evidence_all(group.iter().rev().take(2).map(|c| c.message.evidence()))
                .breaks_all(blocked.clone());
            let f = match failure {
                Failure::Unreachable => {
                    let cluster_sg = cx
                        .snapshot
                        .aws
                        .cluster
                        .as_ref()
                        .and_then(|c| c.resources_vpc_config.cluster_security_group_id.clone())
                        .unwrap_or_else(|| "<cluster-security-group-id>".into());
                    let commands = [
                        format!(
                            "aws eks describe-cluster --name {} --query cluster.resourcesVpcConfig.clusterSecurityGroupId --output text",
                            cx.cluster_name()
                        ),
                        format!(
                            "aws ec2 authorize-security-group-ingress --group-id <node-security-group-id> --ip-permissions 'IpProtocol=tcp,FromPort=9443,ToPort=9443,UserIdGroupPairs=[{{GroupId={cluster_sg}}}]'"
                        ),
                    ];
                    f.fix(
                        "allow TCP 9443 from the cluster security group to the node security group",
                        commands.into_iter().chain(nudges).collect(),
                        Some("module \"eks\" { # terraform-aws-modules/eks/aws\n  node_security_group_additional_rules = {\n    lbc_webhook = {\n      description                   = \"control plane to the load balancer controller webhooks\"\n      type                          = \"ingress\"\n      protocol                      = \"tcp\"\n      from_port                     = 9443\n      to_port                       = 9443\n      source_cluster_security_group = true\n    }\n  }\n}".into()),
                    )
                }
                Failure::OffVpcAddress => f.fix(
                    "run the controller on the host network (Helm hostNetwork=true), so its webhooks listen on node addresses the control plane can reach, and allow TCP 9443 from the cluster security group to the nodes",
                    [
                        helm_set(&lbc_ns, &lbc_name, &[("hostNetwork", "true")]),
                        restart_controller(&lbc_ns, &lbc_name),
                    ]
                    .into_iter()
                    .chain(nudges)
                    .collect(),
                    Some(helm_release_terraform(&[("hostNetwork", "\"true\"")])),
                ),
                Failure::Untrusted => {
                    let config = Self::webhook_configuration(cx, &group[0].webhook);
                    let commands = [
                        format!(
                            "kubectl get {config} -o jsonpath='{{.webhooks[0].clientConfig.caBundle}}' | base64 -d | openssl x509 -noout -subject -enddate"
                        ),
                        format!(
                            "kubectl -n {lbc_ns} get secret aws-load-balancer-tls -o jsonpath='{{.data.ca\\.crt}}' | base64 -d | openssl x509 -noout -subject -enddate"
                        ),
                        helm_set(&lbc_ns, &lbc_name, &[("keepTLSSecret", "false")]),
                        restart_controller(&lbc_ns, &lbc_name),
                    ];
                    f.fix(
                        "re-issue the webhook certificate together with the configurations' caBundle (or let cert-manager inject it), then restart the controller",
                        commands.into_iter().chain(nudges).collect(),
                        Some(helm_release_terraform(&[("keepTLSSecret", "\"false\"")])),
                    )
                }
            };
            out.push(f);
        }
        Ok(())
    }

    /// Failed webhook calls from every Warning event (pod creation is refused on ReplicaSets)
    /// and the controller's log lines, except where the Service has no endpoints (ING-05's).
    fn calls(cx: &Context<'_>) -> Vec<Call> {
        let default_service = (
            cx.lbc_names().0,
            "aws-load-balancer-webhook-service".to_owned(),
        );
        let events = cx
            .snapshot
            .events
            .iter()
            .filter(|e| e.is_warning() && e.message.contains("failed calling webhook"))
            .map(|e| {
                let m = event_message(e);
                let blocks = match e.involved_kind.as_str() {
                    "ReplicaSet" => vec![Self::replica_set_workload(
                        cx,
                        &e.involved_namespace,
                        &e.involved_name,
                    )],
                    "Ingress" => cx
                        .ingresses_of(&m)
                        .iter()
                        .map(|i| i.address_key())
                        .collect(),
                    _ => Vec::new(),
                };
                (m, blocks)
            });
        // Events on Ingresses are among the events already; from the messages take the logs.
        let logs = cx
            .lbc_messages
            .iter()
            .filter(|m| m.source == EvidenceSource::Log && m.contains("failed calling webhook"))
            .map(|m| {
                (
                    m.clone(),
                    cx.ingresses_of(m).iter().map(|i| i.address_key()).collect(),
                )
            });
        events
            .chain(logs)
            .filter(|(m, _)| !m.contains("no endpoints available"))
            .filter_map(|(message, blocks)| {
                Some(Call {
                    webhook: webhook_name(&message.text)?,
                    service: webhook_service(&message.text)
                        .unwrap_or_else(|| default_service.clone()),
                    failure: failure(&message.text)?,
                    message,
                    blocks,
                })
            })
            .filter(|c| cx.snapshot.ready_endpoints(&c.service.0, &c.service.1) != Some(0))
            .collect()
    }

    /// The workload a ReplicaSet belongs to: its Deployment (by owner, else by the
    /// `<deployment>-<hash>` name), or the ReplicaSet itself.
    fn replica_set_workload(cx: &Context<'_>, ns: &str, rs: &str) -> Key {
        let owner = cx
            .snapshot
            .replica_sets
            .iter()
            .find(|r| r.metadata.namespace() == ns && r.metadata.name == rs)
            .map(|r| {
                r.metadata
                    .controller_owner()
                    .filter(|o| o.kind == "Deployment")
                    .map(|o| o.name.clone())
            });
        let deployment = match owner {
            Some(owner) => owner,
            None => rs.rsplit_once('-').map(|(d, _)| d.to_owned()),
        };
        match deployment {
            Some(d) => Key::WorkloadUp("Deployment".into(), ns.into(), d),
            None => Key::WorkloadUp("ReplicaSet".into(), ns.into(), rs.into()),
        }
    }

    /// `mutatingwebhookconfiguration/<name>` holding the webhook, as collected; else the chart's.
    fn webhook_configuration(cx: &Context<'_>, webhook: &str) -> String {
        let snap = cx.snapshot;
        let holding = |configs: &[crate::model::k8s::WebhookConfiguration]| {
            configs
                .iter()
                .find(|c| c.webhooks.iter().any(|w| w.name == webhook))
                .map(|c| c.metadata.name.clone())
        };
        if let Some(name) = holding(&snap.mutating_webhooks) {
            format!("mutatingwebhookconfiguration {name}")
        } else if let Some(name) = holding(&snap.validating_webhooks) {
            format!("validatingwebhookconfiguration {name}")
        } else if webhook.starts_with('v') {
            "validatingwebhookconfiguration aws-load-balancer-webhook".into()
        } else {
            "mutatingwebhookconfiguration aws-load-balancer-webhook".into()
        }
    }
}

impl_rule!(WebhookUnreachable);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_webhook_and_its_service_whatever_the_quoting() {
        let event = r#"Internal error occurred: failed calling webhook "mpod.elbv2.k8s.aws": failed to call webhook: Post "https://aws-load-balancer-webhook-service.kube-system.svc:443/mutate-v1-pod?timeout=10s": x509: certificate signed by unknown authority"#;
        assert_eq!(webhook_name(event).as_deref(), Some("mpod.elbv2.k8s.aws"));
        assert_eq!(
            webhook_service(event),
            Some((
                "kube-system".into(),
                "aws-load-balancer-webhook-service".into()
            ))
        );
        assert_eq!(failure(event), Some(Failure::Untrusted));
        assert_eq!(
            x509_detail(event),
            "x509: certificate signed by unknown authority"
        );
        let klog = r#"err="Internal error occurred: failed calling webhook \"vingress.elbv2.k8s.aws\": failed to call webhook: Post \"https://lbc-webhook.edge.svc:443/validate-networking-v1-ingress?timeout=10s\": dial tcp 10.0.3.7:9443: i/o timeout""#;
        assert_eq!(
            webhook_name(klog).as_deref(),
            Some("vingress.elbv2.k8s.aws")
        );
        assert_eq!(
            webhook_service(klog),
            Some(("edge".into(), "lbc-webhook".into()))
        );
        assert_eq!(failure(klog), Some(Failure::Unreachable));
        assert_eq!(
            webhook_name(r#"failed calling webhook "validate.nginx.ingress.kubernetes.io""#),
            None
        );
        let overlay = r#"failed calling webhook "mtargetgroupbinding.elbv2.k8s.aws": failed to call webhook: Post "https://aws-load-balancer-webhook-service.kube-system.svc:443/mutate-elbv2-k8s-aws-v1beta1-targetgroupbinding?timeout=10s": Address is not allowed"#;
        assert_eq!(failure(overlay), Some(Failure::OffVpcAddress));
    }
}
