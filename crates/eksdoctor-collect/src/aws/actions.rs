//! The one list of AWS actions the collector calls. Every call goes through an `Action`, so an
//! unused entry is dead code and a new call needs a new entry; a test keeps
//! `deploy/iam-policy.json` equal to this list.

macro_rules! actions {
    ($($variant:ident => $iam:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Action {
            $($variant,)*
        }

        impl Action {
            /// The IAM action name (`service:Operation`), as a policy grants it.
            pub(crate) fn iam_name(self) -> &'static str {
                match self {
                    $(Action::$variant => $iam,)*
                }
            }
        }

        #[cfg(test)]
        pub(crate) const ALL: &[Action] = &[$(Action::$variant,)*];
    };
}

actions! {
    EksListClusters => "eks:ListClusters",
    EksDescribeCluster => "eks:DescribeCluster",
    EksListFargateProfiles => "eks:ListFargateProfiles",
    EksDescribeFargateProfile => "eks:DescribeFargateProfile",
    EksListAddons => "eks:ListAddons",
    EksDescribeAddon => "eks:DescribeAddon",
    Ec2DescribeVpcs => "ec2:DescribeVpcs",
    Ec2DescribeSubnets => "ec2:DescribeSubnets",
    Ec2DescribeRouteTables => "ec2:DescribeRouteTables",
    Ec2DescribeNatGateways => "ec2:DescribeNatGateways",
    Ec2DescribeInternetGateways => "ec2:DescribeInternetGateways",
    Ec2DescribeVpcEndpoints => "ec2:DescribeVpcEndpoints",
    Ec2DescribeSecurityGroups => "ec2:DescribeSecurityGroups",
    Elbv2DescribeLoadBalancers => "elasticloadbalancing:DescribeLoadBalancers",
    Elbv2DescribeTargetGroups => "elasticloadbalancing:DescribeTargetGroups",
    Elbv2DescribeTargetHealth => "elasticloadbalancing:DescribeTargetHealth",
    IamGetRole => "iam:GetRole",
    IamListOpenIdConnectProviders => "iam:ListOpenIDConnectProviders",
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn iam_policy_grants_exactly_the_actions_called() {
        let policy: serde_json::Value =
            serde_json::from_str(include_str!("../../../../deploy/iam-policy.json")).unwrap();
        let mut granted = BTreeSet::new();
        for statement in policy["Statement"].as_array().unwrap() {
            assert_eq!(statement["Effect"], "Allow");
            for action in statement["Action"].as_array().unwrap() {
                granted.insert(action.as_str().unwrap().to_owned());
            }
        }
        let called: BTreeSet<String> = ALL.iter().map(|a| a.iam_name().to_owned()).collect();
        assert_eq!(granted, called);
        // Read-only: nothing but Describe*/List*/Get*.
        for action in &called {
            let op = action.split_once(':').unwrap().1;
            assert!(
                ["Describe", "List", "Get"]
                    .iter()
                    .any(|p| op.starts_with(p)),
                "{action} is not read-only"
            );
        }
    }
}
