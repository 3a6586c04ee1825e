//! Subnets as the load balancer controller will see them: which are public (an internet
//! gateway route, or public IPs on launch) and which tags they carry, from `aws_subnet`
//! (with `aws_ec2_tag` and provider `default_tags`) and from the VPC module's inputs.

use crate::eval::merge;
use crate::facts::{Context, Module};
use crate::model::{Instance, Kind};
use crate::value::{Obj, Value};

pub const ELB_TAG: &str = "kubernetes.io/role/elb";
pub const INTERNAL_ELB_TAG: &str = "kubernetes.io/role/internal-elb";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Public,
    Private,
}

impl Role {
    /// The tag the controller looks for on subnets of this kind.
    pub fn tag(self) -> &'static str {
        match self {
            Role::Public => ELB_TAG,
            Role::Private => INTERNAL_ELB_TAG,
        }
    }

    /// The VPC module input that creates subnets of this kind.
    pub fn module_list(self) -> &'static str {
        match self {
            Role::Public => "public_subnets",
            Role::Private => "private_subnets",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Role::Public => "public",
            Role::Private => "private",
        }
    }
}

/// One `aws_subnet` instance, or the public or private subnets of one VPC module instance.
#[derive(Debug)]
pub struct Subnets<'a> {
    pub inst: &'a Instance,
    /// `None` when it cannot be told whether the subnet is public.
    pub role: Option<Role>,
    /// Tags as written on the subnet (or the module's `*_subnet_tags` merged with `tags`).
    pub own_tags: Value,
    /// Tags the subnet will carry: plus `aws_ec2_tag` and provider default tags.
    pub tags: Value,
    /// Attribute to point at and to change: `tags`, `public_subnet_tags`.
    pub tags_attr: &'static str,
    /// Identity of the VPC, to judge subnets of one VPC together.
    pub vpc: String,
}

impl Subnets<'_> {
    pub fn is_module(&self) -> bool {
        self.inst.kind == Kind::Module
    }

    /// Where to point about the tags: the tags attribute, or for a module that does not write
    /// it, the list that creates the subnets (rather than the whole module block).
    pub fn tags_site(&self) -> &'static str {
        match self.role {
            Some(role) if self.is_module() && !self.inst.spans.contains_key(self.tags_attr) => {
                role.module_list()
            }
            _ => self.tags_attr,
        }
    }
}

pub fn subnets<'a>(cx: &Context<'a>) -> Vec<Subnets<'a>> {
    let config = cx.config;
    let default_tags = config
        .of(Kind::Provider, "aws")
        .filter(|p| p.get("alias").is_none())
        .filter_map(|p| p.get("default_tags").and_then(Value::first_block))
        .map(|d| d.get("tags").cloned().unwrap_or(Value::Null))
        .next()
        .unwrap_or(Value::Null);
    let mut out = Vec::new();
    for s in config.resources("aws_subnet") {
        let own = s.get("tags").cloned().unwrap_or(Value::Null);
        let mut tags = merge(&[default_tags.clone(), own.clone()]);
        add_ec2_tags(cx, &mut tags, |v| s.is_origin_of(v));
        let vpc = match s.get("vpc_id") {
            Some(v) => v.origin().map(str::to_owned).or_else(|| v.as_str()),
            None => None,
        };
        out.push(Subnets {
            inst: s,
            role: role_of(cx, s),
            own_tags: own,
            tags,
            tags_attr: "tags",
            vpc: vpc.unwrap_or_else(|| format!("{}?", s.module_path)),
        });
    }
    for m in cx.modules(Module::Vpc) {
        let common = m.get("tags").cloned().unwrap_or(Value::Null);
        for (role, attr) in [
            (Role::Public, "public_subnet_tags"),
            (Role::Private, "private_subnet_tags"),
        ] {
            // the module's input and its output of subnet ids have the same name
            let list = role.module_list();
            // a list whose length is not known (a required variable) creates subnets as
            // surely as a `count` over one does
            let has_subnets = match m.get(list) {
                None | Some(Value::Null) => false,
                Some(Value::List(l)) => !l.is_empty(),
                Some(_) => true,
            };
            if !has_subnets {
                continue;
            }
            let own_role = m.get(attr).cloned().unwrap_or(Value::Null);
            let mut own = merge(&[common.clone(), own_role.clone()]);
            // per-AZ tags may add anything
            let per_az = format!("{attr}_per_az");
            if m.get(&per_az).is_some_and(|v| {
                !matches!(v, Value::Null)
                    && v.as_obj().is_none_or(|o| o.open || !o.entries.is_empty())
            }) {
                own = merge(&[own, Value::unknown()]);
            }
            let mut tags = merge(&[default_tags.clone(), own.clone()]);
            let origin = format!("{}.{list}", m.address());
            add_ec2_tags(cx, &mut tags, |v| v.origin().is_some_and(|o| o == origin));
            out.push(Subnets {
                inst: m,
                role: Some(role),
                own_tags: own_role,
                tags,
                tags_attr: attr,
                vpc: m.address(),
            });
        }
    }
    out
}

/// Adds the tags of `aws_ec2_tag` resources that target these subnets.
fn add_ec2_tags(cx: &Context, tags: &mut Value, targets: impl Fn(&Value) -> bool) {
    let Value::Obj(obj) = tags else { return };
    for t in cx.config.resources("aws_ec2_tag") {
        if !t.get("resource_id").is_some_and(&targets) {
            continue;
        }
        match t.get("key").and_then(Value::as_partial_str) {
            Some(key) => {
                obj.entries
                    .insert(key, t.get("value").cloned().unwrap_or_else(Value::unknown));
            }
            None => obj.open = true,
        }
    }
}

/// Public when it maps public IPs on launch or is associated with a route table that routes to
/// an internet gateway; private when neither; `None` when that cannot be told.
fn role_of(cx: &Context, subnet: &Instance) -> Option<Role> {
    match subnet.get("map_public_ip_on_launch") {
        Some(v) if v.as_bool() == Some(true) => return Some(Role::Public),
        Some(v) if v.is_unknown() => return None,
        _ => {}
    }
    let associations: Vec<&Instance> = cx
        .config
        .resources("aws_route_table_association")
        .filter(|a| a.get("subnet_id").is_some_and(|v| subnet.is_origin_of(v)))
        .collect();
    if associations.is_empty() {
        // the VPC's main route table: private unless this configuration changes it
        let main_changed = cx
            .config
            .resources("aws_main_route_table_association")
            .next()
            .is_some()
            || cx
                .config
                .resources("aws_default_route_table")
                .next()
                .is_some();
        return (!main_changed).then_some(Role::Private);
    }
    let mut verdict = Some(Role::Private);
    for a in associations {
        match a.get("route_table_id").and_then(|rt| routes_to_igw(cx, rt)) {
            Some(true) => return Some(Role::Public),
            Some(false) => {}
            None => verdict = None,
        }
    }
    verdict
}

/// Whether a route table (given by a reference to it) has a route to an internet gateway.
fn routes_to_igw(cx: &Context, table: &Value) -> Option<bool> {
    let tables: Vec<&Instance> = cx
        .config
        .origin_of(table)
        .into_iter()
        .filter(|t| t.rtype == "aws_route_table")
        .collect();
    if tables.is_empty() {
        return None;
    }
    let mut gateways: Vec<Value> = tables
        .iter()
        .flat_map(|t| t.get("route").and_then(Value::elements).unwrap_or_default())
        .map(|r| r.get("gateway_id").cloned().unwrap_or(Value::Null))
        .collect();
    gateways.extend(
        cx.config
            .resources("aws_route")
            .filter(|r| {
                r.get("route_table_id")
                    .is_some_and(|v| tables.iter().any(|t| t.is_origin_of(v)))
            })
            .map(|r| r.get("gateway_id").cloned().unwrap_or(Value::Null)),
    );
    let mut verdict = Some(false);
    for g in gateways {
        match is_igw(&g) {
            Some(true) => return Some(true),
            Some(false) => {}
            None => verdict = None,
        }
    }
    verdict
}

fn is_igw(gateway: &Value) -> Option<bool> {
    match gateway {
        Value::Null => Some(false),
        Value::Unknown(Some(origin)) => Some(origin.contains("aws_internet_gateway.")),
        other => other.as_str().map(|s| s.starts_with("igw-")),
    }
}

/// A tag key that means `wanted` but is spelled differently (case, spaces around the slashes,
/// `roles` for `role`): tag keys are case-sensitive and matched exactly, so the controller does not see it.
pub fn misspelled_key(tags: &Obj, wanted: &str) -> Option<String> {
    tags.entries
        .keys()
        .find(|k| {
            let squeezed: String = k.chars().filter(|c| !c.is_whitespace()).collect();
            k.as_str() != wanted && edit_distance(&squeezed.to_lowercase(), wanted) <= 2
        })
        .cloned()
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}
