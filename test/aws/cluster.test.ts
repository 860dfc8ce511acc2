import { strict as assert } from "node:assert";
import { controlPlaneLogTypes } from "../../src/aws/cluster";
import { eksAddonNames, KubernetesVersion, kubernetesReleases } from "../../src/config";
import { findResource, ofType, ResourceRecord } from "../../src/synth/inventory";
import { readStackConfig, stackNames } from "../../src/synth/stack-files";
import { runStack } from "../../src/synth/mock-runtime";
import { editConfig, platformConfig, successfulRun } from "../harness";

const eks = (resources: ResourceRecord[]) => findResource(resources, "aws:eks/cluster:Cluster", "cluster-eks");
const stacks = stackNames();

describe("aws/cluster", () => {
    for (const stack of stacks) {
        it(`${stack}: version from config, secrets encrypted with a rotating KMS key, all five log types, access entries only`, async () => {
            const { resources } = await successfulRun(stack);
            const cluster = eks(resources).inputs as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
            const wantVersion = JSON.parse(readStackConfig(stack).config["ml-platform:cluster"]).kubernetesVersion;
            assert.equal(cluster.version, wantVersion);
            assert.deepEqual(cluster.encryptionConfig.resources, ["secrets"]);
            const key = findResource(resources, "aws:kms/key:Key", "eks-secrets");
            assert.equal(key.inputs.enableKeyRotation, true);
            assert.match(cluster.encryptionConfig.provider.keyArn, /key\/eks-secrets-key-id$/);
            assert.deepEqual(cluster.enabledClusterLogTypes, controlPlaneLogTypes);
            assert.deepEqual(cluster.accessConfig, { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
            assert.equal(cluster.vpcConfig.endpointPrivateAccess, true);
            const logs = findResource(resources, "aws:cloudwatch/logGroup:LogGroup", "cluster-control-plane-logs");
            assert.equal(logs.inputs.name, `/aws/eks/ml-platform-${stack}/cluster`);
            assert.ok(eks(resources).dependsOn.includes(logs.urn), "the log group exists before the cluster writes to it");
        });
    }

    it("keeps a private endpoint private and opens a public one only to the listed CIDRs", async () => {
        for (const stack of stacks) {
            const { cluster } = platformConfig(stack);
            const vpc = eks((await successfulRun(stack)).resources).inputs.vpcConfig as {
                endpointPublicAccess: boolean;
                publicAccessCidrs?: string[];
            };
            assert.deepEqual(
                [vpc.endpointPublicAccess, vpc.publicAccessCidrs],
                [cluster.endpointPublicAccess, cluster.endpointPublicAccess ? cluster.publicAccessCidrs : undefined],
                stack,
            );
            if (vpc.endpointPublicAccess) assert.ok(vpc.publicAccessCidrs!.length > 0 && !vpc.publicAccessCidrs!.includes("0.0.0.0/0"));
        }
    });

    it("writes key policies without wildcard principals", async () => {
        for (const key of ofType((await successfulRun("prod")).resources, "aws:kms/key:Key")) {
            const statements = JSON.parse(String(key.inputs.policy)).Statement as { Principal: Record<string, string> }[];
            for (const s of statements)
                assert.ok(!JSON.stringify(s.Principal).includes('"*"'), `${key.name}: ${JSON.stringify(s.Principal)}`);
        }
    });

    it("pins every EKS add-on, runs the CNI with network policy and its own IRSA role, and EBS CSI with its own", async () => {
        const { resources } = await successfulRun("prod");
        const addons = ofType(resources, "aws:eks/addon:Addon");
        const version = JSON.parse(readStackConfig("prod").config["ml-platform:cluster"]).kubernetesVersion as KubernetesVersion;
        const pinned = kubernetesReleases[version].eksAddons;
        assert.deepEqual(addons.map((a) => a.inputs.addonName).sort(), [...eksAddonNames].sort());
        for (const a of addons) assert.equal(a.inputs.addonVersion, pinned[a.inputs.addonName as keyof typeof pinned]);
        const cni = addons.find((a) => a.inputs.addonName === "vpc-cni")!;
        assert.deepEqual(JSON.parse(String(cni.inputs.configurationValues)), { enableNetworkPolicy: "true" });
        assert.match(String(cni.inputs.serviceAccountRoleArn), /role\/ml-platform-prod-aws-node$/);
        const ebs = addons.find((a) => a.inputs.addonName === "aws-ebs-csi-driver")!;
        assert.match(String(ebs.inputs.serviceAccountRoleArn), /role\/ml-platform-prod-ebs-csi-controller-sa$/);
        const trust = JSON.parse(String(findResource(resources, "aws:iam/role:Role", "cluster-vpc-cni").inputs.assumeRolePolicy));
        assert.deepEqual(Object.values(trust.Statement[0].Condition.StringEquals).sort(), [
            "sts.amazonaws.com",
            "system:serviceaccount:kube-system:aws-node",
        ]);
    });

    it("creates CoreDNS and the EBS CSI driver after the node groups, the network add-ons before them", async () => {
        const { resources } = await successfulRun("prod");
        const groups = ofType(resources, "aws:eks/nodeGroup:NodeGroup");
        const addon = (n: string) => ofType(resources, "aws:eks/addon:Addon").find((a) => a.inputs.addonName === n)!;
        for (const n of ["coredns", "aws-ebs-csi-driver"])
            for (const g of groups) assert.ok(addon(n).dependsOn.includes(g.urn), `${n} waits for ${g.name}`);
        for (const n of ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"])
            for (const g of groups) assert.ok(g.dependsOn.includes(addon(n).urn), `${g.name} waits for ${n}`);
    });

    it("gives the stack's deploy role (never the caller) admin through an access entry, and the Kubernetes provider waits for it", async () => {
        const { resources } = await successfulRun("prod");
        const admin = findResource(resources, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "cluster-deployer");
        assert.equal(admin.inputs.principalArn, "arn:aws:iam::123456789012:role/ml-platform-prod-ci-deploy");
        const provider = findResource(resources, "pulumi:providers:kubernetes", "cluster-k8s");
        assert.ok(provider.dependsOn.includes(admin.urn));
        assert.equal(provider.inputs.kubeconfig, "[secret]");
    });

    it("protects the cluster and its keys in prod and staging, not in dev (config decides)", async () => {
        for (const [stack, protect] of [
            ["prod", true],
            ["staging", true],
            ["dev", false],
        ] as const) {
            const { resources } = await successfulRun(stack);
            const stateful = [
                eks(resources),
                ...ofType(resources, "aws:kms/key:Key"),
                ...ofType(resources, "aws:ecr/repository:Repository"),
            ];
            for (const r of stateful) assert.equal(r.protect, protect, `${stack} ${r.type} ${r.name}`);
            assert.equal(eks(resources).inputs.deletionProtection, protect);
        }
    });

    it("maps IAM principals from config to the design's groups, and the one break-glass entry to cluster admin", async () => {
        const run = await runStack("staging", {
            overrides: editConfig("staging", (v) => {
                v.accessEntries = {
                    engineers: { principalArn: "arn:aws:iam::123456789012:role/DataEngineers", role: "data-engineer" },
                    "break-glass": { principalArn: "arn:aws:iam::123456789012:role/BreakGlass", role: "cluster-admin" },
                };
            }),
        });
        assert.equal(run.error, undefined);
        const engineers = findResource(run.resources, "aws:eks/accessEntry:AccessEntry", "cluster-access-engineers");
        assert.deepEqual(engineers.inputs.kubernetesGroups, ["ml-platform:data-engineer"]);
        const admins = ofType(run.resources, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").map((a) => a.name);
        assert.deepEqual(admins.sort(), ["ci-drift", "ci-preview", "cluster-access-break-glass", "cluster-deployer"]);
        for (const association of ofType(run.resources, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")) {
            const entry = findResource(run.resources, "aws:eks/accessEntry:AccessEntry", association.name);
            assert.ok(association.dependsOn.includes(entry.urn), `${association.name} waits for its access entry`);
        }
    });
});
