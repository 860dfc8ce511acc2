import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * The default StorageClass: EBS gp3 through the CSI driver, encrypted, bound when the pod is
 * scheduled (so the volume lands in the pod's zone), expandable. Where stateful resources are
 * protected, volumes are retained when their claim goes, so no data dies with a release.
 */
export function defaultStorageClass(name: string, retain: boolean, opts: pulumi.CustomResourceOptions): k8s.storage.v1.StorageClass {
    return new k8s.storage.v1.StorageClass(
        name,
        {
            metadata: { name: "gp3-encrypted", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
            provisioner: "ebs.csi.aws.com",
            parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
            reclaimPolicy: retain ? "Retain" : "Delete",
        },
        opts,
    );
}
