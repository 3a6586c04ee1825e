use crate::context::Context;
use crate::finding::{Finding, Key};
use crate::fixes::restart_controller;
use crate::rules::{Outcome, impl_rule};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds AWS permission errors of the controller's own role: an action its IAM policy does
    /// not allow, typically because the policy is older than the controller release.
    ///
    /// ## Why it matters
    /// Each controller release may call new APIs: `elasticloadbalancing:AddTags` on create
    /// (v2.5.0), `DescribeListenerAttributes` (v2.9.0), `ec2:DescribeRouteTables` (v2.13.0).
    /// Upgrading the chart without the policy makes reconciles fail on build (no ALB) or halfway
    /// through deploy (an ALB without listeners).
    ///
    /// ## Evidence
    /// `is not authorized to perform: <action> on resource: …` (both SDK formats) and the terse
    /// EC2 form `UnauthorizedOperation: You are not authorized to perform this operation.`
    /// Errors naming the node's instance role are IAM-04; `sts:AssumeRoleWithWebIdentity` is
    /// IAM-01. `couldn't auto-discover subnets: failed to list subnets by reachability: …
    /// ec2:DescribeRouteTables` (catalog SUB-07) is this rule's too: the v2.13 route-table
    /// fallback runs only when no subnet carries the role tag.
    ///
    /// ## Example
    /// `AccessDenied: User: arn:aws:sts::111122223333:assumed-role/lbc-role/1700000000 is not
    /// authorized to perform: elasticloadbalancing:DescribeListenerAttributes`
    ///
    /// ## Fix
    /// Replace the policy with `docs/install/iam_policy.json` of the exact controller tag.
    ///
    /// ## References
    /// - LBC installation (IAM policy): <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/installation/>
    /// - kubernetes-sigs/aws-load-balancer-controller#2525, #3399
    pub PolicyMissingAction {
        id: "IAM-05",
        name: "policy-missing-action",
        summary: "the controller's IAM policy does not allow an action it calls",
        severity: Error,
    }
}

/// `elasticloadbalancing:AddTags` from `… is not authorized to perform: elasticloadbalancing:AddTags on …`
/// (EC2 also words it `You are not authorized to perform: ec2:…`).
fn denied_action(text: &str) -> Option<String> {
    let marker = "not authorized to perform: ";
    let at = text.find(marker)? + marker.len();
    let action: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == ':')
        .collect();
    (!action.is_empty()).then_some(action)
}

impl PolicyMissingAction {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let mut actions: Vec<String> = Vec::new();
        let mut evidence = Vec::new();
        let mut by_reachability = false;
        for m in &cx.lbc_messages {
            let node_role = m.contains("assumed-role/") && m.contains("/i-");
            let action = match denied_action(&m.text) {
                Some(a) if !a.eq_ignore_ascii_case("sts:AssumeRoleWithWebIdentity") && !node_role => a,
                None if m.contains("UnauthorizedOperation") => "an EC2 action (the error does not name it; typically ec2:DescribeAvailabilityZones or ec2:DescribeRouteTables)".to_owned(),
                _ => continue,
            };
            by_reachability |= m.contains("failed to list subnets by reachability");
            if !actions.contains(&action) {
                actions.push(action);
                evidence.push(m.evidence());
            }
        }
        // SUB-07: the route-table lookup only happens because no subnet carries the role tag.
        let reachability = if by_reachability {
            "; the call comes from subnet discovery by route tables (v2.13+), which runs because no subnet carries the role tag: tagging the subnets avoids it"
        } else {
            ""
        };
        if actions.is_empty() {
            return Ok(());
        }
        let (ns, name) = cx.lbc_names();
        let tag = cx
            .lbc
            .as_ref()
            .and_then(|l| l.version)
            .map_or_else(|| "<controller-tag>".to_owned(), |v| v.to_string());
        out.push(
            Finding::new(&Self::META, cx.lbc_subject(), format!(
                "the controller's IAM policy does not allow {}; it is older than the running controller ({}){reachability}",
                actions.join(", "),
                cx.lbc.as_ref().map_or_else(|| "unknown version".to_owned(), |l| l.version_text())
            ))
            .evidence_all(evidence.into_iter().take(3))
            .breaks(Key::AlbReconcile)
            .fix(
                format!("replace the controller's IAM policy with iam_policy.json of {tag}"),
                vec![
                    format!("curl -o iam_policy.json https://raw.githubusercontent.com/kubernetes-sigs/aws-load-balancer-controller/{tag}/docs/install/iam_policy.json"),
                    "aws iam create-policy-version --policy-arn <policy-arn> --policy-document file://iam_policy.json --set-as-default".into(),
                    restart_controller(&ns, &name),
                ],
                Some(format!("data \"http\" \"lbc_iam_policy\" {{\n  url = \"https://raw.githubusercontent.com/kubernetes-sigs/aws-load-balancer-controller/{tag}/docs/install/iam_policy.json\"\n}}\n\nresource \"aws_iam_policy\" \"lbc\" {{\n  name   = \"AWSLoadBalancerControllerIAMPolicy\"\n  policy = data.http.lbc_iam_policy.response_body\n}}")),
            ),
        );
        Ok(())
    }
}

impl_rule!(PolicyMissingAction);

#[cfg(test)]
mod tests {
    use super::denied_action;

    #[test]
    fn extracts_the_action_from_both_sdk_formats() {
        let v1 = "AccessDenied: User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: elasticloadbalancing:AddTags on resource: arn";
        assert_eq!(
            denied_action(v1).as_deref(),
            Some("elasticloadbalancing:AddTags")
        );
        let v2 = "api error AccessDenied: User: x is not authorized to perform: elasticloadbalancing:DescribeListenerAttributes because no identity-based policy allows";
        assert_eq!(
            denied_action(v2).as_deref(),
            Some("elasticloadbalancing:DescribeListenerAttributes")
        );
        assert_eq!(denied_action("UnauthorizedOperation"), None);
        assert_eq!(
            denied_action("api error UnauthorizedOperation: You are not authorized to perform: ec2:DescribeRouteTables").as_deref(),
            Some("ec2:DescribeRouteTables")
        );
        assert_eq!(
            denied_action(
                "UnauthorizedOperation: You are not authorized to perform this operation."
            ),
            None
        );
    }
}
