import "server-only";
import { HTTPValidationError } from "@polar-sh/sdk/models/errors/httpvalidationerror";
import { PolarError } from "@polar-sh/sdk/models/errors/polarerror";
import { describeChangeRefusal } from "@/lib/plan-changes/refusals";
import { describeError } from "@/lib/redact";

/**
 * Polar's refusals of a seat call (customer-seats: 400 for a seat it cannot give, 403 when seats
 * are not enabled, 404, 422) worded for the owner, with the detail for the log. Polar's own
 * sentence is kept: it names the rule (no seats left, already a member...).
 */
export function describeSeatRefusal(error: unknown, what: string): { message: string; log: string } {
  const log = `Polar refused ${what}: ${describeError(error)}`;
  if (error instanceof HTTPValidationError) {
    const said = error.detail?.map((d) => d.msg).find((m) => typeof m === "string" && m.trim() !== "");
    return { message: `Polar refused ${what}${said ? `: ${said}` : ""}. Nothing changed.`, log };
  }
  if (error instanceof PolarError && error.statusCode >= 400 && error.statusCode < 500 && error.statusCode !== 401) {
    const said = polarDetail(error.body);
    if (said) return { message: `Polar refused ${what}: ${said} Nothing changed.`, log };
  }
  return describeChangeRefusal(error);
}

/** Polar's `{"error": ..., "detail": "..."}` body's sentence, if it has one. */
function polarDetail(body: string): string | null {
  try {
    const parsed: unknown = JSON.parse(body);
    const detail = typeof parsed === "object" && parsed !== null ? (parsed as { detail?: unknown }).detail : undefined;
    if (typeof detail !== "string" || detail.trim() === "") return null;
    const sentence = detail.trim();
    return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
  } catch {
    return null;
  }
}
