import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getSessionEmail, signInOptions } from "@/lib/auth";
import { safeCallbackUrl } from "@/lib/callback-url";
import { SignInForm } from "./SignInForm";

export const metadata: Metadata = { title: "Sign in" };

type Props = { searchParams: Promise<{ callbackUrl?: string; error?: string }> };

export default async function SignInPage({ searchParams }: Props) {
  const { callbackUrl, error } = await searchParams;
  const target = safeCallbackUrl(callbackUrl);
  if (await getSessionEmail()) redirect(target);
  return (
    <section className="mx-auto max-w-sm space-y-6">
      <h1 className="text-2xl font-bold">Sign in</h1>
      {error ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800">
          Sign-in failed. Check the email address and try again.
        </p>
      ) : null}
      <SignInForm options={signInOptions()} callbackUrl={target} />
    </section>
  );
}
