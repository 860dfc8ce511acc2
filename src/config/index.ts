export * from "./catalog";
export { ConfigError, configKey, formatProblem, loadConfig, parseConfig, PlatformConfig, projectName } from "./load";
export { ConfigProblem } from "./rules";
export { configSchema, NamespaceConfig, NodePoolConfig, RawConfig, secretConfigKeys, Tier, tiers } from "./schema";
