import { ResourceRecord } from "../../src/synth/inventory";

/** A hand-made inventory record: only what the plan arithmetic reads. */
export function record(
    type: string,
    name: string,
    inputs: Record<string, unknown> = {},
    dependsOn: string[] = [],
    custom = true,
): ResourceRecord {
    return { urn: `urn:${type}::${name}`, type, name, parent: null, dependsOn, provider: null, custom, protect: false, inputs };
}

/** A node group and its launch template, as the AWS layer creates them. */
export function pool(name: string, instanceType: string, min: number, max: number, diskGiB: number): ResourceRecord[] {
    return [
        record("aws:eks/nodeGroup:NodeGroup", `nodes-${name}`, {
            instanceTypes: [instanceType],
            scalingConfig: { minSize: min, maxSize: max },
            labels: { "platform.company.io/pool": name },
        }),
        record("aws:ec2/launchTemplate:LaunchTemplate", `nodes-${name}`, { blockDeviceMappings: [{ ebs: { volumeSize: diskGiB } }] }),
    ];
}
