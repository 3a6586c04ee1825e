//! The lint rules, one per file, registered here in id order.

use crate::facts::Context;
use crate::report::Hit;
use eksdoctor_rule::RuleMeta;

mod tf01_subnet_role_tag_missing;
mod tf02_subnet_role_tag_value;
mod tf03_coredns_not_fargate_ready;
mod tf04_coredns_patched_by_hand;
mod tf05_private_subnets_without_aws_egress;
mod tf06_alb_ingress_target_type_instance_on_fargate;
mod tf07_ingress_without_class;
mod tf08_ingress_scheme_implicit;
mod tf09_lbc_helm_missing_cluster_name;
mod tf10_lbc_on_fargate_missing_vpc_id;
mod tf11_irsa_trust_subject_mismatch;

pub struct Rule {
    pub meta: &'static RuleMeta,
    pub check: fn(&Context, &mut Vec<Hit>),
}

pub const ALL: &[Rule] = &[
    Rule { meta: &tf01_subnet_role_tag_missing::SubnetRoleTagMissing::META, check: tf01_subnet_role_tag_missing::check },
    Rule { meta: &tf02_subnet_role_tag_value::SubnetRoleTagValue::META, check: tf02_subnet_role_tag_value::check },
    Rule { meta: &tf03_coredns_not_fargate_ready::CorednsNotFargateReady::META, check: tf03_coredns_not_fargate_ready::check },
    Rule { meta: &tf04_coredns_patched_by_hand::CorednsPatchedByHand::META, check: tf04_coredns_patched_by_hand::check },
    Rule { meta: &tf05_private_subnets_without_aws_egress::PrivateSubnetsWithoutAwsEgress::META, check: tf05_private_subnets_without_aws_egress::check },
    Rule { meta: &tf06_alb_ingress_target_type_instance_on_fargate::AlbIngressTargetTypeInstanceOnFargate::META, check: tf06_alb_ingress_target_type_instance_on_fargate::check },
    Rule { meta: &tf07_ingress_without_class::IngressWithoutClass::META, check: tf07_ingress_without_class::check },
    Rule { meta: &tf08_ingress_scheme_implicit::IngressSchemeImplicit::META, check: tf08_ingress_scheme_implicit::check },
    Rule { meta: &tf09_lbc_helm_missing_cluster_name::LbcHelmMissingClusterName::META, check: tf09_lbc_helm_missing_cluster_name::check },
    Rule { meta: &tf10_lbc_on_fargate_missing_vpc_id::LbcOnFargateMissingVpcId::META, check: tf10_lbc_on_fargate_missing_vpc_id::check },
    Rule { meta: &tf11_irsa_trust_subject_mismatch::IrsaTrustSubjectMismatch::META, check: tf11_irsa_trust_subject_mismatch::check },
];

pub const METAS: [&RuleMeta; ALL.len()] = {
    let mut out = [ALL[0].meta; ALL.len()];
    let mut i = 0;
    while i < ALL.len() {
        out[i] = ALL[i].meta;
        i += 1;
    }
    out
};
