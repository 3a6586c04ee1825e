use crate::facts::Context;
use crate::report::Hit;
use crate::subnets::{Role, Subnets, misspelled_key, subnets};
use eksdoctor_rule::{Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the subnets an ALB will be placed in carry the role tag the AWS Load
    /// Balancer Controller looks for: `kubernetes.io/role/elb` on public subnets (a route to an
    /// internet gateway, or `map_public_ip_on_launch = true`) and
    /// `kubernetes.io/role/internal-elb` on private ones. It reads `aws_subnet` tags (with
    /// `merge()`, locals, variable defaults, per-instance `count`/`for_each`), tags added by
    /// `aws_ec2_tag`, provider `default_tags`, and the `public_subnet_tags`/`private_subnet_tags`
    /// inputs of the `terraform-aws-modules/vpc/aws` module. It only runs when the configuration
    /// also defines an EKS cluster or installs the controller, and stays silent for a VPC where
    /// some subnet of the same kind is tagged or where tags cannot be known.
    ///
    /// ## Why it matters
    /// The controller discovers subnets with an exact EC2 tag filter. Without the tag it reports
    /// `couldn't auto-discover subnets: unable to resolve at least one subnet` and the Ingress
    /// never gets an address (SUB-01). Tag keys are matched exactly: `Kubernetes.io/role/elb` or
    /// `kubernetes.io/roles/elb` is not seen. Untagged private subnets only matter for internal
    /// load balancers, so they are reported as info when every Ingress here is internet-facing,
    /// or when the VPC's public subnets are tagged and no Ingress here is internal. When neither
    /// the controller nor an ALB Ingress is in the configuration, a missing tag is a warning.
    ///
    /// ## Evidence
    /// The subnet (or module call), whether it was judged public or private, and the tag keys it
    /// has.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_subnet" "public" {
    ///   count                   = 2
    ///   vpc_id                  = aws_vpc.main.id
    ///   map_public_ip_on_launch = true
    ///   tags                    = merge(local.tags, { Name = "public-${count.index}" })
    /// }
    /// ```
    ///
    /// ## Fix
    /// ```hcl
    ///   tags = merge(local.tags, {
    ///     Name                     = "public-${count.index}"
    ///     "kubernetes.io/role/elb" = "1"
    ///   })
    /// ```
    /// With the VPC module: `public_subnet_tags = { "kubernetes.io/role/elb" = "1" }` and
    /// `private_subnet_tags = { "kubernetes.io/role/internal-elb" = "1" }`.
    ///
    /// ## References
    /// - AWS Load Balancer Controller, subnet auto-discovery (`pkg/networking/subnet_resolver.go`)
    /// - Amazon EKS user guide: "Route internet traffic with AWS Load Balancer Controller"
    /// - Runtime rule SUB-01
    pub SubnetRoleTagMissing {
        id: "TF-01",
        name: "subnet-role-tag-missing",
        summary: "subnets that will host an ALB lack the load balancer role tag",
        severity: Error,
        prevents: ["SUB-01"],
    }
}

pub fn check(cx: &Context, out: &mut Vec<Hit>) {
    if !cx.is_eks() {
        return;
    }
    let all = subnets(cx);
    for s in &all {
        let Some(role) = s.role else { continue };
        // a VPC where some subnet of this kind is tagged (or may be) is fine
        let same_kind = all
            .iter()
            .filter(|o| o.vpc == s.vpc && o.role == Some(role));
        if same_kind.clone().any(|o| tagged_or_unknown(o, role)) {
            continue;
        }
        let Some(tags) = s.tags.as_obj() else {
            continue;
        };
        let tag = role.tag();
        let attr = s.tags_attr;
        let severity = severity(cx, &all, s, role);
        if let Some(wrong) = misspelled_key(tags, tag) {
            let detail = if wrong.eq_ignore_ascii_case(tag) {
                format!(
                    "has the tag key `{wrong}`, but tag keys are case-sensitive: the controller looks for `{tag}`"
                )
            } else {
                format!(
                    "has the tag key `{wrong}`, which the controller does not match: it looks for exactly `{tag}`"
                )
            };
            out.push(
                Hit::new(&SubnetRoleTagMissing::META, s.inst, s.tags_site(), detail)
                    .severity(severity)
                    .fix(
                        format!("spell the key exactly `{tag}`"),
                        format!("\"{tag}\" = \"1\" # instead of \"{wrong}\""),
                    ),
            );
            continue;
        }
        let scheme = match role {
            Role::Public => "internet-facing",
            Role::Private => "internal",
        };
        let detail = if s.is_module() {
            format!(
                "creates {} subnets without the `{tag}` tag in `{attr}`, so the controller finds no subnet for an {scheme} ALB",
                role.word()
            )
        } else {
            format!(
                "is a {} subnet without the `{tag}` tag, so the controller finds no subnet for an {scheme} ALB",
                role.word()
            )
        };
        let hcl = if s.is_module() {
            format!("{attr} = {{\n  \"{tag}\" = \"1\"\n}}")
        } else {
            format!("tags = merge(<existing tags>, {{\n  \"{tag}\" = \"1\"\n}})")
        };
        out.push(
            Hit::new(&SubnetRoleTagMissing::META, s.inst, s.tags_site(), detail)
                .severity(severity)
                .fix(
                    format!("tag the {} subnets with `{tag}` = \"1\"", role.word()),
                    hcl,
                ),
        );
    }
}

/// Error when an ALB is in sight (the controller or an ALB Ingress is here); less when the
/// Ingresses here, or the tags of the other subnets, say this kind of subnet will not host one.
fn severity(cx: &Context, all: &[Subnets], s: &Subnets, role: Role) -> Severity {
    let alb_in_sight = !cx.lbc.is_empty() || cx.ingresses.iter().any(|i| cx.is_alb(i));
    // no Ingress here asks for (or defaults to) an internal ALB
    let none_internal = cx
        .alb_schemes()
        .is_some_and(|schemes| schemes.iter().all(|x| x != "internal"));
    let public_tagged = all.iter().any(|o| {
        o.vpc == s.vpc
            && o.role == Some(Role::Public)
            && o.tags
                .as_obj()
                .is_some_and(|t| t.entries.contains_key(Role::Public.tag()))
    });
    match role {
        Role::Public if cx.all_ingresses_are("internal") => Severity::Info,
        Role::Private if cx.all_ingresses_are("internet-facing") => Severity::Info,
        // the public subnets are tagged: internet-facing is what this VPC is set up for
        Role::Private if public_tagged && none_internal => Severity::Info,
        _ if !alb_in_sight => Severity::Warning,
        Role::Public => Severity::Error,
        Role::Private => Severity::Warning,
    }
}

fn tagged_or_unknown(s: &Subnets, role: Role) -> bool {
    match s.tags.as_obj() {
        Some(tags) => tags.get(role.tag()).is_some(),
        None => true,
    }
}
