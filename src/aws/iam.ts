/**
 * IAM policy documents as plain data: built by pure functions, serialised with JSON.stringify,
 * and inspected by tests and the policy pack without parsing strings back.
 */

export interface Statement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: Record<string, string | string[]>;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

export function policy(...statements: Statement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

/** Trust policy for an AWS service principal such as `eks.amazonaws.com`. */
export function serviceTrust(...services: string[]): PolicyDocument {
    return policy({ Effect: "Allow", Principal: { Service: services.length === 1 ? services[0] : services }, Action: "sts:AssumeRole" });
}

/**
 * Trust policy for an OIDC identity (IRSA or GitHub Actions): only the listed subjects of this
 * provider, with the expected audience, may assume the role.
 */
export function webIdentityTrust(
    providerArn: string,
    issuerHost: string,
    subjects: string[],
    audience = "sts.amazonaws.com",
): PolicyDocument {
    // Wildcard subjects (GitHub's `repo:org/name:environment:*`) need StringLike; exact ones StringEquals.
    const subjectOperator = subjects.some((s) => s.includes("*")) ? "StringLike" : "StringEquals";
    const condition: Record<string, Record<string, string | string[]>> = { StringEquals: { [`${issuerHost}:aud`]: audience } };
    condition[subjectOperator] = { ...condition[subjectOperator], [`${issuerHost}:sub`]: subjects.length === 1 ? subjects[0] : subjects };
    return policy({
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: condition,
    });
}

/** Trust for a Kubernetes service account through IRSA. */
export function serviceAccountTrust(providerArn: string, issuerUrl: string, namespace: string, serviceAccount: string): PolicyDocument {
    return webIdentityTrust(providerArn, issuerUrl.replace(/^https:\/\//, ""), [`system:serviceaccount:${namespace}:${serviceAccount}`]);
}

/** ARN of an AWS managed policy. */
export function managedPolicyArn(partition: string, name: string): string {
    return `arn:${partition}:iam::aws:policy/${name}`;
}
