//! Live AWS collection against moto's server (`EKSDOCTOR_MOTO_ENDPOINT`, started by
//! scripts/test), seeded through the SDK itself, with Kubernetes from the loopback double.
//! Each test uses its own region: moto keeps state per region.

mod common;

use common::moto::{config, moto, seed};
use common::{Server, fixture};
use eksdoctor_collect::{AwsSource, Collected, K8sOptions, Sources, collect};
use serde_json::Value;

async fn kube_client(server: &Server, dir: &std::path::Path) -> kube::Client {
    let kubeconfig =
        kube::config::Kubeconfig::read_from(server.kubeconfig(dir, fixture::KUBE_TOKEN)).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

fn json(c: &Collected, path: &str) -> Value {
    let file = c
        .files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} missing; notes: {:?}", c.notes));
    serde_json::from_slice(&file.contents).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn collects_the_cluster_vpc_and_load_balancers_as_the_cli_prints_them() {
    let Some(endpoint) = moto() else { return };
    let region = "us-west-2";
    let config = config(&endpoint, region).await;
    seed(&config, region).await;
    let server = Server::start(fixture::seed(0)).await;
    let dir = tempfile::tempdir().unwrap();
    let sources = Sources {
        kube: kube_client(&server, dir.path()).await,
        context: "loopback".into(),
        server: format!("http://{}", server.addr),
        root_certs: Vec::new(),
        aws: AwsSource::Config(Box::new(config)),
        cluster: Some("demo".into()),
        region: Some(region.into()),
    };
    let c = collect(sources, &K8sOptions::default(), false)
        .await
        .unwrap();

    let cluster = json(&c, "aws/eks-describe-cluster.json");
    assert_eq!(cluster["cluster"]["name"], "demo");
    assert_eq!(
        cluster["cluster"]["resourcesVpcConfig"]["subnetIds"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let profile = json(&c, "aws/eks-describe-fargate-profile-app.json");
    assert_eq!(
        profile["fargateProfile"]["selectors"],
        serde_json::json!([{"namespace": "app"}])
    );
    assert_eq!(profile["fargateProfile"]["fargateProfileName"], "app");

    let subnets = json(&c, "aws/ec2-describe-subnets.json");
    let subnets = subnets["Subnets"].as_array().unwrap();
    assert_eq!(subnets.len(), 4);
    let elb_tagged = subnets
        .iter()
        .filter(|s| {
            s["Tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["Key"] == "kubernetes.io/role/elb")
        })
        .count();
    assert_eq!(elb_tagged, 0);
    assert!(
        subnets
            .iter()
            .all(|s| s["AvailableIpAddressCount"].is_number() && s["AvailabilityZone"].is_string())
    );
    let routes = json(&c, "aws/ec2-describe-route-tables.json");
    let routes: Vec<&Value> = routes["RouteTables"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["Routes"].as_array().unwrap())
        .collect();
    assert!(routes.iter().any(|r| {
        r["NatGatewayId"]
            .as_str()
            .is_some_and(|n| n.starts_with("nat-"))
    }));
    assert!(routes.iter().any(|r| {
        r["GatewayId"]
            .as_str()
            .is_some_and(|g| g.starts_with("igw-"))
    }));
    assert_eq!(
        json(&c, "aws/ec2-describe-nat-gateways.json")["NatGateways"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let igws = json(&c, "aws/ec2-describe-internet-gateways.json");
    assert_eq!(
        igws["InternetGateways"][0]["Attachments"][0]["State"],
        "available"
    );
    let endpoints = json(&c, "aws/ec2-describe-vpc-endpoints.json");
    assert_eq!(
        endpoints["VpcEndpoints"][0]["ServiceName"],
        format!("com.amazonaws.{region}.sts")
    );
    assert_eq!(endpoints["VpcEndpoints"][0]["PrivateDnsEnabled"], true);
    let groups = json(&c, "aws/ec2-describe-security-groups.json");
    let vpce = groups["SecurityGroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["GroupName"] == "vpce-https")
        .unwrap();
    assert_eq!(vpce["IpPermissions"][0]["FromPort"], 443);
    assert_eq!(
        json(&c, "aws/ec2-describe-vpcs.json")["Vpcs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let lbs = json(&c, "aws/elbv2-describe-load-balancers.json");
    assert_eq!(lbs["LoadBalancers"][0]["Scheme"], "internet-facing");
    assert!(lbs["LoadBalancers"][0]["DNSName"].is_string());
    assert_eq!(
        lbs["LoadBalancers"][0]["AvailabilityZones"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let tgs = json(&c, "aws/elbv2-describe-target-groups.json");
    assert_eq!(tgs["TargetGroups"][0]["TargetType"], "ip");
    let health = json(&c, "aws/elbv2-describe-target-health-k8s-app-shop-tg.json");
    assert_eq!(
        health["TargetHealthDescriptions"][0]["Target"]["Id"],
        "10.0.2.9"
    );
    assert!(health["TargetHealthDescriptions"][0]["TargetHealth"]["State"].is_string());

    // The LBC's role, found through its service account's annotation; trust policy decoded.
    let role = json(&c, "aws/iam-get-role.json");
    assert_eq!(role["Role"]["RoleName"], "demo-aws-lbc");
    assert_eq!(
        role["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Action"],
        "sts:AssumeRoleWithWebIdentity"
    );
    let providers = json(&c, "aws/iam-list-open-id-connect-providers.json");
    assert!(
        providers["OpenIDConnectProviderList"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["Arn"].as_str().unwrap().ends_with(&format!(
                "oidc.eks.{region}.amazonaws.com/id/0123456789ABCDEF"
            )))
    );

    // moto has no EKS add-ons: that one call is a note, the rest went on.
    let aws_notes: Vec<_> = c
        .notes
        .iter()
        .filter(|n| n.what.starts_with("aws/"))
        .collect();
    assert_eq!(aws_notes.len(), 1, "{aws_notes:?}");
    assert_eq!(aws_notes[0].what, "aws/addons");
    assert!(
        aws_notes[0].reason.contains("eks:ListAddons"),
        "{}",
        aws_notes[0].reason
    );

    let meta = json(&c, "bundle.json");
    assert_eq!(
        (meta["cluster"].as_str(), meta["region"].as_str()),
        (Some("demo"), Some(region))
    );
    // Every AWS file is recognised by its top-level key (CONTRACT.md §1), and a report on the
    // bundle written to disk is the report on what was collected.
    let snapshot = eksdoctor_analysis::load_files(c.files.clone(), Default::default()).unwrap();
    assert!(
        snapshot.ignored_files.is_empty() && snapshot.file_errors.is_empty(),
        "ignored {:?}",
        snapshot.ignored_files
    );
    let dir = tempfile::tempdir().unwrap();
    eksdoctor_collect::write_bundle(&c, &dir.path().join("b.tar.gz")).unwrap();
    let options = eksdoctor_analysis::DiagnoseOptions::default();
    let live = eksdoctor_analysis::render::json(&eksdoctor_analysis::diagnose(&snapshot, &options));
    let on_disk =
        eksdoctor_analysis::load_path(&dir.path().join("b.tar.gz"), Default::default()).unwrap();
    assert_eq!(
        live,
        eksdoctor_analysis::render::json(&eksdoctor_analysis::diagnose(&on_disk, &options))
    );
    // With the AWS side, the next blocker is seen: no public subnet carries the ELB role tag.
    assert!(live.contains("\"SUB-01\""), "{live}");
    for file in &c.files {
        let text = String::from_utf8_lossy(&file.contents);
        for secret in fixture::PLANTED {
            assert!(!text.contains(secret), "{secret} in {}", file.path);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn finds_the_cluster_by_its_endpoint_when_the_name_is_unknown() {
    let Some(endpoint) = moto() else { return };
    let region = "eu-west-1";
    let config = config(&endpoint, region).await;
    seed(&config, region).await;
    let eks = aws_sdk_eks::Client::new(&config);
    let described = eks.describe_cluster().name("demo").send().await.unwrap();
    let api_server = described.cluster().unwrap().endpoint().unwrap().to_owned();
    let server = Server::start(fixture::seed(0)).await;
    let dir = tempfile::tempdir().unwrap();
    let sources = Sources {
        kube: kube_client(&server, dir.path()).await,
        context: "loopback".into(),
        server: api_server,
        root_certs: Vec::new(),
        aws: AwsSource::Config(Box::new(config)),
        cluster: None,
        region: Some(region.into()),
    };
    let c = collect(sources, &K8sOptions::default(), false)
        .await
        .unwrap();
    assert_eq!(json(&c, "bundle.json")["cluster"], "demo");
    assert_eq!(
        json(&c, "aws/eks-describe-cluster.json")["cluster"]["name"],
        "demo"
    );
    let subnets = json(&c, "aws/ec2-describe-subnets.json");
    assert_eq!(subnets["Subnets"].as_array().unwrap().len(), 4);
}
