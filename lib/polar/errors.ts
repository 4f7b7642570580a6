import "server-only";
import { PolarError } from "@polar-sh/sdk/models/errors/polarerror";
import { polarTarget } from "./client";
import { describeError } from "../redact";

/**
 * A message a user can act on for a failed Polar call, and the detail for the log. The most
 * common support question is a sandbox token used against production (or the reverse): say
 * which server answered.
 */
export function describePolarError(error: unknown): { message: string; log: string } {
  const target = polarTarget();
  const status = error instanceof PolarError ? error.statusCode : undefined;
  if (status === 401 || status === 403) {
    return {
      message: `Checkout is unavailable: ${target} rejected the app's access token. This is a configuration problem on our side; please try again later.`,
      log: `Polar ${status} from ${target}: check POLAR_ACCESS_TOKEN and POLAR_SERVER (sandbox and production tokens are separate)`,
    };
  }
  if (typeof status === "number") {
    return {
      message: `Checkout is unavailable: ${target} answered ${status}. Please try again in a moment.`,
      log: `Polar ${status} from ${target}: ${describeError(error)}`,
    };
  }
  return {
    message: `Checkout is unavailable: ${target} could not be reached. Please try again in a moment.`,
    log: `Polar unreachable (${target}): ${describeError(error)}`,
  };
}
