"use client";

import { useActionState, type ReactNode } from "react";
import { useFormStatus } from "react-dom";
import type { ActionState } from "@/lib/validated-action";
import { FormError } from "@/app/components/FormError";

type Action = (prev: ActionState, formData: FormData) => Promise<ActionState>;

function Submit({ label, pendingLabel, tone }: { label: string; pendingLabel: string; tone: "primary" | "plain" }) {
  const { pending } = useFormStatus();
  const look =
    tone === "primary"
      ? "bg-brand-600 text-white hover:bg-brand-700"
      : "border border-slate-300 bg-white text-slate-900 hover:bg-slate-100";
  return (
    // Disabled while the action runs: a double click sends one request (the server also
    // serializes a subscriber's changes, for two tabs).
    <button type="submit" disabled={pending} className={`rounded-md px-4 py-2 font-medium disabled:opacity-60 ${look}`}>
      {pending ? pendingLabel : label}
    </button>
  );
}

type Props = {
  action: Action;
  /** Hidden fields the action reads (e.g. the product to switch to). */
  fields: Record<string, string>;
  label: string;
  pendingLabel: string;
  tone?: "primary" | "plain";
  /** Visible inputs (a reason, a date) placed before the button. */
  children?: ReactNode;
  testId?: string;
};

/**
 * One subscription change as a form posting to a server action (the action comes in as a prop
 * from the server page: see app/pricing/UpgradeForm.tsx for why). Done, the action sends the
 * browser to /account, which says what was done; refused, the reason shows here.
 */
export function ChangeForm({ action, fields, label, pendingLabel, tone = "plain", children, testId }: Props) {
  const [state, formAction] = useActionState(action, {});
  return (
    <form action={formAction} className="space-y-2" data-testid={testId}>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {children}
      <Submit label={label} pendingLabel={pendingLabel} tone={tone} />
      <FormError error={state.error} />
    </form>
  );
}
