"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

/**
 * Re-renders the server component every `intervalMs` while the page renders this, for at most
 * `stopAfterMs`: then it says the payment is still processing and offers a button instead, so
 * a tab left open does not poll for ever.
 */
export function AutoRefresh({ intervalMs, stopAfterMs }: { intervalMs: number; stopAfterMs: number }) {
  const router = useRouter();
  const [stopped, setStopped] = useState(false);
  useEffect(() => {
    if (stopped) return;
    const timer = setInterval(() => router.refresh(), intervalMs);
    const stop = setTimeout(() => setStopped(true), stopAfterMs);
    return () => {
      clearInterval(timer);
      clearTimeout(stop);
    };
  }, [router, intervalMs, stopAfterMs, stopped]);
  if (!stopped) return null;
  return (
    <div className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4" data-testid="still-processing">
      <p className="text-slate-800">
        Still processing. Polar has not confirmed this payment yet; it emails your receipt when it clears, and your plan
        changes by itself as soon as it does. You can close this page and check your{" "}
        <a href="/account" className="font-medium text-brand-700 underline">account</a> later.
      </p>
      <button
        type="button"
        onClick={() => router.refresh()}
        className="rounded-md border border-slate-300 bg-white px-4 py-2 font-medium hover:bg-slate-100"
      >
        Check again
      </button>
    </div>
  );
}
