"use client";

import { useActionState, useState } from "react";
import { useFormStatus } from "react-dom";
import type { SeatPricing } from "@/lib/billing/facts";
import { formatPrice } from "@/lib/plans/offer";
import { seatsPrice } from "@/lib/teams/rules";
import type { startCheckout } from "./actions";
import { useAutoSubmit } from "./useAutoSubmit";
import { FormError } from "@/app/components/FormError";

function SubmitButton({ planName }: { planName: string }) {
  const { pending } = useFormStatus();
  return (
    <button
      type="submit"
      disabled={pending}
      aria-label={`Buy ${planName}`}
      className="w-full rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
    >
      {pending ? "Opening checkout…" : "Buy"}
    </button>
  );
}

type Props = {
  startCheckout: typeof startCheckout;
  productId: string;
  planName: string;
  interval: string | null;
  pricing: SeatPricing;
  min: number;
  max: number;
  initialSeats: number;
  autoSubmit: boolean;
};

/**
 * A team plan's card: the seat count, chosen within the price's bounds, and what it costs per
 * period by Polar's tiers (the server checks the count again; the client's figure is a preview).
 */
export function TeamForm({ startCheckout, productId, planName, interval, pricing, min, max, initialSeats, autoSubmit }: Props) {
  const [state, action] = useActionState(startCheckout, {});
  const [seats, setSeats] = useState(String(initialSeats));
  const form = useAutoSubmit(autoSubmit);
  const total = seatsPrice(pricing, Number(seats));

  return (
    <form ref={form} action={action} className="space-y-2">
      <input type="hidden" name="productId" value={productId} />
      <label className="flex items-center justify-between gap-3 text-slate-700">
        <span>Seats</span>
        <input
          type="number"
          name="seats"
          min={min}
          max={max}
          step={1}
          required
          value={seats}
          onChange={(e) => setSeats(e.target.value)}
          className="w-24 rounded-md border border-slate-300 px-2 py-1 text-right"
        />
      </label>
      <p className="text-sm text-slate-700" data-testid="team-total" aria-live="polite">
        {total === null ? `Choose ${min} to ${max} seats.` : `${formatPrice(total, pricing.currency)}${interval ? ` per ${interval}` : ""} for ${seats} seats`}
      </p>
      <SubmitButton planName={planName} />
      <FormError error={state.error} />
    </form>
  );
}
