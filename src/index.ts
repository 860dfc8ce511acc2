import { loadConfig } from "./config";

// Composition root. Config is validated before anything is registered: a bad stack file stops here.
const config = loadConfig();

export const environment = config.environment;
