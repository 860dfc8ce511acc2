export * from "./catalog";
export {
    ConfigError,
    configKey,
    formatProblem,
    loadConfig,
    NamespaceConfig,
    NodePoolConfig,
    parseConfig,
    PlatformConfig,
    projectName,
} from "./load";
export { ConfigProblem } from "./rules";
export { configSchema, RawConfig, secretConfigKeys, Tier, tiers } from "./schema";
