import { strict as assert } from "node:assert";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { controllerClusterTag, loadBalancerControllerPolicy } from "../../src/addons/load-balancer-controller-policy";

/*
 * The load balancer controller's policy under a real IAM evaluator. Upstream's policy for v3.5.0
 * (kubernetes-sigs/aws-load-balancer-controller docs/install/iam_policy.json) lets the controller
 * tag a load balancer only while creating it, or one already tagged as its own; before issue 15
 * ours allowed AddTags with the cluster tag on any load balancer, so the controller could claim a
 * foreign load balancer by tagging it and then modify or delete it.
 */

const account = "123456789012";
const foreignAlb = `arn:aws:elasticloadbalancing:us-east-1:${account}:loadbalancer/app/someone-elses/0123456789abcdef`;
const tag = controllerClusterTag;

async function decide(policy: object, action: string, context: Record<string, string | string[]>, resource = foreignAlb) {
    const result = await runSimulation(
        {
            request: {
                principal: `arn:aws:iam::${account}:role/ml-platform-prod-aws-load-balancer-controller`,
                action,
                resource: { resource, accountId: account },
                contextVariables: context,
            },
            identityPolicies: [{ name: "controller", policy }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
        },
        {},
    );
    return result.resultType === "error" ? `error: ${result.errors.message}` : result.overallResult;
}

/** The statement before issue 15: AddTags with the request tag, on any resource, no CreateAction. */
const before = {
    Version: "2012-10-17",
    Statement: [
        {
            Effect: "Allow",
            Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:AddTags"],
            Resource: "*",
            Condition: { Null: { [`aws:RequestTag/${tag}`]: "false" } },
        },
    ],
};

describe("addons/load-balancer-controller-policy", function () {
    this.timeout(60000);
    const claim = { [`aws:RequestTag/${tag}`]: "ml-platform-prod", "aws:TagKeys": [tag] };

    it("was the failing case: the former policy let the controller tag a foreign load balancer as its own", async () => {
        assert.equal(await decide(before, "elasticloadbalancing:AddTags", claim), "Allowed");
    });

    it("refuses to tag a foreign load balancer as the controller's, and to modify or delete it", async () => {
        const policy = loadBalancerControllerPolicy();
        assert.equal(await decide(policy, "elasticloadbalancing:AddTags", claim), "ImplicitlyDenied");
        assert.equal(await decide(policy, "elasticloadbalancing:ModifyLoadBalancerAttributes", {}), "ImplicitlyDenied");
        assert.equal(await decide(policy, "elasticloadbalancing:DeleteLoadBalancer", {}), "ImplicitlyDenied");
    });

    it("tags while creating, and manages what carries its cluster tag", async () => {
        const policy = loadBalancerControllerPolicy();
        assert.equal(
            await decide(policy, "elasticloadbalancing:AddTags", { ...claim, "elasticloadbalancing:CreateAction": "CreateLoadBalancer" }),
            "Allowed",
        );
        const own = { [`aws:ResourceTag/${tag}`]: "ml-platform-prod" };
        assert.equal(await decide(policy, "elasticloadbalancing:ModifyLoadBalancerAttributes", own), "Allowed");
        assert.equal(await decide(policy, "elasticloadbalancing:AddTags", { ...own, "aws:TagKeys": ["ingress.k8s.aws/stack"] }), "Allowed");
        assert.equal(await decide(policy, "elasticloadbalancing:CreateLoadBalancer", claim, "*"), "Allowed");
        assert.equal(await decide(policy, "elasticloadbalancing:CreateLoadBalancer", {}, "*"), "ImplicitlyDenied");
    });
});
