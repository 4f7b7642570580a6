import "server-only";
import { isTransientDbError } from "@/lib/db/errors";
import { describeError } from "@/lib/redact";

export type SectionRead<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * One section's query for the streamed operator page. By the time it fails the page is already
 * on its way, so the failure becomes that section's own notice (and a server log line) instead
 * of an error that would replace the whole page: the operator most needs the page when the
 * database is in trouble.
 */
export async function readSection<T>(name: string, load: () => Promise<T>): Promise<SectionRead<T>> {
  try {
    return { ok: true, value: await load() };
  } catch (error) {
    console.error(`[admin] ${name} not read: ${describeError(error)}`);
    return {
      ok: false,
      message: `Could not read ${name}: ${isTransientDbError(error) ? "the database is unavailable; reload once it is back" : "an unexpected error; the server log has it"}.`,
    };
  }
}
