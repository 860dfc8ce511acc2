import * as pulumi from "@pulumi/pulumi";

export interface KubeconfigArgs {
    name: pulumi.Input<string>;
    endpoint: pulumi.Input<string>;
    caData: pulumi.Input<string | undefined>;
    region: string;
}

/**
 * A kubeconfig that authenticates with `aws eks get-token`: no long-lived token is stored, and
 * whoever uses it acts with their own AWS identity (and its access entry).
 */
export function kubeconfig(args: KubeconfigArgs): pulumi.Output<string> {
    return pulumi.all([args.name, args.endpoint, args.caData]).apply(([name, endpoint, caData]) =>
        JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name, cluster: { server: endpoint, "certificate-authority-data": caData } }],
            contexts: [{ name, context: { cluster: name, user: name } }],
            "current-context": name,
            users: [
                {
                    name,
                    user: {
                        exec: {
                            apiVersion: "client.authentication.k8s.io/v1beta1",
                            command: "aws",
                            args: ["eks", "get-token", "--cluster-name", name, "--region", args.region, "--output", "json"],
                            interactiveMode: "Never",
                        },
                    },
                },
            ],
        }),
    );
}
