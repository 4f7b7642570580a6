import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { signInOptions } from "@/lib/auth/options";
import { getSessionEmail } from "@/lib/auth/session";
import { safeCallbackUrl } from "@/lib/auth/callback-url";
import { LOCAL_OIDC_PROVIDER_ID } from "@/lib/auth/sign-in-providers";
import { signInErrorMessage } from "@/lib/auth/sign-in-rules";
import { ProviderButtons } from "./ProviderButtons";

export const metadata: Metadata = { title: "Sign in" };

type Props = { searchParams: Promise<{ callbackUrl?: string; error?: string; provider?: string }> };

export default async function SignInPage({ searchParams }: Props) {
  const { callbackUrl, error, provider } = await searchParams;
  const target = safeCallbackUrl(callbackUrl);
  if (await getSessionEmail()) redirect(target);
  const options = signInOptions();
  return (
    <section className="mx-auto max-w-sm space-y-6">
      <h1 className="text-2xl font-bold">Sign in</h1>
      {error ? (
        <p role="alert" data-testid="signin-error" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800">
          {signInErrorMessage(error, provider)}
        </p>
      ) : null}
      <ProviderButtons options={options} callbackUrl={target} />
      {options.some((o) => o.id === LOCAL_OIDC_PROVIDER_ID) ? (
        <p className="text-xs text-slate-600">
          The local identity provider is for development: it signs in any email without a password and is never
          enabled in production.
        </p>
      ) : null}
    </section>
  );
}
