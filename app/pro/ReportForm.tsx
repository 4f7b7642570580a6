"use client";

import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import type { ActionState } from "@/lib/validated-action";

type Action = (prev: ActionState, formData: FormData) => Promise<ActionState>;

function Submit() {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending} className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60">
      {pending ? "Generating…" : "Generate report"}
    </button>
  );
}

/**
 * One report per submit. `idempotencyKey` is drawn per page render; after each answer the page
 * is rendered again (the action's revalidation) with the count and a new key.
 */
export function ReportForm({ action, idempotencyKey }: { action: Action; idempotencyKey: string }) {
  const [state, formAction] = useActionState(action, {});
  return (
    <form action={formAction} className="space-y-2" data-testid="report-form">
      <input type="hidden" name="key" value={idempotencyKey} />
      <Submit />
      {state.error ? (
        <p role="alert" className="text-sm text-red-700" data-testid="report-refused">{state.error}</p>
      ) : state.notice ? (
        <p role="status" className="text-sm text-emerald-800" data-testid="report-ready">{state.notice}</p>
      ) : null}
    </form>
  );
}
