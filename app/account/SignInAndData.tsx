import { ChangeForm } from "@/app/components/ChangeForm";
import { ProviderButtons } from "@/app/components/ProviderButtons";
import type { SignInOption } from "@/lib/auth/options";
import type { BoundIdentity } from "@/lib/auth/identity-rules";
import { PROVIDER_NAMES, isProviderId } from "@/lib/auth/sign-in-providers";
import type { ActionState } from "@/lib/validated-action";

type Action = (prev: ActionState, formData: FormData) => Promise<ActionState>;

type Props = {
  email: string;
  identities: BoundIdentity[];
  /** Configured providers this account does not sign in with yet. */
  addable: SignInOption[];
  signOutEverywhere: Action;
  deleteAccount: Action;
};

/** How the user signs in, ending every session, and deleting the account (README "Your data"). */
export function SignInAndData({ email, identities, addable, signOutEverywhere, deleteAccount }: Props) {
  return (
    <div className="space-y-6" data-testid="sign-in-and-data">
      <div className="space-y-3">
        <h2 className="text-xl font-semibold">Sign-in</h2>
        <ul className="space-y-1 text-sm text-slate-700" data-testid="identities">
          {identities.map((i) => (
            <li key={`${i.provider}:${i.subject}`}>
              {isProviderId(i.provider) ? PROVIDER_NAMES[i.provider] : i.provider}{" "}
              <span className="font-mono text-xs text-slate-600">({i.provider}:{i.subject})</span>
            </li>
          ))}
        </ul>
        {addable.length > 0 ? (
          <div className="max-w-sm">
            <ProviderButtons options={addable} callbackUrl="/account" verb="Add" />
          </div>
        ) : null}
        <ChangeForm action={signOutEverywhere} fields={{}} label="Sign out everywhere" pendingLabel="Signing out…" testId="sign-out-everywhere" />
      </div>
      <details className="rounded-lg border border-red-200 bg-white p-4">
        <summary className="cursor-pointer font-medium text-red-800">Delete my account</summary>
        <div className="mt-3 space-y-2 text-sm text-slate-700">
          <p>
            Your subscription is canceled now, your account and sign-ins are deleted, and your payments are kept for
            accounting without your email. This cannot be undone.
          </p>
          <ChangeForm action={deleteAccount} fields={{}} label="Delete my account" pendingLabel="Deleting…" testId="delete-account">
            <label className="block">
              Type <strong>{email}</strong> to confirm
              <input name="confirm" type="email" autoComplete="off" required className="mt-1 block w-full max-w-sm rounded-md border border-slate-300 px-3 py-2" />
            </label>
          </ChangeForm>
        </div>
      </details>
    </div>
  );
}
