import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { environmentTag, managedByTag, stackManagedBy } from "./ci-scope";

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

/**
 * The stack's account: the one `aws:allowedAccountIds` names when it names exactly one (then no
 * caller is asked, so the plan is the same whoever renders it), else the caller's account.
 */
export function awsContext(config: PlatformConfig): AwsContext {
    const configured = config.allowedAccountIds?.length === 1 ? config.allowedAccountIds[0] : undefined;
    return {
        name: `ml-platform-${config.environment}`,
        environment: config.environment,
        region: config.region,
        accountId: configured !== undefined ? pulumi.output(configured) : aws.getCallerIdentityOutput().accountId,
        partition: aws.getPartitionOutput().partition,
        tags: { [environmentTag]: config.environment, [managedByTag]: stackManagedBy },
        protect: config.protectStatefulResources,
    };
}
