/**
 * Runs once when the server starts: a missing or malformed variable stops the app here, with a
 * message naming it, instead of surfacing later as a 500 on some request.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { env, EnvError } = await import("./lib/env");
  try {
    env();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(`\n${error.message}\n\nSee .env.local.example for every variable.\n`);
    process.exit(1);
  }
}
