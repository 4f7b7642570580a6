/**
 * Runs once when the server starts: every console line is redacted from here on (lib/log-redaction.ts),
 * and a missing or malformed variable stops the app here, with a
 * message naming it, instead of surfacing later as a 500 on some request. The Node.js-only code is
 * imported inside the runtime check, the form the bundlers leave out of the Edge build (Turbopack
 * warned on every request about `process.exit` when it sat in this file).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { installLogRedaction } = await import("./lib/log-redaction");
    installLogRedaction();
    const { checkEnvAtStart } = await import("./lib/check-env-at-start");
    checkEnvAtStart();
  }
}
