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
export function pool(
    name: string,
    instanceType: string | string[],
    min: number,
    max: number,
    diskGiB: number,
    capacityType: "ON_DEMAND" | "SPOT" = "ON_DEMAND",
): ResourceRecord[] {
    return [
        record("aws:eks/nodeGroup:NodeGroup", `nodes-${name}`, {
            instanceTypes: Array.isArray(instanceType) ? instanceType : [instanceType],
            capacityType,
            scalingConfig: { minSize: min, maxSize: max },
            labels: { "platform.company.io/pool": name },
        }),
        record("aws:ec2/launchTemplate:LaunchTemplate", `nodes-${name}`, { blockDeviceMappings: [{ ebs: { volumeSize: diskGiB } }] }),
    ];
}

/** The subnets of a network in `zones` (the inventory's region is read from them). */
export function subnets(zones: string[]): ResourceRecord[] {
    return zones.map((zone) => record("aws:ec2/subnet:Subnet", `network-private-${zone}`, { availabilityZone: zone }));
}
