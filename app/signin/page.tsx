import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { signInOptions } from "@/lib/auth/options";
import { getSessionEmail } from "@/lib/auth/session";
import { safeCallbackUrl } from "@/lib/auth/callback-url";
import { LOCAL_OIDC_PROVIDER_ID } from "@/lib/auth/sign-in-providers";
import { signInErrorMessage } from "@/lib/auth/sign-in-rules";
import { ProviderButtons } from "@/app/components/ProviderButtons";

export const metadata: Metadata = { title: "Sign in" };

type Props = { searchParams: Promise<{ callbackUrl?: string; error?: string; provider?: string; uses?: string; notice?: string }> };

/** What /account's actions say once they sent the browser here. */
const notices: Record<string, string> = {
  "signed-out-everywhere": "You are signed out on every device.",
  "account-deleted": "Your account was deleted. Your subscription was canceled and your payments are kept without your email.",
};

export default async function SignInPage({ searchParams }: Props) {
  const { callbackUrl, error, provider, uses, notice } = await searchParams;
  const target = safeCallbackUrl(callbackUrl);
  if (await getSessionEmail()) redirect(target);
  const options = signInOptions();
  return (
    <section className="mx-auto max-w-sm space-y-6">
      <h1 className="text-2xl font-bold">Sign in</h1>
      {notice && Object.hasOwn(notices, notice) ? (
        <p role="status" data-testid="signin-notice" className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900">{notices[notice]}</p>
      ) : null}
      {error ? (
        <p role="alert" data-testid="signin-error" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800">
          {signInErrorMessage(error, provider, uses)}
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
