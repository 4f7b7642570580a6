"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { requireAdmin } from "@/lib/admin/access";
import { replayEvent } from "@/lib/webhooks/operator";
import { WEBHOOK_ID_PATTERN } from "@/lib/admin/replay-notice";

// A webhook-id as Polar sends it (Standard Webhooks: printable, no spaces), bounded.
const replayInput = z.object({ webhookId: z.string().trim().regex(WEBHOOK_ID_PATTERN) });

/**
 * The Replay button: the same path as `npm run webhooks -- replay <id>` (the applier a delivery
 * uses). An action is a public endpoint, so it checks the operator again; anyone else gets a 404.
 */
export async function replayWebhookEvent(formData: FormData): Promise<void> {
  await requireAdmin();
  const parsed = replayInput.safeParse(Object.fromEntries(formData));
  if (!parsed.success) redirect("/admin?replay=invalid#attention");
  const outcome = await replayEvent(parsed.data.webhookId);
  redirect(`/admin?replayed=${encodeURIComponent(parsed.data.webhookId)}&replay=${outcome}#attention`);
}
