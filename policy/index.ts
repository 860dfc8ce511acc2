import { PolicyPack } from "@pulumi/policy";
import { packName, policies } from "./rules";

// The pack only: rules live in ./rules, where tests call them without starting the pack's gRPC server.
new PolicyPack(packName, { policies });
