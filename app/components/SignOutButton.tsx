"use client";

import { loadAuthClient } from "./auth-client";

export function SignOutButton() {
  return (
    <button
      type="button"
      onPointerEnter={loadAuthClient}
      onFocus={loadAuthClient}
      onClick={() => void loadAuthClient().then(({ signOut }) => signOut({ callbackUrl: "/" }))}
      className="rounded-md border border-slate-300 px-3 py-1.5 text-slate-700 hover:bg-slate-100"
    >
      Sign out
    </button>
  );
}
