import Link from "next/link";
import { getSessionEmail } from "@/lib/auth/session";
import { SignOutButton } from "./SignOutButton";

export async function Header() {
  const email = await getSessionEmail();
  return (
    <header className="border-b border-slate-200 bg-white">
      <nav aria-label="Main" className="mx-auto flex max-w-4xl items-center justify-between gap-4 px-4 py-3">
        <Link href="/" className="text-lg font-semibold text-slate-900">
          Acme <span className="text-brand-700">Pro</span>
        </Link>
        <div className="flex items-center gap-4 text-sm">
          <Link href="/pricing" className="text-slate-700 hover:text-slate-900">Pricing</Link>
          {email ? (
            <>
              <Link href="/team" className="text-slate-700 hover:text-slate-900">Team</Link>
              <Link href="/account" className="text-slate-700 hover:text-slate-900">Account</Link>
              <span className="hidden text-slate-600 sm:inline" data-testid="signed-in-as">{email}</span>
              <SignOutButton />
            </>
          ) : (
            <Link href="/signin" className="rounded-md bg-brand-600 px-3 py-1.5 font-medium text-white hover:bg-brand-700">
              Sign in
            </Link>
          )}
        </div>
      </nav>
    </header>
  );
}
