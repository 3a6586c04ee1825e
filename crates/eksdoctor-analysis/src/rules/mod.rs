//! Diagnose rules: pure functions from the snapshot's facts to findings, one file each. This
//! file only registers them.

use crate::context::Context;
use crate::finding::Finding;
use crate::snapshot::Input;
use eksdoctor_rule::RuleMeta;

mod dns01_cluster_dns_down;
mod fg01_instance_targets_on_fargate;
mod fg02_coredns_pinned_to_ec2;
mod fg03_coredns_predates_fargate_profile;
mod fg04_no_fargate_profile_matches;
mod fg05_fargate_pod_execution_role;
mod iam01_irsa_trust_denied;
mod iam02_oidc_provider_missing;
mod iam03_sts_unreachable;
mod iam04_irsa_not_injected;
mod iam05_policy_missing_action;
mod iam06_pod_identity_unavailable;
mod iam07_no_instance_metadata;
mod ing00_no_address;
mod ing01_no_ingress_class;
mod ing02_unknown_ingress_class;
mod ing03_other_controller;
mod ing04_ingress_class_params;
mod ing05_webhook_without_endpoints;
mod ing06_webhook_unreachable;
mod ing07_backend_service_missing;
mod ing08_no_certificate;
mod ing09_security_groups;
mod ing10_ingress_group_conflict;
mod ing11_nothing_reconciles;
mod ing12_controller_setup;
mod ing13_instance_targets_need_node_port;
mod net01_aws_api_unreachable;
mod net02_shield_waf_unreachable;
mod net04_controller_image_pull;
mod sch01_pod_unschedulable;
mod sub01_no_role_tagged_subnets;
mod sub02_scheme_defaults_internal;
mod sub03_subnets_tagged_other_cluster;
mod sub04_subnets_out_of_ips;
mod sub05_single_az;
mod sub06_explicit_subnets_wrong;
mod sub08_controller_vpc_mismatch;
mod tim01_provisioning;

/// A rule was not run: the input it needs is not in the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip(pub String);

pub type Outcome = Result<(), Skip>;

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome;
}

impl Context<'_> {
    /// Skips the calling rule unless the input was collected.
    pub fn require(&self, input: Input) -> Outcome {
        if self.has(input) {
            Ok(())
        } else {
            Err(Skip(self.snapshot.missing_reason(input)))
        }
    }
}

/// Every diagnose rule, in id order.
pub static RULES: &[&dyn Rule] = &[
    &dns01_cluster_dns_down::ClusterDnsDown,
    &fg01_instance_targets_on_fargate::InstanceTargetsOnFargate,
    &fg02_coredns_pinned_to_ec2::CorednsPinnedToEc2,
    &fg03_coredns_predates_fargate_profile::CorednsPredatesFargateProfile,
    &fg04_no_fargate_profile_matches::NoFargateProfileMatches,
    &fg05_fargate_pod_execution_role::FargatePodExecutionRole,
    &iam01_irsa_trust_denied::IrsaTrustDenied,
    &iam02_oidc_provider_missing::OidcProviderMissing,
    &iam03_sts_unreachable::StsUnreachable,
    &iam04_irsa_not_injected::IrsaNotInjected,
    &iam05_policy_missing_action::PolicyMissingAction,
    &iam06_pod_identity_unavailable::PodIdentityUnavailable,
    &iam07_no_instance_metadata::NoInstanceMetadata,
    &ing00_no_address::NoAddress,
    &ing01_no_ingress_class::NoIngressClass,
    &ing02_unknown_ingress_class::UnknownIngressClass,
    &ing03_other_controller::OtherController,
    &ing04_ingress_class_params::IngressClassParamsProblem,
    &ing05_webhook_without_endpoints::WebhookWithoutEndpoints,
    &ing06_webhook_unreachable::WebhookUnreachable,
    &ing07_backend_service_missing::BackendServiceMissing,
    &ing08_no_certificate::NoCertificate,
    &ing09_security_groups::SecurityGroups,
    &ing10_ingress_group_conflict::IngressGroupConflict,
    &ing11_nothing_reconciles::NothingReconciles,
    &ing12_controller_setup::ControllerSetup,
    &ing13_instance_targets_need_node_port::InstanceTargetsNeedNodePort,
    &net01_aws_api_unreachable::AwsApiUnreachable,
    &net02_shield_waf_unreachable::ShieldWafUnreachable,
    &net04_controller_image_pull::ControllerImagePull,
    &sch01_pod_unschedulable::PodUnschedulable,
    &sub01_no_role_tagged_subnets::NoRoleTaggedSubnets,
    &sub02_scheme_defaults_internal::SchemeDefaultsInternal,
    &sub03_subnets_tagged_other_cluster::SubnetsTaggedOtherCluster,
    &sub04_subnets_out_of_ips::SubnetsOutOfIps,
    &sub05_single_az::SingleAz,
    &sub06_explicit_subnets_wrong::ExplicitSubnetsWrong,
    &sub08_controller_vpc_mismatch::ControllerVpcMismatch,
    &tim01_provisioning::Provisioning,
];

/// Metadata of every diagnose rule.
pub fn metas() -> impl Iterator<Item = &'static RuleMeta> {
    RULES.iter().map(|r| r.meta())
}

/// Implements [`Rule`] for a type declared with `declare_rule!` whose `check` is an inherent fn.
macro_rules! impl_rule {
    ($ty:ty) => {
        impl $crate::rules::Rule for $ty {
            fn meta(&self) -> &'static eksdoctor_rule::RuleMeta {
                &<$ty>::META
            }
            fn check(
                &self,
                cx: &$crate::context::Context<'_>,
                out: &mut Vec<$crate::finding::Finding>,
            ) -> $crate::rules::Outcome {
                <$ty>::run(cx, out)
            }
        }
    };
}
pub(crate) use impl_rule;
