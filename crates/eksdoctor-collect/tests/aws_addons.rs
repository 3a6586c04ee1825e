//! EKS add-ons and AWS refusals, over real HTTP to the real SDK (moto has no add-ons): an EKS
//! double answers some calls, refuses others; every other AWS call fails. Collection goes on.

mod common;

use std::collections::HashMap;

use aws_config::Region;
use aws_sdk_eks::config::Credentials;
use common::aws::{AwsDouble, denied, ok};
use common::{Server, fixture};
use eksdoctor_collect::{AwsSource, Collected, K8sOptions, Sources, collect};
use serde_json::{Value, json};

fn json_of(c: &Collected, path: &str) -> Value {
    let file = c
        .files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} missing; notes: {:?}", c.notes));
    serde_json::from_slice(&file.contents).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn addons_one_file_each_and_refusals_become_notes() {
    let refusal =
        "User: arn:aws:sts::123456789012:assumed-role/ops/me is not authorized to perform";
    let routes: HashMap<String, _> = [
        (
            "/clusters/demo",
            ok(json!({"cluster": {
                "name": "demo", "arn": "arn:aws:eks:us-west-2:123456789012:cluster/demo",
                "createdAt": 1748772000, "version": "1.31", "status": "ACTIVE",
                "endpoint": "https://ABC.gr7.us-west-2.eks.amazonaws.com",
                "resourcesVpcConfig": {"vpcId": "vpc-1", "subnetIds": ["subnet-a"], "clusterSecurityGroupId": "sg-1",
                                       "endpointPublicAccess": true, "endpointPrivateAccess": true},
                "kubernetesNetworkConfig": {"serviceIpv4Cidr": "172.20.0.0/16", "ipFamily": "ipv4"},
                "identity": {"oidc": {"issuer": "https://oidc.eks.us-west-2.amazonaws.com/id/ABC"}},
                "computeConfig": {"enabled": false}
            }})),
        ),
        ("/clusters/demo/addons", ok(json!({"addons": ["coredns", "vpc-cni"]}))),
        (
            "/clusters/demo/addons/coredns",
            ok(json!({"addon": {
                "addonName": "coredns", "clusterName": "demo", "status": "DEGRADED",
                "addonVersion": "v1.11.1-eksbuild.4",
                "health": {"issues": [{"code": "InsufficientNumberOfReplicas",
                    "message": "The add-on is unhealthy because it doesn't have the desired number of replicas.",
                    "resourceIds": ["coredns"]}]},
                "createdAt": 1748772000,
                "configurationValues": "{\"computeType\":\"Fargate\"}"
            }})),
        ),
        (
            "/clusters/demo/addons/vpc-cni",
            denied(&format!("{refusal}: eks:DescribeAddon")),
        ),
        (
            "/clusters/demo/fargate-profiles",
            denied(&format!("{refusal}: eks:ListFargateProfiles")),
        ),
    ]
    .into_iter()
    .map(|(path, answer)| (path.to_owned(), answer))
    .collect();
    let aws = AwsDouble::start(routes).await;
    let config = eksdoctor_collect::aws_config_loader()
        .endpoint_url(aws.endpoint())
        .region(Region::from_static("us-west-2"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "double"))
        .load()
        .await;
    let server = Server::start(fixture::seed(0)).await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig =
        kube::config::Kubeconfig::read_from(server.kubeconfig(dir.path(), fixture::KUBE_TOKEN))
            .unwrap();
    let kube_config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    let sources = Sources {
        kube: kube::Client::try_from(kube_config).unwrap(),
        context: "loopback".into(),
        server: format!("http://{}", server.addr),
        root_certs: Vec::new(),
        aws: AwsSource::Config(Box::new(config)),
        cluster: Some("demo".into()),
        region: Some("us-west-2".into()),
    };
    let c = collect(sources, &K8sOptions::default(), false)
        .await
        .unwrap();

    assert_eq!(
        json_of(&c, "aws/eks-describe-addon-coredns.json"),
        json!({"addon": {
            "addonName": "coredns", "clusterName": "demo", "status": "DEGRADED",
            "addonVersion": "v1.11.1-eksbuild.4",
            "health": {"issues": [{"code": "InsufficientNumberOfReplicas",
                "message": "The add-on is unhealthy because it doesn't have the desired number of replicas.",
                "resourceIds": ["coredns"]}]},
            "createdAt": "2025-06-01T10:00:00Z",
            "configurationValues": "{\"computeType\":\"Fargate\"}"
        }})
    );
    let cluster = json_of(&c, "aws/eks-describe-cluster.json");
    assert_eq!(cluster["cluster"]["resourcesVpcConfig"]["vpcId"], "vpc-1");
    assert_eq!(
        cluster["cluster"]["computeConfig"],
        json!({"enabled": false, "nodePools": []})
    );
    assert_eq!(cluster["cluster"]["createdAt"], "2025-06-01T10:00:00Z");

    let notes: Vec<(&str, &str)> = c
        .notes
        .iter()
        .map(|n| (n.what.as_str(), n.reason.as_str()))
        .collect();
    let reason = |what: &str| {
        notes
            .iter()
            .filter(|(w, _)| *w == what)
            .map(|(_, r)| *r)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        reason("aws/addons"),
        [format!(
            "aws/eks-describe-addon-vpc-cni.json: access denied (eks:DescribeAddon): \
             AccessDeniedException: {refusal}: eks:DescribeAddon"
        )]
    );
    assert_eq!(
        reason("aws/fargate-profiles"),
        [format!(
            "access denied (eks:ListFargateProfiles): AccessDeniedException: {refusal}: eks:ListFargateProfiles"
        )]
    );
    // The double speaks no EC2/ELBv2/IAM: those calls fail, each a note, none a crash.
    for what in [
        "aws/subnets",
        "aws/load-balancers",
        "aws/iam-roles",
        "aws/oidc-providers",
    ] {
        assert_eq!(reason(what).len(), 1, "{what}: {notes:?}");
    }
    assert!(c.files.iter().any(|f| f.path == "k8s/pods.json"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_cluster_asks_nothing_of_aws() {
    let aws = AwsDouble::start(HashMap::new()).await;
    let proxy =
        common::proxy::LatencyProxy::start(&aws.endpoint(), std::time::Duration::ZERO).await;
    let config = eksdoctor_collect::aws_config_loader()
        .endpoint_url(proxy.endpoint())
        .region(Region::from_static("us-west-2"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "double"))
        .load()
        .await;
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let kube_config = kube::Config::new(format!("http://127.0.0.1:{port}").parse().unwrap());
    let sources = Sources {
        kube: kube::Client::try_from(kube_config).unwrap(),
        context: "dead".into(),
        server: format!("http://127.0.0.1:{port}"),
        root_certs: Vec::new(),
        aws: AwsSource::Config(Box::new(config)),
        cluster: Some("demo".into()),
        region: Some("us-west-2".into()),
    };
    let err = collect(sources, &K8sOptions::default(), false)
        .await
        .unwrap_err();
    assert!(
        matches!(err, eksdoctor_collect::CollectError::Unreachable { .. }),
        "{err}"
    );
    assert_eq!(
        proxy.requests(),
        0,
        "AWS was asked while the cluster was unreachable"
    );
}
