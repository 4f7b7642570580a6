/**
 * What /admin says after a Replay, from the query its action redirected with: a known outcome
 * only, and the webhook-id only in the form the action accepts. A crafted link to /admin can
 * therefore put no text of its own on the operator's page. Pure.
 */
const MESSAGES: Record<string, string> = {
  applied: "Replayed: the event is applied.",
  ignored: "Replayed: nothing in it to apply.",
  "already-applied": "Already applied: nothing to do.",
  "not-found": "No event with that webhook-id.",
  busy: "Someone else is applying it right now; look again in a minute.",
  retry: "Replayed, but it failed again; it stays in the sweep's queue.",
  failed: "Replayed, but it failed again.",
  invalid: "That was not a webhook-id.",
};

/** The webhook-id form the Replay button posts (app/admin/replay/route.ts). */
export const WEBHOOK_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

export function replayNotice(outcome: string | undefined, replayed: string | undefined): { id: string | null; message: string } | null {
  if (!outcome || !Object.hasOwn(MESSAGES, outcome)) return null;
  const id = replayed && WEBHOOK_ID_PATTERN.test(replayed) ? replayed : null;
  return { id, message: MESSAGES[outcome]! };
}
