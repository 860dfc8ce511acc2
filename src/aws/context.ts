import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";

/** What every AWS component needs to know about where it runs. */
export interface AwsContext {
    /** Prefix of every cloud name, `ml-platform-<environment>`; Pulumi names stay separate and stable. */
    readonly name: string;
    /** Environment name (`dev`, `staging`, `prod`). */
    readonly environment: string;
    readonly region: string;
    readonly accountId: pulumi.Output<string>;
    readonly partition: pulumi.Output<string>;
    /** Tags every taggable AWS resource carries. */
    readonly tags: Readonly<Record<string, string>>;
    /** Whether stateful resources are protected from deletion (config, not the stack name). */
    readonly protect: boolean;
}

export function awsContext(config: PlatformConfig): AwsContext {
    const identity = aws.getCallerIdentityOutput();
    return {
        name: `ml-platform-${config.environment}`,
        environment: config.environment,
        region: config.region,
        accountId: identity.accountId,
        partition: aws.getPartitionOutput().partition,
        tags: { "platform.company.io/environment": config.environment, "platform.company.io/managed-by": "pulumi-ml-platform" },
        protect: config.protectStatefulResources,
    };
}
