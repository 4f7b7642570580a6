"use client";

import { useState } from "react";
import { loadAuthClient } from "./auth-client";
import type { SignInOption } from "@/lib/auth/options";

/**
 * One button per provider; each leaves for the provider and comes back to `callbackUrl`. On
 * /account (`verb` "Add") the same sign-in adds that provider to the signed-in account.
 */
export function ProviderButtons({ options, callbackUrl, verb = "Continue with" }: { options: SignInOption[]; callbackUrl: string; verb?: string }) {
  const [pending, setPending] = useState<string | null>(null);
  return (
    <div className="space-y-3">
      {options.map((o) => (
        <button
          key={o.id}
          type="button"
          disabled={pending !== null}
          onPointerEnter={loadAuthClient}
          onFocus={loadAuthClient}
          onClick={() => {
            setPending(o.id);
            void loadAuthClient().then(({ signIn }) => signIn(o.id, { callbackUrl }));
          }}
          className="w-full rounded-md border border-slate-400 bg-white px-4 py-2 font-medium text-slate-900 hover:bg-slate-100 disabled:opacity-60"
        >
          {pending === o.id ? "Redirecting…" : `${verb} ${o.name}`}
        </button>
      ))}
    </div>
  );
}
