import { ResourceRecord } from "../synth/inventory";

/**
 * What the providers replace, and what we must never lose, per resource type the program uses:
 * the facts `npm run diff` reads. Paths are input property paths as the inventory records them
 * (`scalingConfig.minSize`, `spec.selector`); `[*]` matches any list index. A change at a path or
 * below it forces replacement.
 */

/** Replace-triggering input paths of one resource type, with where the fact comes from. */
export interface ReplaceRule {
    paths: readonly string[];
    source: string;
}

// The AWS provider is bridged from terraform-provider-aws: an attribute with `ForceNew: true` in
// the Terraform schema makes Pulumi replace the resource. Paths in Pulumi's camelCase.
const tfAws = (file: string) => `hashicorp/terraform-provider-aws v6 internal/service/${file} (ForceNew), bridged by pulumi/pulumi-aws v7`;
const pulumiK8s = "pulumi/pulumi-kubernetes provider/pkg/provider/diff.go forceNewProperties";

/** AWS, random and tls resource types: input paths whose change replaces the resource. */
export const replaceRules: Readonly<Record<string, ReplaceRule>> = {
    "aws:eks/cluster:Cluster": {
        paths: [
            "name",
            "roleArn",
            "bootstrapSelfManagedAddons",
            "accessConfig.bootstrapClusterCreatorAdminPermissions",
            "kubernetesNetworkConfig.serviceIpv4Cidr",
            "kubernetesNetworkConfig.ipFamily",
        ],
        source: `${tfAws("eks/cluster.go")}; removing encryptionConfig also replaces (ForceNewIfChange)`,
    },
    "aws:eks/nodeGroup:NodeGroup": {
        paths: [
            "clusterName",
            "nodeGroupName",
            "nodeGroupNamePrefix",
            "nodeRoleArn",
            "subnetIds",
            "instanceTypes",
            "amiType",
            "capacityType",
            "diskSize",
            "remoteAccess",
            "launchTemplate.id",
            "launchTemplate.name",
        ],
        source: tfAws("eks/node_group.go"),
    },
    "aws:eks/addon:Addon": { paths: ["clusterName", "addonName"], source: tfAws("eks/addon.go") },
    "aws:eks/accessEntry:AccessEntry": { paths: ["clusterName", "principalArn", "type"], source: tfAws("eks/access_entry.go") },
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": {
        paths: ["clusterName", "principalArn", "policyArn", "accessScope"],
        source: tfAws("eks/access_policy_association.go"),
    },
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": {
        paths: ["clusterName", "namespace", "serviceAccount"],
        source: tfAws("eks/pod_identity_association.go"),
    },
    "aws:ec2/launchTemplate:LaunchTemplate": {
        paths: ["name", "namePrefix"],
        source: `${tfAws("ec2/ec2_launch_template.go")}; other changes add a version`,
    },
    "aws:ec2/vpc:Vpc": { paths: ["cidrBlock", "instanceTenancy"], source: tfAws("ec2/vpc_.go") },
    "aws:ec2/subnet:Subnet": {
        paths: ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"],
        source: tfAws("ec2/vpc_subnet.go"),
    },
    "aws:ec2/routeTable:RouteTable": { paths: ["vpcId"], source: tfAws("ec2/vpc_route_table.go") },
    "aws:ec2/routeTableAssociation:RouteTableAssociation": {
        paths: ["subnetId", "gatewayId"],
        source: tfAws("ec2/vpc_route_table_association.go"),
    },
    "aws:ec2/eip:Eip": { paths: ["domain", "publicIpv4Pool"], source: tfAws("ec2/ec2_eip.go") },
    "aws:ec2/natGateway:NatGateway": {
        paths: ["allocationId", "subnetId", "connectivityType", "privateIp"],
        source: tfAws("ec2/vpc_nat_gateway.go"),
    },
    "aws:ec2/flowLog:FlowLog": {
        paths: [
            "vpcId",
            "subnetId",
            "logDestination",
            "logDestinationType",
            "trafficType",
            "iamRoleArn",
            "maxAggregationInterval",
            "logFormat",
        ],
        source: tfAws("ec2/vpc_flow_log.go"),
    },
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": { paths: ["vpcId"], source: tfAws("ec2/vpc_default_security_group.go") },
    "aws:iam/role:Role": { paths: ["name", "namePrefix", "path"], source: tfAws("iam/role.go") },
    "aws:iam/policy:Policy": { paths: ["name", "namePrefix", "path"], source: tfAws("iam/policy.go") },
    "aws:iam/rolePolicy:RolePolicy": { paths: ["name", "namePrefix", "role"], source: tfAws("iam/role_policy.go") },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { paths: ["role", "policyArn"], source: tfAws("iam/role_policy_attachment.go") },
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": { paths: ["url"], source: tfAws("iam/openid_connect_provider.go") },
    "aws:kms/key:Key": {
        paths: ["customerMasterKeySpec", "keySpec", "keyUsage", "multiRegion", "xksKeyId", "customKeyStoreId"],
        source: tfAws("kms/key.go"),
    },
    "aws:kms/alias:Alias": { paths: ["name", "namePrefix"], source: tfAws("kms/alias.go") },
    "aws:ecr/repository:Repository": { paths: ["name", "encryptionConfigurations"], source: tfAws("ecr/repository.go") },
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": { paths: ["repository"], source: tfAws("ecr/lifecycle_policy.go") },
    "aws:cloudwatch/logGroup:LogGroup": { paths: ["name", "namePrefix"], source: tfAws("logs/group.go") },
    "aws:autoscaling/tag:Tag": { paths: ["autoscalingGroupName", "tag.key"], source: tfAws("autoscaling/group_tag.go") },
    "aws:s3/bucket:Bucket": { paths: ["bucket", "bucketPrefix"], source: tfAws("s3/bucket.go") },
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": { paths: ["bucket"], source: tfAws("s3/bucket_public_access_block.go") },
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
        paths: ["bucket", "expectedBucketOwner"],
        source: tfAws("s3/bucket_server_side_encryption_configuration.go"),
    },
    "aws:s3/bucketVersioning:BucketVersioning": { paths: ["bucket", "expectedBucketOwner"], source: tfAws("s3/bucket_versioning.go") },
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {
        paths: ["bucket"],
        source: tfAws("s3/bucket_lifecycle_configuration.go"),
    },
    "aws:s3/bucketPolicy:BucketPolicy": { paths: ["bucket"], source: tfAws("s3/bucket_policy.go") },
    // Every argument of these is ForceNew: a new length or key means a new value.
    "random:index/randomPassword:RandomPassword": {
        paths: [""],
        source: "pulumi/pulumi-random (terraform-provider-random resource_password.go: every argument ForceNew)",
    },
    "tls:index/privateKey:PrivateKey": {
        paths: [""],
        source: "pulumi/pulumi-tls (terraform-provider-tls resource_private_key.go: every argument RequiresReplace)",
    },
    "tls:index/selfSignedCert:SelfSignedCert": {
        paths: [""],
        source: "pulumi/pulumi-tls (terraform-provider-tls resource_self_signed_cert.go: every argument RequiresReplace)",
    },
};

const selector = (p: string) => [p, `${p}.matchLabels`, `${p}.matchExpressions`];

/** Kubernetes kinds (`<group>/<version>:<Kind>` of the type token): replace-triggering paths besides metadata.name/namespace. */
export const kubernetesReplaceRules: Readonly<Record<string, ReplaceRule>> = {
    "apps/v1:Deployment": { paths: selector("spec.selector"), source: pulumiK8s },
    "apps/v1:DaemonSet": { paths: selector("spec.selector"), source: pulumiK8s },
    "apps/v1:StatefulSet": {
        paths: [
            "spec.podManagementPolicy",
            "spec.revisionHistoryLimit",
            "spec.serviceName",
            "spec.volumeClaimTemplates",
            ...selector("spec.selector"),
        ],
        source: pulumiK8s,
    },
    "batch/v1:Job": { paths: ["spec.completions", "spec.parallelism", "spec.template", ...selector("spec.selector")], source: pulumiK8s },
    "core/v1:ConfigMap": { paths: ["data", "binaryData"], source: pulumiK8s },
    "core/v1:Secret": { paths: ["type", "data", "stringData"], source: pulumiK8s },
    "core/v1:Service": { paths: ["spec.clusterIP"], source: pulumiK8s },
    "core/v1:ResourceQuota": { paths: ["spec.scopes"], source: pulumiK8s },
    "core/v1:PersistentVolumeClaim": {
        paths: ["spec.accessModes", "spec.selector", "spec.storageClassName", "spec.volumeName", "spec.resources.limits"],
        source: `${pulumiK8s}; a request may grow in place where the StorageClass allows expansion`,
    },
    "rbac.authorization.k8s.io/v1:RoleBinding": { paths: ["roleRef"], source: pulumiK8s },
    "rbac.authorization.k8s.io/v1:ClusterRoleBinding": { paths: ["roleRef"], source: pulumiK8s },
    "storage.k8s.io/v1:StorageClass": { paths: ["parameters", "provisioner"], source: pulumiK8s },
    // A Helm release is its name in its namespace: another name is another release.
    "helm.sh/v3:Release": { paths: ["name", "namespace"], source: "Helm release identity (pulumi/pulumi-kubernetes helm_release.go)" },
};

/** Every Kubernetes object is replaced when its name or namespace changes. */
export const kubernetesMetadataRule: ReplaceRule = { paths: ["metadata.name", "metadata.namespace"], source: pulumiK8s };

/** The replace rule for a type, or undefined when the provider updates every input in place. */
export function replaceRuleFor(type: string): ReplaceRule | undefined {
    if (replaceRules[type]) return replaceRules[type];
    if (!type.startsWith("kubernetes:")) return undefined;
    const kind = type.slice("kubernetes:".length);
    const specific = kubernetesReplaceRules[kind];
    if (kind.startsWith("helm.sh/")) return specific;
    return {
        paths: [...kubernetesMetadataRule.paths, ...(specific?.paths ?? [])],
        source: specific ? `${specific.source}` : kubernetesMetadataRule.source,
    };
}

/** What a resource holds that a replacement or deletion would lose. */
export interface StatefulRule {
    type: string;
    /** Only records this matches are stateful (e.g. Secrets that hold a sealing key). */
    when?: (r: ResourceRecord) => boolean;
    holds: string;
}

const labels = (r: ResourceRecord) =>
    ((r.inputs.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {}) as Record<string, string>;

/** Stateful resource types (SECURITY.md 30): replacing or deleting one loses data or the means to read it. */
export const statefulRules: readonly StatefulRule[] = [
    { type: "aws:eks/cluster:Cluster", holds: "the cluster itself: every workload, volume attachment and access entry" },
    {
        type: "aws:ec2/vpc:Vpc",
        holds: "the network the cluster lives in: an EKS cluster cannot move to another VPC (EKS user guide, 'View Amazon EKS networking requirements')",
    },
    { type: "aws:kms/key:Key", holds: "a KMS key: data encrypted with it cannot be read once it is deleted" },
    { type: "aws:ecr/repository:Repository", holds: "container images" },
    { type: "aws:s3/bucket:Bucket", holds: "objects (backups, artifacts, models)" },
    { type: "aws:cloudwatch/logGroup:LogGroup", holds: "control-plane audit logs" },
    { type: "kubernetes:postgresql.cnpg.io/v1:Cluster", holds: "the PostgreSQL database and its volumes" },
    { type: "kubernetes:postgresql.cnpg.io/v1:Database", holds: "a PostgreSQL database" },
    { type: "kubernetes:minio.min.io/v2:Tenant", holds: "the MinIO object store and its volumes" },
    { type: "kubernetes:core/v1:PersistentVolumeClaim", holds: "a persistent volume" },
    { type: "kubernetes:core/v1:Namespace", holds: "a namespace: deleting it deletes everything in it, volumes included" },
    {
        type: "tls:index/privateKey:PrivateKey",
        holds: "a private key: what was sealed or signed with it stops working (sealing-key generations are append-only)",
    },
    {
        type: "kubernetes:core/v1:Secret",
        when: (r) => "sealedsecrets.bitnami.com/sealed-secrets-key" in labels(r),
        holds: "a Sealed Secrets key generation: every secret sealed with it becomes undecryptable (generations are append-only)",
    },
];

/** Why a resource is stateful, or undefined. */
export function statefulReason(r: ResourceRecord): string | undefined {
    return statefulRules.find((rule) => rule.type === r.type && (rule.when?.(r) ?? true))?.holds;
}

/**
 * Custom-resource fields the cluster refuses to change, from the CRDs' `x-kubernetes-validations`
 * (`self == oldSelf`) and the operators' webhooks. Extracted from cloudnative-pg chart 0.29.0
 * `crds/crds.yaml` and minio/operator 7.1.1 `minio.min.io_tenants.yaml`.
 */
export const immutableFields: Readonly<Record<string, readonly { path: string; source: string }[]>> = {
    "kubernetes:postgresql.cnpg.io/v1:Cluster": [{ path: "spec.serviceAccountName", source: "CNPG CRD: serviceAccountName is immutable" }],
    "kubernetes:postgresql.cnpg.io/v1:Database": [
        ...[
            "name",
            "cluster",
            "encoding",
            "locale",
            "localeProvider",
            "localeCollate",
            "localeCType",
            "icuLocale",
            "icuRules",
            "builtinLocale",
            "collationVersion",
            "template",
        ].map((f) => ({ path: `spec.${f}`, source: `CNPG CRD: ${f} is immutable` })),
    ],
    "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup": [
        { path: "spec.cluster", source: "CNPG CRD: cluster reference is immutable after creation" },
    ],
    "kubernetes:minio.min.io/v2:Tenant": [
        { path: "spec.pools[*].servers", source: "MinIO Tenant CRD: servers is immutable (expand by adding a pool)" },
        { path: "spec.pools[*].volumesPerServer", source: "MinIO Tenant CRD: volumesPerServer is immutable (expand by adding a pool)" },
        {
            path: "spec.pools[*].volumeClaimTemplate",
            source: "MinIO operator: a pool's drives are fixed once created (expand by adding a pool; minio/operator docs, 'Expand a Tenant')",
        },
    ],
};

/** True when a changed path is at or below a rule path (`[*]` matches any list index; "" matches everything). */
export function pathMatches(changed: string, rule: string): boolean {
    if (rule === "") return true;
    // Changed paths index lists with dots (`spec.pools.0.servers`): `[*]` matches `.<index>`.
    const pattern = new RegExp(`^${rule.replace(/[.]/g, "\\.").replace(/\[\*\]/g, "\\.\\d+")}(?:$|\\.)`);
    return pattern.test(changed);
}
