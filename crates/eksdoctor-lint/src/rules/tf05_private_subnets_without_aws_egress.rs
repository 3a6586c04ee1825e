use crate::facts::{Context, Module, module_kind};
use crate::model::Kind;
use crate::report::Hit;
use crate::subnets::{Role, Subnets, subnets};
use crate::value::{Obj, Value};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// In a configuration that installs the AWS Load Balancer Controller, checks that private
    /// subnets have a way to the AWS APIs the controller calls: a NAT route (`aws_nat_gateway`,
    /// a route through a NAT, transit gateway or instance, or the VPC module's
    /// `enable_nat_gateway = true`), or interface VPC endpoints for `sts`, `ec2` and
    /// `elasticloadbalancing` (`aws_vpc_endpoint`, also per `for_each` instance, or the
    /// `vpc-endpoints` module). It names the endpoints that are missing. When node groups,
    /// Fargate profiles or the EKS module here name their subnets, only those private subnets
    /// are checked (a private subnet for databases beside public nodes is not the controller's).
    ///
    /// ## Why it matters
    /// Pods in private subnets without egress cannot reach `sts.<region>.amazonaws.com` to
    /// exchange their IRSA token (IAM-03), nor the EC2 and ELB APIs (NET-01): every reconcile
    /// times out and the Ingress never gets an address.
    ///
    /// ## Evidence
    /// The private subnets, and which of the three endpoints exist.
    ///
    /// ## Example
    /// ```hcl
    /// module "vpc" {
    ///   source          = "terraform-aws-modules/vpc/aws"
    ///   private_subnets = ["10.0.1.0/24", "10.0.2.0/24"]
    ///   # enable_nat_gateway defaults to false
    /// }
    /// ```
    ///
    /// ## Fix
    /// ```hcl
    /// resource "aws_vpc_endpoint" "lbc" {
    ///   for_each            = toset(["sts", "ec2", "elasticloadbalancing"])
    ///   vpc_id              = module.vpc.vpc_id
    ///   service_name        = "com.amazonaws.${var.region}.${each.key}"
    ///   vpc_endpoint_type   = "Interface"
    ///   subnet_ids          = module.vpc.private_subnets
    ///   private_dns_enabled = true
    /// }
    /// ```
    /// or `enable_nat_gateway = true`.
    ///
    /// ## References
    /// - Amazon EKS user guide: "Deploy private clusters with limited internet access"
    /// - AWS Load Balancer Controller docs: isolated clusters
    /// - Runtime rules NET-01, IAM-03
    pub PrivateSubnetsWithoutAwsEgress {
        id: "TF-05",
        name: "private-subnets-without-aws-egress",
        summary: "private subnets have neither a NAT route nor the sts, ec2 and elasticloadbalancing endpoints",
        severity: Error,
        prevents: ["NET-01", "IAM-03"],
    }
}

const NEEDED: [&str; 3] = ["sts", "ec2", "elasticloadbalancing"];

pub fn check(cx: &Context, out: &mut Vec<Hit>) {
    if cx.lbc.is_empty() || has_egress(cx) {
        return;
    }
    let Some(present) = endpoint_services(cx) else {
        return;
    };
    let missing: Vec<&str> = NEEDED
        .into_iter()
        .filter(|n| !present.iter().any(|p| p == n))
        .collect();
    if missing.is_empty() {
        return;
    }
    let all = subnets(cx);
    let private = all
        .iter()
        .filter(|s| s.role == Some(Role::Private) && hosts_pods(cx, s));
    for s in private {
        let (at, what) = if s.is_module() {
            (Role::Private.module_list(), "creates private subnets")
        } else {
            ("", "is a private subnet")
        };
        let detail = format!(
            "{what} with no NAT route and no interface VPC endpoint for {}, so the load balancer controller cannot reach {}",
            missing.join(", "),
            apis(&missing)
        );
        let list = missing
            .iter()
            .map(|m| format!("{m:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(Hit::new(&PrivateSubnetsWithoutAwsEgress::META, s.inst, at, detail).fix(
            format!("add interface endpoints for {} (or a NAT gateway)", missing.join(", ")),
            format!(
                "resource \"aws_vpc_endpoint\" \"lbc\" {{\n  for_each            = toset([{list}])\n  vpc_id              = <vpc id>\n  service_name        = \"com.amazonaws.${{var.region}}.${{each.key}}\"\n  vpc_endpoint_type   = \"Interface\"\n  subnet_ids          = <private subnet ids>\n  private_dns_enabled = true\n}}"
            ),
        ));
    }
}

/// Whether pods (and so the controller) run in these subnets. Nodes and Fargate profiles here
/// name their subnets; a private subnet none of them names (one for databases, beside nodes in
/// public subnets) does not matter to the controller, and one hidden behind a name that cannot
/// be followed is not claimed. When nothing here names pod subnets, any private subnet may
/// host them.
fn hosts_pods(cx: &Context, s: &Subnets) -> bool {
    let mut refs = Vec::new();
    for inst in &cx.config.instances {
        let subnet_ids = match (inst.kind, inst.rtype.as_str()) {
            (Kind::Resource, "aws_eks_fargate_profile" | "aws_eks_node_group") => {
                inst.get("subnet_ids")
            }
            (Kind::Module, _) if module_kind(inst) == Some(Module::Eks) => inst.get("subnet_ids"),
            _ => None,
        };
        leaves(subnet_ids.unwrap_or(&Value::Null), &mut refs);
    }
    let module_output = format!("{}.{}", s.inst.address(), Role::Private.module_list());
    refs.is_empty()
        || refs.iter().any(|v| match s.is_module() {
            true => v.origin() == Some(module_output.as_str()),
            false => s.inst.is_origin_of(v),
        })
}

/// The scalar values inside a value (the ids of a list of subnet ids).
fn leaves<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::List(items) => items.iter().for_each(|i| leaves(i, out)),
        Value::Null => {}
        other => out.push(other),
    }
}

/// The APIs behind the missing endpoints, as the controller's errors name them.
fn apis(missing: &[&str]) -> String {
    let names: Vec<&str> = missing
        .iter()
        .map(|m| match *m {
            "sts" => "STS",
            "ec2" => "EC2",
            _ => "ELB",
        })
        .collect();
    match names.as_slice() {
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    }
}

/// A NAT gateway, a default route through anything but an internet gateway, or a module
/// that may create one.
fn has_egress(cx: &Context) -> bool {
    if cx.config.resources("aws_nat_gateway").next().is_some() {
        return true;
    }
    let inline_routes = cx
        .config
        .resources("aws_route_table")
        .flat_map(|t| t.get("route").and_then(Value::elements).unwrap_or_default());
    if cx
        .config
        .resources("aws_route")
        .any(|r| routes_out(&r.attrs))
        || inline_routes.filter_map(Value::as_obj).any(routes_out)
    {
        return true;
    }
    cx.config.module_calls().any(|m| match module_kind(m) {
        Some(Module::Vpc) => m
            .get("enable_nat_gateway")
            .is_some_and(|v| v.as_bool() != Some(false)),
        Some(Module::Other) => {
            let text = format!("{} {}", m.name, m.source().unwrap_or_default()).to_lowercase();
            text.contains("nat") || text.contains("transit")
        }
        _ => false,
    })
}

/// A route through a NAT gateway, transit gateway, instance or network interface.
fn routes_out(route: &Obj) -> bool {
    [
        "nat_gateway_id",
        "transit_gateway_id",
        "network_interface_id",
        "instance_id",
    ]
    .iter()
    .any(|k| route.get(k).is_some_and(|v| !matches!(v, Value::Null)))
}

/// Services with a VPC endpoint (`sts`, `ec2`, ...); `None` when some endpoint's service
/// cannot be known.
fn endpoint_services(cx: &Context) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let last = |name: String| name.rsplit('.').next().map(str::to_owned);
    for e in cx.config.resources("aws_vpc_endpoint") {
        out.push(last(e.get("service_name")?.as_partial_str()?)?);
    }
    for m in cx
        .config
        .module_calls()
        .filter(|m| module_kind(m) == Some(Module::VpcEndpoints))
    {
        for e in m.get("endpoints")?.elements()? {
            let service = e
                .get("service")
                .or_else(|| e.get("service_name"))?
                .as_partial_str()?;
            out.push(last(service)?);
        }
    }
    Some(out)
}
