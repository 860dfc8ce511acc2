import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { AwsContext } from "./context";
import { kmsKey } from "./kms";

export interface RegistriesArgs {
    ctx: AwsContext;
    registries: PlatformConfig["registries"];
}

type RegistryConfig = PlatformConfig["registries"][string];

/** ECR lifecycle policy: expire untagged images after N days, keep the newest N tagged ones. */
export function lifecyclePolicy(config: RegistryConfig): string {
    return JSON.stringify({
        rules: [
            {
                rulePriority: 1,
                description: `Expire untagged images after ${config.untaggedExpiryDays} days`,
                selection: {
                    tagStatus: "untagged",
                    countType: "sinceImagePushed",
                    countUnit: "days",
                    countNumber: config.untaggedExpiryDays,
                },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: `Keep the newest ${config.keepTaggedImages} tagged images`,
                selection: {
                    tagStatus: "tagged",
                    tagPatternList: ["*"],
                    countType: "imageCountMoreThan",
                    countNumber: config.keepTaggedImages,
                },
                action: { type: "expire" },
            },
        ],
    });
}

/**
 * ECR repositories from config, named `<environment>/<name>`: scan on push, immutable tags, KMS
 * encryption with the environment's registry key, lifecycle policy; no repository policy, so
 * nothing is public (CIS EKS 5.1.1, CKV_AWS_163/51/136).
 */
export class Registries extends pulumi.ComponentResource {
    /** Repository URL by registry name. */
    readonly urls: Record<string, pulumi.Output<string>> = {};
    readonly repositories: Record<string, aws.ecr.Repository> = {};
    /** The registry KMS key, when any repository exists. */
    readonly keyArn?: pulumi.Output<string>;

    constructor(name: string, args: RegistriesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Registries", name, {}, opts);
        const { ctx } = args;
        const entries = Object.entries(args.registries);
        const key = entries.length > 0 ? kmsKey("ecr", ctx, { description: `${ctx.name} container images` }, { parent: this }) : undefined;
        this.keyArn = key?.arn;
        for (const [repo, config] of entries) {
            const repository = new aws.ecr.Repository(
                `${name}-${repo}`,
                {
                    name: `${ctx.environment}/${repo}`,
                    imageTagMutability: "IMMUTABLE",
                    imageScanningConfiguration: { scanOnPush: true },
                    encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: key!.arn }],
                    forceDelete: false,
                    tags: { ...ctx.tags },
                },
                { parent: this, protect: ctx.protect },
            );
            new aws.ecr.LifecyclePolicy(
                `${name}-${repo}`,
                { repository: repository.name, policy: lifecyclePolicy(config) },
                { parent: this },
            );
            this.repositories[repo] = repository;
            this.urls[repo] = repository.repositoryUrl;
        }
        this.registerOutputs({ urls: this.urls });
    }
}
