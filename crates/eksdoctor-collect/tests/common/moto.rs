//! moto's server (`EKSDOCTOR_MOTO_ENDPOINT`, started by scripts/test), and the seed case's AWS
//! side created in it through the SDK itself. Each caller uses its own region: moto keeps state
//! per region.

use aws_config::Region;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, DomainType, IpPermission, IpRange, ResourceType, Tag, TagSpecification,
    VpcEndpointType,
};
use aws_sdk_eks::config::Credentials;
use aws_sdk_eks::types::{FargateProfileSelector, VpcConfigRequest};
use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancerSchemeEnum, TargetDescription, TargetTypeEnum,
};
use eksdoctor_collect::SdkConfig;

pub fn moto() -> Option<String> {
    let endpoint = std::env::var("EKSDOCTOR_MOTO_ENDPOINT").ok();
    if endpoint.is_none() {
        eprintln!("EKSDOCTOR_MOTO_ENDPOINT not set (scripts/test starts moto): skipping");
    }
    endpoint
}

pub async fn config(endpoint: &str, region: &'static str) -> SdkConfig {
    eksdoctor_collect::aws_config_loader()
        .endpoint_url(endpoint)
        .region(Region::from_static(region))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .load()
        .await
}

fn tags(resource: ResourceType, name: &str, extra: &[(&str, &str)]) -> TagSpecification {
    let mut spec = TagSpecification::builder()
        .resource_type(resource)
        .tags(Tag::builder().key("Name").value(name).build());
    for (k, v) in extra {
        spec = spec.tags(Tag::builder().key(*k).value(*v).build());
    }
    spec.build()
}

/// The seed case's VPC: two private subnets behind a NAT (tagged internal-elb), two public
/// subnets behind an internet gateway *without* the `kubernetes.io/role/elb` tag (the next
/// blocker), an STS endpoint, an ALB with an IP target group, the LBC's IRSA role, the
/// cluster's OIDC provider, the cluster and a Fargate profile for `app` only (none for CoreDNS).
pub async fn seed(config: &SdkConfig, region: &str) {
    let eks = aws_sdk_eks::Client::new(config);
    let existing = eks.list_clusters().send().await.unwrap();
    assert!(
        existing.clusters().is_empty(),
        "moto already holds clusters in {region}: start a fresh moto_server (scripts/test does)"
    );
    let ec2 = aws_sdk_ec2::Client::new(config);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .tag_specifications(tags(ResourceType::Vpc, "demo", &[]))
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_owned();
    let mut subnets = Vec::new();
    for (name, cidr, az, role) in [
        (
            "private-a",
            "10.0.1.0/24",
            "a",
            Some("kubernetes.io/role/internal-elb"),
        ),
        (
            "private-b",
            "10.0.2.0/24",
            "b",
            Some("kubernetes.io/role/internal-elb"),
        ),
        ("public-a", "10.0.101.0/24", "a", None),
        ("public-b", "10.0.102.0/24", "b", None),
    ] {
        let extra: Vec<(&str, &str)> = role.into_iter().map(|r| (r, "1")).collect();
        let subnet = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(cidr)
            .availability_zone(format!("{region}{az}"))
            .tag_specifications(tags(ResourceType::Subnet, name, &extra))
            .send()
            .await
            .unwrap();
        subnets.push(subnet.subnet().unwrap().subnet_id().unwrap().to_owned());
    }
    for public in &subnets[2..] {
        ec2.modify_subnet_attribute()
            .subnet_id(public)
            .map_public_ip_on_launch(AttributeBooleanValue::builder().value(true).build())
            .send()
            .await
            .unwrap();
    }
    let igw = ec2.create_internet_gateway().send().await.unwrap();
    let igw = igw
        .internet_gateway()
        .unwrap()
        .internet_gateway_id()
        .unwrap()
        .to_owned();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    let eip = ec2
        .allocate_address()
        .domain(DomainType::Vpc)
        .send()
        .await
        .unwrap();
    let nat = ec2
        .create_nat_gateway()
        .subnet_id(&subnets[2])
        .allocation_id(eip.allocation_id().unwrap())
        .send()
        .await
        .unwrap();
    let nat = nat
        .nat_gateway()
        .unwrap()
        .nat_gateway_id()
        .unwrap()
        .to_owned();
    for (name, target, members) in [
        ("public", &igw, &subnets[2..]),
        ("private", &nat, &subnets[..2]),
    ] {
        let rt = ec2
            .create_route_table()
            .vpc_id(&vpc)
            .tag_specifications(tags(ResourceType::RouteTable, name, &[]))
            .send()
            .await
            .unwrap();
        let rt = rt
            .route_table()
            .unwrap()
            .route_table_id()
            .unwrap()
            .to_owned();
        let route = ec2
            .create_route()
            .route_table_id(&rt)
            .destination_cidr_block("0.0.0.0/0");
        let route = if name == "public" {
            route.gateway_id(target)
        } else {
            route.nat_gateway_id(target)
        };
        route.send().await.unwrap();
        for subnet in members {
            ec2.associate_route_table()
                .route_table_id(&rt)
                .subnet_id(subnet)
                .send()
                .await
                .unwrap();
        }
    }
    let sg = ec2
        .create_security_group()
        .group_name("vpce-https")
        .description("443 from the VPC")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    let sg = sg.group_id().unwrap().to_owned();
    ec2.authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/16").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.create_vpc_endpoint()
        .vpc_id(&vpc)
        .service_name(format!("com.amazonaws.{region}.sts"))
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .subnet_ids(&subnets[0])
        .subnet_ids(&subnets[1])
        .security_group_ids(&sg)
        .private_dns_enabled(true)
        .send()
        .await
        .unwrap();

    let elb = aws_sdk_elasticloadbalancingv2::Client::new(config);
    let lb = elb
        .create_load_balancer()
        .name("k8s-app-shop-0123456789")
        .subnets(&subnets[2])
        .subnets(&subnets[3])
        .scheme(LoadBalancerSchemeEnum::InternetFacing)
        .send()
        .await
        .unwrap();
    let lb_arn = lb.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let tg = elb
        .create_target_group()
        .name("k8s-app-shop-tg")
        .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
        .port(80)
        .vpc_id(&vpc)
        .target_type(TargetTypeEnum::Ip)
        .send()
        .await
        .unwrap();
    let tg_arn = tg.target_groups()[0].target_group_arn().unwrap().to_owned();
    elb.create_listener()
        .load_balancer_arn(&lb_arn)
        .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
        .port(80)
        .default_actions(
            aws_sdk_elasticloadbalancingv2::types::Action::builder()
                .r#type(aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum::Forward)
                .target_group_arn(&tg_arn)
                .build(),
        )
        .send()
        .await
        .unwrap();
    elb.register_targets()
        .target_group_arn(&tg_arn)
        .targets(
            TargetDescription::builder()
                .id("10.0.2.9")
                .port(8080)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let iam = aws_sdk_iam::Client::new(config);
    let issuer = format!("oidc.eks.{region}.amazonaws.com/id/0123456789ABCDEF");
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::123456789012:oidc-provider/{issuer}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                format!("{issuer}:sub"): "system:serviceaccount:kube-system:aws-load-balancer-controller",
                format!("{issuer}:aud"): "sts.amazonaws.com"
            }}
        }]
    });
    // IAM is global: one role and provider serve every region's test.
    let _ = iam
        .create_role()
        .role_name("demo-aws-lbc")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await;
    let _ = iam
        .create_open_id_connect_provider()
        .url(format!("https://{issuer}"))
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list("9e99a48a9960b14926bb7f3b02e22da2b0ab7280")
        .send()
        .await;

    eks.create_cluster()
        .name("demo")
        .role_arn("arn:aws:iam::123456789012:role/demo-cluster")
        .resources_vpc_config(
            VpcConfigRequest::builder()
                .subnet_ids(&subnets[0])
                .subnet_ids(&subnets[1])
                .endpoint_public_access(true)
                .endpoint_private_access(false)
                .build(),
        )
        .send()
        .await
        .unwrap();
    eks.create_fargate_profile()
        .cluster_name("demo")
        .fargate_profile_name("app")
        .pod_execution_role_arn("arn:aws:iam::123456789012:role/fargate-pods")
        .subnets(&subnets[0])
        .subnets(&subnets[1])
        .selectors(FargateProfileSelector::builder().namespace("app").build())
        .send()
        .await
        .unwrap();
}
