import { existsSync, readFileSync } from "node:fs";
import { E2E_APP_LOG, E2E_STACK_ENV, findLeaks } from "../../scripts/lib/log-leaks";
import { readDotenv } from "../../scripts/lib/local-env";

/**
 * After every e2e test: the app server's whole output (every request of the run, errors included)
 * holds none of the run's emails and none of its secrets (lib/log-redaction.ts). Fails the run.
 */
export default function checkLogLeaks(): void {
  if (!existsSync(E2E_APP_LOG)) throw new Error(`${E2E_APP_LOG} is missing: the e2e server writes the app's output there`);
  const log = readFileSync(E2E_APP_LOG, "utf8");
  const leaks = findLeaks(log, readDotenv(E2E_STACK_ENV));
  if (leaks.length > 0) throw new Error(`The app's log of this e2e run leaks:\n  ${leaks.join("\n  ")}\n(see ${E2E_APP_LOG})`);
  console.log(`log leaks: ${log.split("\n").length} lines of the app's log, no email and no secret`);
}
