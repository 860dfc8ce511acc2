import * as pulumi from "@pulumi/pulumi";
import { createBootstrap } from "./bootstrap";

// The bootstrap program: reads the stack config and builds the resources (bootstrap.ts, where they
// are testable as a function). Run from this directory with `pulumi up`; see README.md.
const config = new pulumi.Config();
const bootstrap = createBootstrap({
    stateBucket: config.get("stateBucket"),
    secretsKeyAlias: config.get("secretsKeyAlias"),
    keyAdministratorArns: config.getObject<string[]>("keyAdministratorArns"),
    noncurrentVersionDays: config.getNumber("noncurrentVersionDays"),
    createGithubOidcProvider: config.getBoolean("createGithubOidcProvider"),
    environments: config.getObject<string[]>("environments"),
});

/** The bucket's root URL; each stack logs in to its own prefix (`environments.<env>.backendUrl`). */
export const backendUrl = bootstrap.outputs.backendUrl;
/** The earlier shared secrets provider, kept until every stack has its own key. */
export const secretsProvider = bootstrap.outputs.secretsProvider;
/**
 * Per environment: `backendUrl` (`pulumi login`, GitHub environment variable PULUMI_BACKEND_URL),
 * `secretsProvider` (`pulumi stack init <env> --secrets-provider`), `secretsKeyArn`, `permissionsBoundaryArn`.
 */
export const environments = bootstrap.outputs.environments;
export const stateBucketName = bootstrap.outputs.stateBucketName;
export const stateBucketArn = bootstrap.outputs.stateBucketArn;
export const secretsKeyArn = bootstrap.outputs.secretsKeyArn;
export const secretsKeyAlias = bootstrap.outputs.secretsKeyAlias;
export const githubOidcProviderArn = bootstrap.outputs.githubOidcProviderArn;
