//! SDK structs to JSON shaped as `aws <service> <command> --output json` prints it: the CLI's
//! field names and casing (PascalCase for EC2/ELBv2/IAM, camelCase for EKS), timestamps as
//! ISO strings, absent fields left out. Only the fields the analysis reads plus identity fields.

use aws_sdk_ec2::primitives::{DateTime, DateTimeFormat};
use aws_sdk_ec2::types as ec2;
use aws_sdk_eks::types as eks;
use aws_sdk_elasticloadbalancingv2::types as elb;
use aws_sdk_iam::types as iam;
use serde_json::{Map, Value, json};

/// An object without the fields that are absent (`null`).
fn obj<const N: usize>(fields: [(&str, Value); N]) -> Value {
    let mut map = Map::new();
    for (key, value) in fields {
        if !value.is_null() {
            map.insert(key.to_owned(), value);
        }
    }
    Value::Object(map)
}

fn list<T>(items: &[T], f: impl Fn(&T) -> Value) -> Value {
    Value::Array(items.iter().map(f).collect())
}

fn time(t: Option<&DateTime>) -> Value {
    t.and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
        .map_or(Value::Null, Value::String)
}

fn strs(items: &[String]) -> Value {
    json!(items)
}

// ---- EC2 (PascalCase) ----

fn ec2_tags(tags: &[ec2::Tag]) -> Value {
    list(tags, |t| {
        obj([("Key", json!(t.key())), ("Value", json!(t.value()))])
    })
}

pub(crate) fn vpc(v: &ec2::Vpc) -> Value {
    obj([
        ("VpcId", json!(v.vpc_id())),
        ("CidrBlock", json!(v.cidr_block())),
        ("State", json!(v.state().map(|s| s.as_str()))),
        ("IsDefault", json!(v.is_default())),
        (
            "CidrBlockAssociationSet",
            list(v.cidr_block_association_set(), |a| {
                obj([
                    ("AssociationId", json!(a.association_id())),
                    ("CidrBlock", json!(a.cidr_block())),
                ])
            }),
        ),
        ("Tags", ec2_tags(v.tags())),
    ])
}

pub(crate) fn subnet(s: &ec2::Subnet) -> Value {
    obj([
        ("SubnetId", json!(s.subnet_id())),
        ("VpcId", json!(s.vpc_id())),
        ("AvailabilityZone", json!(s.availability_zone())),
        ("AvailabilityZoneId", json!(s.availability_zone_id())),
        (
            "AvailableIpAddressCount",
            json!(s.available_ip_address_count()),
        ),
        ("CidrBlock", json!(s.cidr_block())),
        ("MapPublicIpOnLaunch", json!(s.map_public_ip_on_launch())),
        ("DefaultForAz", json!(s.default_for_az())),
        ("State", json!(s.state().map(|s| s.as_str()))),
        ("SubnetArn", json!(s.subnet_arn())),
        ("Tags", ec2_tags(s.tags())),
    ])
}

pub(crate) fn route_table(rt: &ec2::RouteTable) -> Value {
    obj([
        ("RouteTableId", json!(rt.route_table_id())),
        ("VpcId", json!(rt.vpc_id())),
        (
            "Associations",
            list(rt.associations(), |a| {
                obj([
                    ("Main", json!(a.main())),
                    (
                        "RouteTableAssociationId",
                        json!(a.route_table_association_id()),
                    ),
                    ("RouteTableId", json!(a.route_table_id())),
                    ("SubnetId", json!(a.subnet_id())),
                    ("GatewayId", json!(a.gateway_id())),
                ])
            }),
        ),
        (
            "Routes",
            list(rt.routes(), |r| {
                obj([
                    ("DestinationCidrBlock", json!(r.destination_cidr_block())),
                    (
                        "DestinationIpv6CidrBlock",
                        json!(r.destination_ipv6_cidr_block()),
                    ),
                    (
                        "DestinationPrefixListId",
                        json!(r.destination_prefix_list_id()),
                    ),
                    ("GatewayId", json!(r.gateway_id())),
                    ("NatGatewayId", json!(r.nat_gateway_id())),
                    ("TransitGatewayId", json!(r.transit_gateway_id())),
                    (
                        "VpcPeeringConnectionId",
                        json!(r.vpc_peering_connection_id()),
                    ),
                    ("NetworkInterfaceId", json!(r.network_interface_id())),
                    ("Origin", json!(r.origin().map(|o| o.as_str()))),
                    ("State", json!(r.state().map(|s| s.as_str()))),
                ])
            }),
        ),
        ("Tags", ec2_tags(rt.tags())),
    ])
}

pub(crate) fn nat_gateway(n: &ec2::NatGateway) -> Value {
    obj([
        ("NatGatewayId", json!(n.nat_gateway_id())),
        ("State", json!(n.state().map(|s| s.as_str()))),
        ("SubnetId", json!(n.subnet_id())),
        ("VpcId", json!(n.vpc_id())),
        (
            "ConnectivityType",
            json!(n.connectivity_type().map(|c| c.as_str())),
        ),
        ("CreateTime", time(n.create_time())),
        ("Tags", ec2_tags(n.tags())),
    ])
}

pub(crate) fn internet_gateway(g: &ec2::InternetGateway) -> Value {
    obj([
        ("InternetGatewayId", json!(g.internet_gateway_id())),
        (
            "Attachments",
            list(g.attachments(), |a| {
                obj([
                    ("State", json!(a.state().map(|s| s.as_str()))),
                    ("VpcId", json!(a.vpc_id())),
                ])
            }),
        ),
        ("Tags", ec2_tags(g.tags())),
    ])
}

pub(crate) fn vpc_endpoint(e: &ec2::VpcEndpoint) -> Value {
    obj([
        ("VpcEndpointId", json!(e.vpc_endpoint_id())),
        (
            "VpcEndpointType",
            json!(e.vpc_endpoint_type().map(|t| t.as_str())),
        ),
        ("VpcId", json!(e.vpc_id())),
        ("ServiceName", json!(e.service_name())),
        ("State", json!(e.state().map(|s| s.as_str()))),
        ("PrivateDnsEnabled", json!(e.private_dns_enabled())),
        ("SubnetIds", strs(e.subnet_ids())),
        ("RouteTableIds", strs(e.route_table_ids())),
        (
            "Groups",
            list(e.groups(), |g| {
                obj([
                    ("GroupId", json!(g.group_id())),
                    ("GroupName", json!(g.group_name())),
                ])
            }),
        ),
        ("Tags", ec2_tags(e.tags())),
    ])
}

fn ip_permission(p: &ec2::IpPermission) -> Value {
    obj([
        ("IpProtocol", json!(p.ip_protocol())),
        ("FromPort", json!(p.from_port())),
        ("ToPort", json!(p.to_port())),
        (
            "IpRanges",
            list(p.ip_ranges(), |r| {
                obj([
                    ("CidrIp", json!(r.cidr_ip())),
                    ("Description", json!(r.description())),
                ])
            }),
        ),
        (
            "Ipv6Ranges",
            list(p.ipv6_ranges(), |r| {
                obj([
                    ("CidrIpv6", json!(r.cidr_ipv6())),
                    ("Description", json!(r.description())),
                ])
            }),
        ),
        (
            "PrefixListIds",
            list(p.prefix_list_ids(), |r| {
                obj([
                    ("PrefixListId", json!(r.prefix_list_id())),
                    ("Description", json!(r.description())),
                ])
            }),
        ),
        (
            "UserIdGroupPairs",
            list(p.user_id_group_pairs(), |g| {
                obj([
                    ("GroupId", json!(g.group_id())),
                    ("UserId", json!(g.user_id())),
                    ("Description", json!(g.description())),
                ])
            }),
        ),
    ])
}

pub(crate) fn security_group(g: &ec2::SecurityGroup) -> Value {
    obj([
        ("GroupId", json!(g.group_id())),
        ("GroupName", json!(g.group_name())),
        ("Description", json!(g.description())),
        ("VpcId", json!(g.vpc_id())),
        ("OwnerId", json!(g.owner_id())),
        ("IpPermissions", list(g.ip_permissions(), ip_permission)),
        (
            "IpPermissionsEgress",
            list(g.ip_permissions_egress(), ip_permission),
        ),
        ("Tags", ec2_tags(g.tags())),
    ])
}

// ---- EKS (camelCase) ----

fn eks_tags(tags: Option<&std::collections::HashMap<String, String>>) -> Value {
    // Sorted, so the same cluster gives the same bytes.
    tags.map_or(Value::Null, |t| {
        json!(t.iter().collect::<std::collections::BTreeMap<_, _>>())
    })
}

pub(crate) fn cluster(c: &eks::Cluster) -> Value {
    obj([
        ("name", json!(c.name())),
        ("arn", json!(c.arn())),
        ("createdAt", time(c.created_at())),
        ("version", json!(c.version())),
        ("endpoint", json!(c.endpoint())),
        ("roleArn", json!(c.role_arn())),
        (
            "resourcesVpcConfig",
            c.resources_vpc_config().map_or(Value::Null, |v| {
                obj([
                    ("subnetIds", strs(v.subnet_ids())),
                    ("securityGroupIds", strs(v.security_group_ids())),
                    (
                        "clusterSecurityGroupId",
                        json!(v.cluster_security_group_id()),
                    ),
                    ("vpcId", json!(v.vpc_id())),
                    ("endpointPublicAccess", json!(v.endpoint_public_access())),
                    ("endpointPrivateAccess", json!(v.endpoint_private_access())),
                    ("publicAccessCidrs", strs(v.public_access_cidrs())),
                ])
            }),
        ),
        (
            "kubernetesNetworkConfig",
            c.kubernetes_network_config().map_or(Value::Null, |k| {
                obj([
                    ("serviceIpv4Cidr", json!(k.service_ipv4_cidr())),
                    ("serviceIpv6Cidr", json!(k.service_ipv6_cidr())),
                    ("ipFamily", json!(k.ip_family().map(|f| f.as_str()))),
                    (
                        "elasticLoadBalancing",
                        k.elastic_load_balancing()
                            .map_or(Value::Null, |e| obj([("enabled", json!(e.enabled()))])),
                    ),
                ])
            }),
        ),
        (
            "identity",
            c.identity().and_then(|i| i.oidc()).map_or(
                Value::Null,
                |o| json!({"oidc": obj([("issuer", json!(o.issuer()))])}),
            ),
        ),
        ("status", json!(c.status().map(|s| s.as_str()))),
        ("platformVersion", json!(c.platform_version())),
        ("tags", eks_tags(c.tags())),
        (
            "accessConfig",
            c.access_config().map_or(Value::Null, |a| {
                obj([(
                    "authenticationMode",
                    json!(a.authentication_mode().map(|m| m.as_str())),
                )])
            }),
        ),
        (
            "computeConfig",
            c.compute_config().map_or(Value::Null, |cc| {
                obj([
                    ("enabled", json!(cc.enabled())),
                    ("nodePools", strs(cc.node_pools())),
                    ("nodeRoleArn", json!(cc.node_role_arn())),
                ])
            }),
        ),
    ])
}

fn health_issues<T>(
    issues: &[T],
    f: impl Fn(&T) -> (Option<&str>, Option<&str>, &[String]),
) -> Value {
    json!({"issues": list(issues, |i| {
        let (code, message, ids) = f(i);
        obj([("code", json!(code)), ("message", json!(message)), ("resourceIds", strs(ids))])
    })})
}

pub(crate) fn fargate_profile(p: &eks::FargateProfile) -> Value {
    obj([
        ("fargateProfileName", json!(p.fargate_profile_name())),
        ("fargateProfileArn", json!(p.fargate_profile_arn())),
        ("clusterName", json!(p.cluster_name())),
        ("createdAt", time(p.created_at())),
        ("podExecutionRoleArn", json!(p.pod_execution_role_arn())),
        ("subnets", strs(p.subnets())),
        (
            "selectors",
            list(p.selectors(), |s| {
                obj([
                    ("namespace", json!(s.namespace())),
                    (
                        "labels",
                        s.labels().map_or(Value::Null, |l| {
                            json!(l.iter().collect::<std::collections::BTreeMap<_, _>>())
                        }),
                    ),
                ])
            }),
        ),
        ("status", json!(p.status().map(|s| s.as_str()))),
        ("tags", eks_tags(p.tags())),
        (
            "health",
            p.health().map_or(Value::Null, |h| {
                health_issues(h.issues(), |i| {
                    (i.code().map(|c| c.as_str()), i.message(), i.resource_ids())
                })
            }),
        ),
    ])
}

pub(crate) fn addon(a: &eks::Addon) -> Value {
    obj([
        ("addonName", json!(a.addon_name())),
        ("clusterName", json!(a.cluster_name())),
        ("status", json!(a.status().map(|s| s.as_str()))),
        ("addonVersion", json!(a.addon_version())),
        (
            "health",
            a.health().map_or(Value::Null, |h| {
                health_issues(h.issues(), |i| {
                    (i.code().map(|c| c.as_str()), i.message(), i.resource_ids())
                })
            }),
        ),
        ("addonArn", json!(a.addon_arn())),
        ("createdAt", time(a.created_at())),
        ("modifiedAt", time(a.modified_at())),
        ("serviceAccountRoleArn", json!(a.service_account_role_arn())),
        ("configurationValues", json!(a.configuration_values())),
    ])
}

// ---- ELBv2 (PascalCase) ----

pub(crate) fn load_balancer(lb: &elb::LoadBalancer) -> Value {
    obj([
        ("LoadBalancerArn", json!(lb.load_balancer_arn())),
        ("DNSName", json!(lb.dns_name())),
        (
            "CanonicalHostedZoneId",
            json!(lb.canonical_hosted_zone_id()),
        ),
        ("CreatedTime", time(lb.created_time())),
        ("LoadBalancerName", json!(lb.load_balancer_name())),
        ("Scheme", json!(lb.scheme().map(|s| s.as_str()))),
        ("VpcId", json!(lb.vpc_id())),
        (
            "State",
            lb.state().map_or(Value::Null, |s| {
                obj([
                    ("Code", json!(s.code().map(|c| c.as_str()))),
                    ("Reason", json!(s.reason())),
                ])
            }),
        ),
        ("Type", json!(lb.r#type().map(|t| t.as_str()))),
        (
            "AvailabilityZones",
            list(lb.availability_zones(), |z| {
                obj([
                    ("ZoneName", json!(z.zone_name())),
                    ("SubnetId", json!(z.subnet_id())),
                ])
            }),
        ),
        ("SecurityGroups", strs(lb.security_groups())),
        (
            "IpAddressType",
            json!(lb.ip_address_type().map(|t| t.as_str())),
        ),
    ])
}

pub(crate) fn target_group(tg: &elb::TargetGroup) -> Value {
    obj([
        ("TargetGroupArn", json!(tg.target_group_arn())),
        ("TargetGroupName", json!(tg.target_group_name())),
        ("Protocol", json!(tg.protocol().map(|p| p.as_str()))),
        ("Port", json!(tg.port())),
        ("VpcId", json!(tg.vpc_id())),
        (
            "HealthCheckProtocol",
            json!(tg.health_check_protocol().map(|p| p.as_str())),
        ),
        ("HealthCheckPort", json!(tg.health_check_port())),
        ("HealthCheckPath", json!(tg.health_check_path())),
        ("LoadBalancerArns", strs(tg.load_balancer_arns())),
        ("TargetType", json!(tg.target_type().map(|t| t.as_str()))),
    ])
}

pub(crate) fn target_health(d: &elb::TargetHealthDescription) -> Value {
    obj([
        (
            "Target",
            d.target().map_or(Value::Null, |t| {
                obj([
                    ("Id", json!(t.id())),
                    ("Port", json!(t.port())),
                    ("AvailabilityZone", json!(t.availability_zone())),
                ])
            }),
        ),
        ("HealthCheckPort", json!(d.health_check_port())),
        (
            "TargetHealth",
            d.target_health().map_or(Value::Null, |h| {
                obj([
                    ("State", json!(h.state().map(|s| s.as_str()))),
                    ("Reason", json!(h.reason().map(|r| r.as_str()))),
                    ("Description", json!(h.description())),
                ])
            }),
        ),
    ])
}

// ---- IAM (PascalCase) ----

pub(crate) fn role(r: &iam::Role) -> Value {
    obj([
        ("Path", json!(r.path())),
        ("RoleName", json!(r.role_name())),
        ("RoleId", json!(r.role_id())),
        ("Arn", json!(r.arn())),
        ("CreateDate", time(Some(r.create_date()))),
        (
            "AssumeRolePolicyDocument",
            r.assume_role_policy_document()
                .map_or(Value::Null, policy_document),
        ),
        ("Description", json!(r.description())),
        ("MaxSessionDuration", json!(r.max_session_duration())),
    ])
}

/// IAM returns policy documents URL-encoded; the CLI prints them decoded, as JSON.
fn policy_document(encoded: &str) -> Value {
    let decoded = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
    serde_json::from_str(&decoded).unwrap_or_else(|_| Value::String(decoded.into_owned()))
}

pub(crate) fn oidc_provider(p: &iam::OpenIdConnectProviderListEntry) -> Value {
    obj([("Arn", json!(p.arn()))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_policy_documents() {
        let doc = policy_document("%7B%22Version%22%3A%222012-10-17%22%7D");
        assert_eq!(doc, json!({"Version": "2012-10-17"}));
        assert_eq!(policy_document("not json"), json!("not json"));
    }

    #[test]
    fn leaves_absent_fields_out() {
        let s = ec2::Subnet::builder()
            .subnet_id("subnet-1")
            .available_ip_address_count(12)
            .tags(
                ec2::Tag::builder()
                    .key("kubernetes.io/role/elb")
                    .value("1")
                    .build(),
            )
            .build();
        assert_eq!(
            subnet(&s),
            json!({"SubnetId": "subnet-1", "AvailableIpAddressCount": 12,
                   "Tags": [{"Key": "kubernetes.io/role/elb", "Value": "1"}]})
        );
        let t = DateTime::from_secs(1_700_000_000);
        assert_eq!(time(Some(&t)), json!("2023-11-14T22:13:20Z"));
    }
}
