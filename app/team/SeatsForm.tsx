"use client";

import { useState } from "react";
import { ChangeForm } from "@/app/components/ChangeForm";
import type { SeatPricing } from "@/lib/billing/facts";
import { formatPrice } from "@/lib/plans/offer";
import { checkSeatCount, seatChangePreview, seatsPrice } from "@/lib/teams/rules";
import type { ActionState } from "@/lib/validated-action";

type Props = {
  changeSeats: (prev: ActionState, formData: FormData) => Promise<ActionState>;
  teamId: string;
  seats: number;
  inUse: number;
  pricing: SeatPricing;
  interval: string;
  periodStart: string;
  periodEnd: string;
};

/**
 * The owner's seat count: choose a number, read what it costs now (Polar's per-second proration,
 * as a plan change's preview), then confirm. Only the confirmation posts; the server checks the
 * count again, and Polar has the last word.
 */
export function SeatsForm({ changeSeats, teamId, seats, inUse, pricing, interval, periodStart, periodEnd }: Props) {
  const [next, setNext] = useState(String(seats));
  const count = Number(next);
  const check = checkSeatCount(pricing, seats, inUse, count);
  const preview = check.ok
    ? seatChangePreview(pricing, { seats, interval, periodStart: new Date(periodStart), periodEnd: new Date(periodEnd) }, count, new Date())
    : null;
  const money = (cents: number) => formatPrice(cents, pricing.currency);
  const adding = count > seats;
  const perPeriod = money(seatsPrice(pricing, count) ?? 0);
  return (
    <div className="space-y-2">
      <label className="flex items-center gap-3 text-slate-700">
        <span>Seats</span>
        <input
          type="number"
          min={Math.max(inUse, pricing.minSeats)}
          step={1}
          value={next}
          onChange={(e) => setNext(e.target.value)}
          aria-label="Number of seats"
          className="w-24 rounded-md border border-slate-300 px-2 py-1 text-right"
        />
      </label>
      {preview ? (
        <div className="space-y-2 rounded-md bg-slate-50 p-3" data-testid="seats-confirm">
          <p className="text-sm text-slate-800" data-testid="seats-preview">
            {adding
              ? `${count - seats} more seat${count - seats === 1 ? "" : "s"}: about ${money(Math.max(preview.total, 0))} charged today for the rest of this period, then ${perPeriod} per ${interval}.`
              : `${seats - count} seat${seats - count === 1 ? "" : "s"} fewer: about ${money(Math.max(-preview.total, 0))} credited on your next invoice, then ${perPeriod} per ${interval}.`}{" "}
            (Polar&apos;s per-second proration, exact at the second you confirm.)
          </p>
          <ChangeForm
            action={changeSeats}
            fields={{ teamId, seats: String(count) }}
            label={adding ? `Confirm ${count} seats and pay ${money(Math.max(preview.total, 0))}` : `Confirm ${count} seats`}
            pendingLabel="Changing seats…"
            tone="primary"
            testId="seats-form"
          />
        </div>
      ) : next !== String(seats) && !check.ok ? (
        <p role="status" className="text-sm text-slate-700">{check.message}</p>
      ) : null}
    </div>
  );
}
