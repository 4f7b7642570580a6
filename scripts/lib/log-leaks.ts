import { SERVER_SECRET_NAMES } from "../../lib/log-redaction";

/** Where the e2e run's app server (`next start`) writes its output, and the stack's variables. */
export const E2E_APP_LOG = ".data/e2e/app.log";
export const E2E_STACK_ENV = ".data/e2e/local.env";

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;

/**
 * The lines of a server log that show an email or one of the deployment's secret values, each
 * given by its line number and what leaked (never the value itself: this report is a log too).
 */
export function findLeaks(log: string, env: Record<string, string | undefined>): string[] {
  const secrets = SERVER_SECRET_NAMES.flatMap((name) => (env[name] && env[name].length >= 8 ? [[name, env[name]] as const] : []));
  const leaks: string[] = [];
  log.split("\n").forEach((line, i) => {
    if (EMAIL.test(line)) leaks.push(`line ${i + 1}: an email`);
    for (const [name, value] of secrets) if (line.includes(value)) leaks.push(`line ${i + 1}: the value of ${name}`);
  });
  return leaks;
}
