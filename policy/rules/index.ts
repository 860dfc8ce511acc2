import { awsClusterRules } from "./aws-cluster";
import { awsIamRules } from "./aws-iam";
import { awsNodeRules } from "./aws-nodes";
import { awsStorageRules } from "./aws-storage";
import type { PlatformPolicy } from "./common";
import { k8sGitopsRules } from "./k8s-gitops";
import { k8sNamespaceRules } from "./k8s-namespaces";
import { k8sRbacRules } from "./k8s-rbac";
import { k8sWorkloadRules } from "./k8s-workloads";
import { reliabilityRules } from "./reliability";

/** The rules of the ml-platform policy pack, by area. `policy/index.ts` builds the pack from `policies`. */

export const packName = "ml-platform";

export const ruleAreas = {
    "aws-cluster": awsClusterRules,
    "aws-nodes": awsNodeRules,
    "aws-iam": awsIamRules,
    "aws-storage": awsStorageRules,
    "k8s-rbac": k8sRbacRules,
    "k8s-workloads": k8sWorkloadRules,
    "k8s-namespaces": k8sNamespaceRules,
    "k8s-gitops": k8sGitopsRules,
    reliability: reliabilityRules,
} as const satisfies Record<string, PlatformPolicy[]>;

export type RuleArea = keyof typeof ruleAreas;

/** Every rule, in area order. */
export const policies: PlatformPolicy[] = Object.values(ruleAreas).flat();

export type { PlatformPolicy } from "./common";
export { evaluate, fixture, type Finding, type InventoryResource, type PackConfig, type RuleCases, type RuleFixture } from "./evaluate";
