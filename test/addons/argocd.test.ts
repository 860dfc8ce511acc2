import { strict as assert } from "node:assert";
import { argocdQuota, argocdValues } from "../../src/addons/argocd";
import { findResource, ofType, ResourceRecord } from "../../src/synth/inventory";
import { planSubnets } from "../../src/aws/cidr";
import { stackNames } from "../../src/synth/stack-files";
import { configProblems, platformConfig, successfulRun } from "../harness";

/* ArgoCD per environment (SPEC §4, SECURITY.md 25): HA in prod, read-only default, restricted projects, the root app. */

type Values = ReturnType<typeof argocdValues>;
const release = (resources: ResourceRecord[]) => findResource(resources, "kubernetes:helm.sh/v3:Release", "argocd");
const values = (resources: ResourceRecord[]) => release(resources).inputs.values as Values;
const replicaCounts = (v: Values) => ({
    server: v.server.replicas,
    repoServer: v.repoServer.replicas,
    controller: v.controller.replicas,
    applicationSet: v.applicationSet.replicas,
    redisHa: v["redis-ha"].enabled,
});

describe("addons/argocd", () => {
    it("prod runs ArgoCD highly available: replicated server and repo-server, sharded controller, redis-ha, PDBs, spread over zones", async () => {
        const v = values((await successfulRun("prod")).resources);
        assert.deepEqual(replicaCounts(v), { server: 3, repoServer: 3, controller: 2, applicationSet: 2, redisHa: true });
        assert.equal(v.redis.enabled, false, "one redis only");
        for (const c of [v.server, v.repoServer, v.controller, v.applicationSet]) {
            assert.equal(c.pdb.enabled, true);
            assert.equal(c.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
        }
    });

    for (const stack of stackNames().filter((s) => !platformConfig(s).argocd.highAvailability)) {
        it(`${stack} runs as configured, without redis-ha or PDBs`, async () => {
            const v = values((await successfulRun(stack)).resources);
            const { argocd } = platformConfig(stack);
            assert.deepEqual(replicaCounts(v), {
                server: argocd.serverReplicas,
                repoServer: argocd.repoServerReplicas,
                controller: argocd.controllerShards,
                applicationSet: 1,
                redisHa: false,
            });
            assert.equal(v.server.pdb.enabled, false, "a PDB on one replica would block node drains");
        });
    }

    for (const stack of stackNames()) {
        it(`${stack}: read-only by default, admins from the configured group, pinned chart, UI at argocd.<domain> behind an internal ALB`, async () => {
            const { resources, outputs } = await successfulRun(stack);
            const r = release(resources);
            assert.deepEqual([r.inputs.chart, r.inputs.version, r.inputs.namespace], ["argo-cd", "10.1.1", "argocd"]);
            const v = values(resources);
            assert.equal(v.configs.rbac["policy.default"], "role:readonly");
            const config = platformConfig(stack);
            assert.equal(v.configs.rbac["policy.csv"], `g, ${config.argocd.adminGroup}, role:admin\n`);
            assert.equal(v.configs.secret.createSecret, false, "the admin secret comes from the secrets path");
            const domain = config.domain;
            assert.equal(v.server.ingress.hostname, `argocd.${domain}`);
            assert.equal(v.server.ingress.annotations["alb.ingress.kubernetes.io/listen-ports"], '[{"HTTPS":443}]');
            assert.equal(outputs!.argocdUrl, `https://argocd.${domain}`);
            const secret = resources.find((x) => (x.inputs.metadata as { name?: string })?.name === "argocd-secret")!;
            assert.ok(r.dependsOn.includes(secret.urn), "the admin secret exists before ArgoCD starts");
        });

        it(`${stack}: projects restrict repositories and destinations; the root app points at environments/${stack}`, async () => {
            const { resources } = await successfulRun(stack);
            const all = ofType(resources, "kubernetes:argoproj.io/v1alpha1:AppProject");
            assert.deepEqual(
                all.map((p) => (p.inputs.metadata as { name: string }).name).sort(),
                [`${stack}-apps`, "default", "platform"].sort(),
            );
            // The built-in default project is locked: no source, no destination, nothing cluster-wide.
            const locked = findResource(all, "kubernetes:argoproj.io/v1alpha1:AppProject", "argocd-project-default");
            assert.deepEqual(locked.inputs.spec, {
                description: (locked.inputs.spec as { description: string }).description,
                sourceRepos: [],
                destinations: [],
                clusterResourceWhitelist: [],
                namespaceResourceWhitelist: [],
            });
            const projects = all.filter((p) => p !== locked);
            for (const p of projects) {
                const spec = p.inputs.spec as { sourceRepos: string[]; destinations: { namespace: string; server: string }[] };
                assert.deepEqual(spec.sourceRepos, [platformConfig(stack).gitops.repoUrl]);
                for (const d of spec.destinations) {
                    assert.notEqual(d.namespace, "*");
                    assert.equal(d.server, "https://kubernetes.default.svc");
                }
            }
            const apps = findResource(projects, "kubernetes:argoproj.io/v1alpha1:AppProject", `argocd-project-${stack}-apps`);
            const tenants = (apps.inputs.spec as { destinations: { namespace: string }[] }).destinations.map((d) => d.namespace);
            assert.deepEqual(tenants, [`platform-${stack}`, "platform-mlops"], "never argocd, kube-system or another environment");
            const root = findResource(resources, "kubernetes:argoproj.io/v1alpha1:Application", `${stack}-root`);
            const spec = root.inputs.spec as { project: string; source: { path: string }; syncPolicy: { automated?: object } };
            assert.equal(spec.project, "platform", "never the unrestricted default project");
            assert.equal(spec.source.path, `environments/${stack}`);
            assert.equal(spec.syncPolicy.automated !== undefined, stack !== "prod", "prod syncs by hand (gitops.autoSync: false)");
            for (const p of projects) assert.ok(root.dependsOn.includes(p.urn), "its project exists first");
        });
    }

    it("the platform project may create Applications in argocd only, and no project anything cluster-wide", async () => {
        const { resources } = await successfulRun("dev");
        const platform = findResource(resources, "kubernetes:argoproj.io/v1alpha1:AppProject", "argocd-project-platform");
        const spec = platform.inputs.spec as Record<string, unknown>;
        assert.deepEqual(spec.destinations, [{ server: "https://kubernetes.default.svc", namespace: "argocd" }]);
        assert.deepEqual(spec.namespaceResourceWhitelist, [{ group: "argoproj.io", kind: "Application" }]);
        assert.deepEqual(spec.clusterResourceWhitelist, []);
    });

    it("network: the UI is reached only from the internal ALB's dedicated subnets; only the repo-server reaches the internet", async () => {
        const { resources } = await successfulRun("prod");
        const policy = (name: string) =>
            findResource(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", `argocd-${name}`).inputs.spec as {
                podSelector: { matchLabels?: Record<string, string> };
                ingress?: { from: { ipBlock: { cidr: string } }[]; ports: { port: number }[] }[];
                egress?: { to: { ipBlock: { cidr: string; except: string[] } }[]; ports: { port: number }[] }[];
            };
        const prodNetwork = platformConfig("prod").network;
        const lb = policy("allow-load-balancers");
        assert.deepEqual(lb.podSelector.matchLabels, { "app.kubernetes.io/name": "argocd-server" });
        assert.deepEqual(
            lb.ingress![0].from.map((f) => f.ipBlock.cidr),
            planSubnets(prodNetwork.vpcCidr, prodNetwork.availabilityZones).map((s) => s.internalLoadBalancerCidr),
            "the internal load balancers' dedicated subnets (no pods there)",
        );
        assert.deepEqual(
            lb.ingress![0].ports.map((p) => p.port),
            [8080],
        );
        const git = policy("allow-git-egress");
        assert.deepEqual(git.podSelector.matchLabels, { "app.kubernetes.io/name": "argocd-repo-server" });
        assert.deepEqual(git.egress![0].ports, [{ protocol: "TCP", port: 443 }]);
        assert.deepEqual(
            git.egress![0].to[0].ipBlock.except,
            [prodNetwork.vpcCidr, platformConfig("prod").cluster.serviceIpv4Cidr],
            "neither the VPC nor the Service CIDR (ClusterIPs, the API)",
        );
        policy("default-deny");
    });

    it("sizes the namespace quota from the replicas: HA needs more than a single set", () => {
        const single = { highAvailability: false, serverReplicas: 1, repoServerReplicas: 1, controllerShards: 1, adminGroup: "g" };
        const ha = { ...single, highAvailability: true, serverReplicas: 3, repoServerReplicas: 3, controllerShards: 2 };
        assert.deepEqual(argocdQuota(single), { cpu: 13, memoryGiB: 16, gpus: 0, pods: 17, persistentVolumeClaims: 0, storageGiB: 0 });
        assert.ok(argocdQuota(ha).cpu > argocdQuota(single).cpu && argocdQuota(ha).pods > argocdQuota(single).pods);
    });

    it("must fail: prod without HA, and HA with a single server", async () => {
        assert.deepEqual((await configProblems("prod", (v) => (v.argocd.highAvailability = false))).problems, [
            "ml-platform:argocd.highAvailability = false: tier production needs highly available ArgoCD",
        ]);
        assert.deepEqual((await configProblems("prod", (v) => (v.argocd.serverReplicas = 1))).problems, [
            "ml-platform:argocd.serverReplicas = 1: highly available ArgoCD needs ≥ 2 server and repo-server replicas",
        ]);
    });
});
