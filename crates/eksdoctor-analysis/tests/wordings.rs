//! The controller's error wordings across versions (SDK v1 up to v2.8, SDK v2 from v2.9; the
//! catalog's strings, with the prefixes event aggregation and controller-runtime add) each reach
//! the rule that explains them, whether they arrive as an Ingress event or a controller log line.

use eksdoctor_analysis::{BundleFile, DiagnoseOptions, LoadOptions, diagnose, load_files};
use serde_json::json;

const VPC: &str = "vpc-0aa11bb22cc33dd44";

fn bundle(image_tag: &str, message: &str, as_log: bool) -> Vec<BundleFile> {
    let labels = json!({"app.kubernetes.io/name": "aws-load-balancer-controller"});
    let container = json!({"name": "aws-load-balancer-controller", "image": format!("public.ecr.aws/eks/aws-load-balancer-controller:{image_tag}"),
        "args": ["--cluster-name=teal-prod", "--ingress-class=alb", "--aws-region=us-east-2", format!("--aws-vpc-id={VPC}")],
        "env": [{"name": "AWS_ROLE_ARN", "value": "arn:aws:iam::123456789012:role/teal-lbc"}]});
    let objects = json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "aws-load-balancer-controller", "namespace": "kube-system", "labels": labels},
         "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": {"serviceAccountName": "aws-load-balancer-controller", "containers": [container]}}},
         "status": {"replicas": 1, "readyReplicas": 1}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "aws-load-balancer-controller-5b8f-abcde", "namespace": "kube-system", "labels": labels,
            "ownerReferences": [{"kind": "ReplicaSet", "name": "aws-load-balancer-controller-5b8f", "controller": true}], "creationTimestamp": "2026-06-01T09:00:00Z"},
         "spec": {"nodeName": "ip-10-1-2-3.us-east-2.compute.internal", "containers": [container]},
         "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "aws-load-balancer-controller", "namespace": "kube-system", "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/teal-lbc"}}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "alb"}, "spec": {"controller": "ingress.k8s.aws/alb"}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "checkout", "namespace": "payments", "creationTimestamp": "2026-06-01T09:10:00Z",
            "annotations": {"alb.ingress.kubernetes.io/scheme": "internet-facing", "alb.ingress.kubernetes.io/target-type": "ip"}},
         "spec": {"ingressClassName": "alb", "rules": [{"host": "pay.teal.example", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "checkout", "port": {"number": 80}}}}]}}]},
         "status": {"loadBalancer": {}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "checkout", "namespace": "payments"}, "spec": {"type": "ClusterIP", "selector": {"app": "checkout"}, "ports": [{"port": 80, "targetPort": 8080}]}},
    ]});
    let mut files = vec![
        BundleFile { path: "k8s/objects.json".into(), contents: serde_json::to_vec(&objects).unwrap() },
        BundleFile { path: "bundle.json".into(), contents: br#"{"cluster":"teal-prod","region":"us-east-2","collected_at":"2026-06-01T10:00:00Z"}"#.to_vec() },
    ];
    if as_log {
        let line = json!({"level": "error", "ts": "2026-06-01T09:55:00Z", "logger": "controller-runtime.manager.controller.ingress", "msg": "Reconciler error",
            "name": "checkout", "namespace": "payments", "error": message});
        files.push(BundleFile { path: "logs/kube-system/aws-load-balancer-controller-5b8f-abcde/aws-load-balancer-controller.log".into(), contents: format!("{line}\n").into_bytes() });
    } else {
        let events = json!({"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Event", "metadata": {"name": "checkout.17f", "namespace": "payments"},
            "involvedObject": {"kind": "Ingress", "name": "checkout", "namespace": "payments"}, "reason": "FailedBuildModel", "type": "Warning",
            "message": message, "count": 7, "lastTimestamp": "2026-06-01T09:55:00Z", "source": {"component": "ingress"}}]});
        files.push(BundleFile {
            path: "k8s/events.json".into(),
            contents: serde_json::to_vec(&events).unwrap(),
        });
    }
    files
}

fn rules_for(image_tag: &str, message: &str, as_log: bool) -> Vec<&'static str> {
    let snapshot = load_files(
        bundle(image_tag, message, as_log),
        LoadOptions { strict: true },
    )
    .unwrap();
    let report = diagnose(&snapshot, &DiagnoseOptions::default());
    let mut rules: Vec<&'static str> = report
        .findings
        .iter()
        .map(|f| f.rule)
        .filter(|r| *r != "ING-00")
        .collect();
    rules.dedup();
    rules
}

/// (controller tag, message, the rule that must explain it)
const WORDINGS: &[(&str, &str, &str)] = &[
    (
        "v2.4.7",
        "Failed build model due to WebIdentityErr: failed to retrieve credentials\ncaused by: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity\n\tstatus code: 403, request id: 0c7e",
        "IAM-01",
    ),
    (
        "v2.11.0",
        "Failed build model due to operation error Elastic Load Balancing v2: DescribeLoadBalancers, get identity: get credentials: failed to refresh cached credentials, failed to retrieve credentials, operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 403, RequestID: 9a1b, api error AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity",
        "IAM-01",
    ),
    (
        "v2.6.1",
        "Failed build model due to WebIdentityErr: failed to retrieve credentials\ncaused by: InvalidIdentityToken: No OpenIDConnect provider found in your account for https://oidc.eks.us-east-2.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9\n\tstatus code: 400, request id: 77aa",
        "IAM-02",
    ),
    (
        "v2.12.0",
        "Failed build model due to operation error ELBV2: DescribeLoadBalancers, get identity: get credentials: failed to refresh cached credentials, failed to retrieve credentials, operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 400, RequestID: 1d2e, InvalidIdentityToken: Incorrect token audience",
        "IAM-02",
    ),
    (
        "v2.4.7",
        "unable to determine AWS Shield subscription state, skipping AWS shield reconciliation: WebIdentityErr: failed to retrieve credentials\ncaused by: InvalidIdentityToken: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint\n\tstatus code: 400, request id: 6a1f",
        "IAM-02",
    ),
    (
        "v2.4.1",
        "Failed build model due to WebIdentityErr: failed to retrieve credentials\ncaused by: RequestError: send request failed\ncaused by: Post \"https://sts.us-east-2.amazonaws.com/\": dial tcp 52.94.133.131:443: i/o timeout",
        "IAM-03",
    ),
    (
        "v2.9.2",
        "Failed build model due to operation error Elastic Load Balancing v2: DescribeLoadBalancers, get identity: get credentials: failed to refresh cached credentials, failed to retrieve credentials, operation error STS: AssumeRoleWithWebIdentity, exceeded maximum number of attempts, 3, https response error StatusCode: 0, RequestID: , request send failed, Post \"https://sts.us-east-2.amazonaws.com/\": net/http: TLS handshake timeout",
        "IAM-03",
    ),
    (
        "v2.13.3",
        "Failed build model due to operation error Elastic Load Balancing v2: DescribeLoadBalancers, get identity: get credentials: failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: GetMetadata, canceled, context deadline exceeded",
        "IAM-04",
    ),
    (
        "v2.2.0",
        "Failed deploy model due to AccessDenied: User: arn:aws:sts::123456789012:assumed-role/teal-node-role/i-0a1b2c3d4e5f67890 is not authorized to perform: elasticloadbalancing:CreateLoadBalancer on resource: arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/k8s-payments-checkout/*\n\tstatus code: 403",
        "IAM-04",
    ),
    (
        "v2.4.7",
        "Failed deploy model due to AccessDenied: User: arn:aws:sts::123456789012:assumed-role/teal-lbc/1717000000 is not authorized to perform: elasticloadbalancing:AddTags on resource: arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/k8s-payments-checkout/1a2b because no identity-based policy allows the elasticloadbalancing:AddTags action\n\tstatus code: 403, request id: 5e6f",
        "IAM-05",
    ),
    (
        "v2.4.0",
        "Failed build model due to couldn't auto-discover subnets: UnauthorizedOperation: You are not authorized to perform this operation.\n\tstatus code: 403, request id: 3c4d",
        "IAM-05",
    ),
    (
        "v2.13.0",
        "Failed build model due to couldn't auto-discover subnets: failed to list subnets by reachability: operation error EC2: DescribeRouteTables, https response error StatusCode: 403, RequestID: 8f9a, api error UnauthorizedOperation: You are not authorized to perform: ec2:DescribeRouteTables",
        "IAM-05",
    ),
    (
        "v2.2.4",
        "Failed build model due to couldn't auto-discover subnets: WebIdentityErr: failed to retrieve credentials\ncaused by: RequestError: send request failed\ncaused by: Post \"https://sts.us-east-2.amazonaws.com/\": dial tcp: lookup sts.us-east-2.amazonaws.com on 172.20.0.10:53: read udp 10.1.3.184:34703->172.20.0.10:53: read: connection refused",
        "IAM-03",
    ),
    (
        "v2.8.0",
        "Failed build model due to couldn't auto-discover subnets: unable to resolve at least one subnet (0 match VPC and tags: [kubernetes.io/role/elb])",
        "SUB-01",
    ),
    (
        "v2.1.3",
        "Failed build model due to couldn't auto-discover subnets: unable to discover at least one subnet",
        "SUB-01",
    ),
    (
        "v2.5.4",
        "Failed build model due to couldn't auto-discover subnets: unable to resolve at least one subnet",
        "SUB-01",
    ),
    (
        "v2.0.1",
        "Failed build model due to cannot find at least two subnets from different Availability Zones, discovered subnetIDs: []",
        "SUB-01",
    ),
    (
        "v3.0.0",
        "Failed build model due to couldn't auto-discover subnets: unable to resolve at least one subnet. Evaluated 0 subnets: 0 are tagged for other clusters, and 0 have insufficient available IP addresses",
        "SUB-01",
    ),
    (
        "v2.6.2",
        "Failed build model due to couldn't auto-discover subnets: unable to resolve at least one subnet (0 match VPC and tags, 3 tagged for other cluster)",
        "SUB-03",
    ),
    (
        "v2.14.0",
        "Failed build model due to couldn't auto-discover subnets: unable to resolve at least one subnet. Evaluated 3 subnets: 0 are tagged for other clusters, and 3 have insufficient available IP addresses",
        "SUB-04",
    ),
    (
        "v2.7.2",
        "Failed build model due to subnets count less than minimal required count: 1 < 2",
        "SUB-05",
    ),
    (
        "v2.5.1",
        "Failed build model due to no certificate found for host: pay.teal.example",
        "ING-08",
    ),
    (
        "v2.4.7",
        "Failed build model due to multiple certificates found for host: pay.teal.example",
        "ING-08",
    ),
    (
        "v2.8.2",
        "Failed deploy model due to InvalidParameter: 1 validation error(s) found.\n- minimum field value of 1, CreateTargetGroupInput.Port.\n",
        "FG-01-if-fargate",
    ),
    (
        "v2.10.0",
        "Failed build model due to unable to initialize AWS cloud: failed to get VPC ID: failed to fetch VPC ID from instance metadata: error in fetching vpc id through ec2 metadata: get mac metadata: operation error ec2imds: GetMetadata, canceled, context deadline exceeded",
        "IAM-07",
    ),
    (
        "v2.5.4",
        "failed load groupID due to invalid ingress class: ingressclassparams.elbv2.k8s.aws \"internal-params\" not found",
        "ING-04",
    ),
    (
        "v2.13.0",
        "failed load groupID due to invalid ingress class: namespaceSelector of IngressClassParams team-internal mismatch",
        "ING-04",
    ),
    (
        "v2.4.7",
        "failed load groupID due to invalid ingress class: IngressClass alb references unknown parameters",
        "ING-04",
    ),
    (
        "v2.13.0",
        "Failed deploy model due to Internal error occurred: failed calling webhook \"mtargetgroupbinding.elbv2.k8s.aws\": failed to call webhook: Post \"https://aws-load-balancer-webhook-service.kube-system.svc:443/mutate-elbv2-k8s-aws-v1beta1-targetgroupbinding?timeout=10s\": context deadline exceeded",
        "ING-06",
    ),
    (
        "v2.4.7",
        "Failed deploy model due to Internal error occurred: failed calling webhook \"mtargetgroupbinding.elbv2.k8s.aws\": Post \"https://aws-load-balancer-webhook-service.kube-system.svc:443/mutate-elbv2-k8s-aws-v1beta1-targetgroupbinding?timeout=10s\": dial tcp 10.1.12.208:9443: i/o timeout",
        "ING-06",
    ),
    (
        "v2.8.1",
        "Failed deploy model due to Internal error occurred: failed calling webhook \"mtargetgroupbinding.elbv2.k8s.aws\": failed to call webhook: Post \"https://aws-load-balancer-webhook-service.kube-system.svc:443/mutate-elbv2-k8s-aws-v1beta1-targetgroupbinding?timeout=10s\": x509: certificate signed by unknown authority",
        "ING-06",
    ),
    (
        "v2.4.1",
        "Failed deploy model due to Internal error occurred: failed calling webhook \"mtargetgroupbinding.elbv2.k8s.aws\": failed to call webhook: Post \"https://aws-load-balancer-webhook-service.kube-system.svc:443/mutate-elbv2-k8s-aws-v1beta1-targetgroupbinding?timeout=10s\": Address is not allowed",
        "ING-06",
    ),
    (
        "v2.13.0",
        "Failed build model due to couldn't find all security groups: requested ids [sg-0f1e2d3c4b5a69788, sg-0a9b8c7d6e5f43210] but found [sg-0a9b8c7d6e5f43210]",
        "ING-09",
    ),
    (
        "v2.8.1",
        "Failed build model due to couldn't find all securityGroups, nameOrIDs: [sg-0f1e2d3c4b5a69788], found: []",
        "ING-09",
    ),
    (
        "v2.4.7",
        "Failed build model due to InvalidGroup.NotFound: The security group 'sg-0f1e2d3c4b5a69788' does not exist\n\tstatus code: 400, request id: 2b7c",
        "ING-09",
    ),
    (
        "v2.5.4",
        "Failed build model due to backendSG feature is required to manage worker node SG rules when frontendSG manually specified",
        "ING-09",
    ),
    (
        "v2.11.0",
        "Failed deploy model due to operation error EC2: AuthorizeSecurityGroupIngress, https response error StatusCode: 400, RequestID: 6c1d, api error RulesPerSecurityGroupLimitExceeded: The maximum number of rules per security group has been reached.",
        "ING-09",
    ),
    (
        "v2.6.0",
        "expect exactly one securityGroup tagged with kubernetes.io/cluster/teal-prod for eni eni-0c4f7a2b9d1e38056, got: [sg-07c6b5a4d3e2f1089 sg-0d2b8e6f4a1c7e905]",
        "ING-09",
    ),
    (
        "v2.13.0",
        "Failed build model due to conflicting scheme: map[internal:{} internet-facing:{}]",
        "ING-10",
    ),
    (
        "v2.7.2",
        "Failed build model due to conflicting securityGroups: [sg-0a9b8c7d6e5f43210] | [sg-0f1e2d3c4b5a69788]",
        "ING-10",
    ),
    (
        "v2.9.2",
        "Failed build model due to conflicting sslRedirect port: [443 8443]",
        "ING-10",
    ),
    (
        "v2.4.7",
        "failed load groupID due to invalid ingress group: groupName must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        "ING-10",
    ),
    (
        "v2.13.0",
        "explicit Ingress group order must be within [-1000:1000], Ingress: payments/checkout, order: 1500",
        "ING-10",
    ),
    (
        "v2.13.0",
        "Failed build model due to couldn't find all subnets, want: [subnet-0e1d2c3b4a5968778 subnet-0b7d2f6e18c49a302], found: [subnet-0b7d2f6e18c49a302]",
        "SUB-06",
    ),
    (
        "v2.5.0",
        "Failed build model due to couldn't find all subnets, nameOrIDs: [public-a public-b], found: 1",
        "SUB-06",
    ),
    (
        "v2.4.7",
        "Failed build model due to InvalidSubnetID.NotFound: The subnet ID 'subnet-0e1d2c3b4a5968778' does not exist\n\tstatus code: 400, request id: 4d5e",
        "SUB-06",
    ),
    (
        "v2.7.2",
        "Failed build model due to multiple subnets in same Availability Zone us-east-2a: [subnet-0a4c1e9d27b35f801 subnet-0d1f3a5c7e9b2d404]",
        "SUB-06",
    ),
    (
        "v2.6.0",
        "Failed build model due to conflicting subnet specifications: IngressClassParams versus annotation",
        "SUB-06",
    ),
    (
        "v2.4.7",
        "unable to load controller config: kubernetes cluster name must be specified",
        "ING-12",
    ),
    (
        "v2.8.1",
        "Failed deploy model due to no matches for kind \"TargetGroupBinding\" in version \"elbv2.k8s.aws/v1beta1\"",
        "ING-12",
    ),
    (
        "v2.13.0",
        "Failed deploy model due to TargetGroupBinding in version \"v1beta1\" cannot be handled as a TargetGroupBinding: strict decoding error: unknown field \"spec.vpcID\"",
        "ING-12",
    ),
    (
        "v1.1.9",
        "failed to build LoadBalancer configuration due to failed to resolve 2 qualified subnet with at least 8 free IP Addresses for ALB. Subnets must contains these tags: 'kubernetes.io/cluster/teal-prod': ['shared' or 'owned'] and 'kubernetes.io/role/elb': ['' or '1']. Resolved qualified subnets: '[]'",
        "SUB-01",
    ),
    (
        "v2.13.0",
        "Failed build model due to operation error Elastic Load Balancing v2: DescribeLoadBalancers, get identity: get credentials: failed to refresh cached credentials, failed to load credentials, exceeded maximum number of attempts, 10, request send failed, Get \"http://169.254.170.23/v1/credentials\": dial tcp 169.254.170.23:80: i/o timeout",
        "IAM-06",
    ),
    (
        "v2.7.2",
        "Failed build model due to CredentialsEndpointError: failed to load credentials\ncaused by: RequestError: send request failed\ncaused by: Get \"http://169.254.170.23/v1/credentials\": dial tcp 169.254.170.23:80: connect: connection refused",
        "IAM-06",
    ),
    (
        "v2.13.0",
        "Failed deploy model due to operation error WAFV2: GetWebACLForResource, exceeded maximum number of attempts, 3, https response error StatusCode: 0, RequestID: , request send failed, Post \"https://wafv2.us-east-2.amazonaws.com/\": dial tcp 52.94.233.12:443: i/o timeout",
        "NET-02",
    ),
    (
        "v2.6.0",
        "Failed deploy model due to RequestError: send request failed\ncaused by: Post \"https://wafv2.us-east-2.amazonaws.com/\": dial tcp: lookup wafv2.us-east-2.amazonaws.com on 172.20.0.10:53: no such host",
        "NET-02",
    ),
    (
        "v2.5.4",
        "unable to determine AWS Shield subscription state, skipping AWS shield reconciliation: RequestError: send request failed\ncaused by: Post \"https://shield.us-east-1.amazonaws.com/\": dial tcp 3.218.148.89:443: i/o timeout",
        "NET-02",
    ),
    (
        "v2.9.0",
        "Failed build model due to operation error EC2: DescribeSubnets, exceeded maximum number of attempts, 3, https response error StatusCode: 0, RequestID: , request send failed, Post \"https://ec2.us-east-2.amazonaws.com/\": dial tcp 52.95.16.2:443: i/o timeout",
        "NET-01",
    ),
];

#[test]
fn every_wording_reaches_its_rule_as_event_and_as_log_line() {
    for (tag, message, rule) in WORDINGS {
        // FG-01 needs Fargate backends, which this bundle does not have: no rule may claim the
        // error as something else.
        let expected: &[&str] = if *rule == "FG-01-if-fargate" {
            &[]
        } else {
            std::slice::from_ref(rule)
        };
        for as_log in [false, true] {
            let found = rules_for(tag, message, as_log);
            let how = if as_log { "log line" } else { "event" };
            assert!(
                expected.iter().all(|r| found.contains(r)),
                "{tag} {how}: expected {expected:?}, got {found:?} for: {message}"
            );
            let unrelated: Vec<_> = found.iter().filter(|r| !expected.contains(r)).collect();
            assert!(
                unrelated.is_empty(),
                "{tag} {how}: {message}\nalso claimed by {unrelated:?}"
            );
        }
    }
}
