import { strict as assert } from "node:assert";
import { serviceAccountTrust, serviceTrust, webIdentityTrust } from "../../src/aws/iam";

describe("aws/iam", () => {
    it("scopes an IRSA trust to one service account and the STS audience", () => {
        const trust = serviceAccountTrust("arn:aws:iam::1:oidc-provider/oidc.eks/id/X", "https://oidc.eks/id/X", "kube-system", "aws-node");
        assert.deepEqual(trust.Statement[0].Condition, {
            StringEquals: { "oidc.eks/id/X:aud": "sts.amazonaws.com", "oidc.eks/id/X:sub": "system:serviceaccount:kube-system:aws-node" },
        });
        assert.equal(trust.Statement[0].Action, "sts:AssumeRoleWithWebIdentity");
    });

    it("matches wildcard subjects with StringLike, never StringEquals", () => {
        const trust = webIdentityTrust("arn", "token.actions.githubusercontent.com", ["repo:o/r:environment:*"]);
        assert.deepEqual(trust.Statement[0].Condition, {
            StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
            StringLike: { "token.actions.githubusercontent.com:sub": "repo:o/r:environment:*" },
        });
    });

    it("trusts a service principal", () => {
        assert.deepEqual(serviceTrust("eks.amazonaws.com").Statement[0].Principal, { Service: "eks.amazonaws.com" });
    });
});
