use crate::eval::display;
use crate::facts::Context;
use crate::model::Instance;
use crate::report::Hit;
use crate::subnets::{ELB_TAG, INTERNAL_ELB_TAG, subnets};
use crate::value::Value;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Checks the value of the subnet role tags `kubernetes.io/role/elb` and
    /// `kubernetes.io/role/internal-elb`: it must be `"1"` or empty. Values are evaluated per
    /// instance, so `1 + count.index` is caught on the second subnet, where it is `"2"`. It reads
    /// `aws_subnet` tags, the VPC module's `*_subnet_tags` and `aws_ec2_tag` resources.
    ///
    /// ## Why it matters
    /// The controller asks EC2 for subnets whose role tag is exactly `1` or empty. `"true"`,
    /// `"yes"` or `"2"` look tagged in the console but are not matched, and the Ingress fails
    /// with `unable to resolve at least one subnet` (SUB-01).
    ///
    /// ## Evidence
    /// The subnet and the value its role tag has.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_subnet" "public" {
    ///   count = 2
    ///   tags  = { "kubernetes.io/role/elb" = 1 + count.index }
    /// }
    /// ```
    ///
    /// ## Fix
    /// ```hcl
    ///   tags = { "kubernetes.io/role/elb" = "1" }
    /// ```
    ///
    /// ## References
    /// - AWS Load Balancer Controller, subnet discovery filter `tag:<role>` in `{"", "1"}`
    /// - Runtime rule SUB-01
    pub SubnetRoleTagValue {
        id: "TF-02",
        name: "subnet-role-tag-value",
        summary: "a subnet role tag has a value other than \"1\" or empty",
        severity: Error,
        prevents: ["SUB-01"],
    }
}

pub fn check(cx: &Context, out: &mut Vec<Hit>) {
    for s in subnets(cx) {
        let Some(tags) = s.own_tags.as_obj() else {
            continue;
        };
        for tag in [ELB_TAG, INTERNAL_ELB_TAG] {
            if let Some(value) = tags.entries.get(tag).filter(|v| is_bad(v)) {
                out.push(hit(s.inst, s.tags_attr, tag, value));
            }
        }
    }
    for t in cx.config.resources("aws_ec2_tag") {
        let key = t.get("key").and_then(Value::as_str);
        let Some(tag) = [ELB_TAG, INTERNAL_ELB_TAG]
            .into_iter()
            .find(|k| key.as_deref() == Some(*k))
        else {
            continue;
        };
        if let Some(value) = t.get("value").filter(|v| is_bad(v)) {
            out.push(hit(t, "value", tag, value));
        }
    }
}

fn is_bad(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s != "1" && !s.is_empty())
}

fn hit(inst: &Instance, attr: &str, tag: &str, value: &Value) -> Hit {
    let detail = format!(
        "sets `{tag}` to {}, but the controller only matches the values \"1\" and \"\"",
        display(value)
    );
    Hit::new(&SubnetRoleTagValue::META, inst, attr, detail).fix(
        format!("set `{tag}` to \"1\""),
        format!("\"{tag}\" = \"1\""),
    )
}
