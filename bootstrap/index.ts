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
});

/** `pulumi login` this URL for the platform's stacks (GitHub variable PULUMI_BACKEND_URL). */
export const backendUrl = bootstrap.outputs.backendUrl;
/** `pulumi stack init <stack> --secrets-provider` this value. */
export const secretsProvider = bootstrap.outputs.secretsProvider;
export const stateBucketName = bootstrap.outputs.stateBucketName;
export const stateBucketArn = bootstrap.outputs.stateBucketArn;
export const secretsKeyArn = bootstrap.outputs.secretsKeyArn;
export const secretsKeyAlias = bootstrap.outputs.secretsKeyAlias;
export const githubOidcProviderArn = bootstrap.outputs.githubOidcProviderArn;
