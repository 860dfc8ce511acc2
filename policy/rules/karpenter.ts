import { list, PlatformPolicy, resourceRule } from "./common";

/**
 * Karpenter node pools keep the node guarantees of our launch templates (SECURITY.md 4, 5, 7) and
 * SPEC §2's GPU taint. Field names: aws/karpenter-provider-aws pkg/apis/crds (NodePool karpenter.sh/v1,
 * EC2NodeClass karpenter.k8s.aws/v1) at v1.14.1. Part of the aws-nodes area.
 */

export const karpenterNodePool = "kubernetes:karpenter.sh/v1:NodePool";
export const ec2NodeClass = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";

const gpuTypes = /^(g5|g6|g6e|p4d|p5|p5e|p5en)\./;

export const karpenterRules: PlatformPolicy[] = [
    resourceRule({
        id: "karpenter-gpu-nodepool-taint",
        level: "mandatory",
        sources: ["SPEC §2 GPU pools", "EKS Best Practices: AI/ML, taint GPU nodes"],
        items: [5],
        summary: "A Karpenter NodePool that can launch NVIDIA GPU instances taints them nvidia.com/gpu=true:NoSchedule.",
        types: [karpenterNodePool],
        check: (props, { report }) => {
            const spec = props.spec?.template?.spec ?? {};
            const types = list(spec.requirements)
                .filter((r) => r?.key === "node.kubernetes.io/instance-type" && r?.operator === "In")
                .flatMap((r) => list(r.values));
            const limitsGpu = props.spec?.limits?.["nvidia.com/gpu"] !== undefined;
            if (!types.some((t) => gpuTypes.test(String(t))) && !limitsGpu) return;
            const tainted = list(spec.taints).some((t) => t?.key === "nvidia.com/gpu" && t?.value === "true" && t?.effect === "NoSchedule");
            if (!tainted)
                report("GPU NodePool lacks the taint nvidia.com/gpu=true:NoSchedule: any pod could land on (and hold) a GPU node.");
        },
    }),
    resourceRule({
        id: "karpenter-nodepool-limits",
        level: "mandatory",
        sources: ["Karpenter docs: NodePools, spec.limits"],
        items: [4],
        summary: "Every Karpenter NodePool has limits (cpu or nvidia.com/gpu): without them it may launch without bound.",
        types: [karpenterNodePool],
        check: (props, { report }) => {
            const limits = props.spec?.limits ?? {};
            if (limits.cpu === undefined && limits["nvidia.com/gpu"] === undefined)
                report("NodePool has no cpu or nvidia.com/gpu limit: it could launch instances without bound.");
        },
    }),
    resourceRule({
        id: "karpenter-nodeclass-guarantees",
        level: "mandatory",
        sources: ["CKV_AWS_79", "CKV_AWS_8", "CKV_AWS_88", "CIS EKS 5.4.3"],
        items: [4, 5, 7],
        summary:
            "EC2NodeClasses require IMDSv2 with hop limit 1, encrypted gp3 root volumes, no public IP, subnets and AMI pinned (no 'latest' alias), and no user data.",
        types: [ec2NodeClass],
        check: (props, { report }) => {
            const spec = props.spec ?? {};
            const md = spec.metadataOptions ?? {};
            if (md.httpTokens !== "required") report('EC2NodeClass allows IMDSv1: set metadataOptions.httpTokens: "required".');
            if (md.httpPutResponseHopLimit !== 1) report("EC2NodeClass metadata hop limit is not 1: pods could reach the instance role.");
            const devices = list(spec.blockDeviceMappings).filter((m) => m?.ebs);
            if (devices.length === 0) report("EC2NodeClass declares no EBS block device: the root volume falls back to the AMI default.");
            for (const m of devices) {
                if (m.ebs.encrypted !== true) report(`EC2NodeClass volume ${m.deviceName ?? ""} is not encrypted.`);
                if (m.ebs.volumeType !== "gp3") report(`EC2NodeClass volume ${m.deviceName ?? ""} is not gp3.`);
            }
            if (spec.associatePublicIPAddress !== false)
                report("EC2NodeClass may give nodes a public IP: set associatePublicIPAddress: false.");
            if (list(spec.subnetSelectorTerms).some((t) => t?.id === undefined))
                report("EC2NodeClass selects subnets by tag: select the private subnets by ID.");
            if (list(spec.amiSelectorTerms).some((t) => /@latest$/.test(String(t?.alias ?? ""))))
                report("EC2NodeClass AMI alias is @latest: every AMI release would roll all nodes; pin a version.");
            if (spec.userData !== undefined)
                report("EC2NodeClass sets userData: no SSH keys or bootstrap changes outside the program's review.");
        },
    }),
];
