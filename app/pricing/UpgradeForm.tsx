"use client";

import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import type { startCheckout } from "./actions";
import { useAutoSubmit } from "./useAutoSubmit";
import { FormError } from "@/app/components/FormError";

function SubmitButton({ planName, trial }: { planName: string; trial: boolean }) {
  const { pending } = useFormStatus();
  // The accessible name starts with the visible words, so speech input can say what it sees.
  const label = trial ? "Start free trial" : "Upgrade";
  return (
    <button
      type="submit"
      disabled={pending}
      aria-label={trial ? `${label} of ${planName}` : `${label} to ${planName}`}
      className="w-full rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
    >
      {pending ? "Opening checkout…" : label}
    </button>
  );
}

type Props = { startCheckout: typeof startCheckout; productId: string; planName: string; trial: boolean; autoSubmit: boolean };

/**
 * One paid plan's Upgrade button. `autoSubmit` continues a checkout started before sign-in. The
 * action comes in as a prop from the server page rather than by import: an action a client module
 * imports is compiled in a React layer of its own, which would give the page a second Mongoose.
 */
export function UpgradeForm({ startCheckout, productId, planName, trial, autoSubmit }: Props) {
  const [state, action] = useActionState(startCheckout, {});
  const form = useAutoSubmit(autoSubmit);

  return (
    <form ref={form} action={action} className="space-y-2">
      <input type="hidden" name="productId" value={productId} />
      <SubmitButton planName={planName} trial={trial} />
      <FormError error={state.error} />
    </form>
  );
}
