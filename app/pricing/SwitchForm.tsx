"use client";

import { useState } from "react";
import { ChangeForm } from "@/app/components/ChangeForm";
import type { ActionState } from "@/lib/validated-action";

type Props = {
  switchPlan: (prev: ActionState, formData: FormData) => Promise<ActionState>;
  productId: string;
  planName: string;
  /** What the switch does and costs, worded on the server (Polar's proration rule). */
  preview: string;
  confirmLabel: string;
};

/**
 * A subscriber's Switch button: the first click shows what the switch costs and when it takes
 * effect; only the confirmation posts the change.
 */
export function SwitchForm({ switchPlan, productId, planName, preview, confirmLabel }: Props) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button
        type="button"
        onClick={() => setConfirming(true)}
        className="w-full rounded-md border border-brand-600 bg-white px-4 py-2 font-medium text-brand-700 hover:bg-brand-50"
      >
        Switch to {planName}
      </button>
    );
  }
  return (
    <div className="space-y-2 rounded-md bg-slate-50 p-3" data-testid="switch-confirm">
      <p className="text-sm text-slate-800" data-testid="switch-preview">{preview}</p>
      <ChangeForm action={switchPlan} fields={{ productId }} label={confirmLabel} pendingLabel="Switching…" tone="primary" />
      <button type="button" onClick={() => setConfirming(false)} className="text-sm text-slate-600 underline">
        Not now
      </button>
    </div>
  );
}
