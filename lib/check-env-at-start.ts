import "server-only";
import { env, EnvError } from "./env";

/** Stops the server at start on a missing or malformed variable, with a message naming it. */
export function checkEnvAtStart(): void {
  try {
    env();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(`\n${error.message}\n\nSee .env.local.example for every variable.\n`);
    process.exit(1);
  }
}
