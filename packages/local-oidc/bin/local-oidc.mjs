#!/usr/bin/env node
// The `local-oidc` command. The provider is TypeScript run as is: tsx's loader is registered in
// this process (its documented API), then the CLI is imported. No build step.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
