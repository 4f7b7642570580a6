"use client";

import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import type { SignInOption } from "@/lib/auth";

export function SignInForm({ options, callbackUrl }: { options: SignInOption[]; callbackUrl: string }) {
  const [pending, setPending] = useState(false);
  const emailOption = options.find((o) => o.kind === "email");

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    const email = new FormData(event.currentTarget).get("email");
    await signIn(emailOption?.id ?? "local", { email: String(email ?? ""), callbackUrl });
  }

  return (
    <div className="space-y-4">
      {options
        .filter((o) => o.kind === "oauth")
        .map((o) => (
          <button
            key={o.id}
            type="button"
            onClick={() => void signIn(o.id, { callbackUrl })}
            className="w-full rounded-md border border-slate-300 bg-white px-4 py-2 font-medium hover:bg-slate-100"
          >
            Continue with {o.name}
          </button>
        ))}
      {emailOption ? (
        <form onSubmit={onSubmit} className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
          <label htmlFor="email" className="block text-sm font-medium text-slate-800">
            Email address
          </label>
          <input
            id="email"
            name="email"
            type="email"
            required
            autoComplete="email"
            className="w-full rounded-md border border-slate-400 px-3 py-2"
          />
          <button
            type="submit"
            disabled={pending}
            className="w-full rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
          >
            {pending ? "Signing in…" : "Sign in with email"}
          </button>
          <p className="text-xs text-slate-600">Local development sign-in: no password, never enabled in production.</p>
        </form>
      ) : null}
    </div>
  );
}
