import { ChangeForm } from "@/app/components/ChangeForm";
import { CANCELLATION_REASONS } from "@/lib/plan-changes/manage";
import type { ActionState } from "@/lib/validated-action";

type Props = {
  action: (prev: ActionState, formData: FormData) => Promise<ActionState>;
  state: {
    status: string;
    cancelAtPeriodEnd: boolean;
    pauseAtPeriodEnd: boolean;
    pendingSwitch: boolean;
    currentName: string;
    periodEnd: string | null;
  };
};

const field = "mt-1 block w-full max-w-md rounded-md border border-slate-300 bg-white px-3 py-2";

/**
 * The subscription's own controls, each one Polar `subscriptions.update` call: what the state
 * allows and nothing else (Polar refuses the rest). Cards and invoices stay in Polar's portal
 * (Manage billing).
 */
export function ManageSubscription({ action, state }: Props) {
  const end = state.periodEnd ? ` on ${state.periodEnd}` : "";
  const live = state.status === "active" || state.status === "trialing";
  return (
    <div className="space-y-4 rounded-lg border border-slate-200 bg-white p-4" data-testid="manage-subscription">
      <h2 className="text-xl font-semibold">Your subscription: {state.currentName}</h2>
      <div className="divide-y divide-slate-200 [&>*]:py-4 [&>*:first-child]:pt-0 [&>*:last-child]:pb-0">
        {state.pendingSwitch ? (
          <ChangeForm action={action} fields={{ action: "keep-plan" }} label={`Keep ${state.currentName}`} pendingLabel="Canceling the switch…" testId="keep-plan" />
        ) : null}
        {state.cancelAtPeriodEnd ? (
          <ChangeForm action={action} fields={{ action: "uncancel" }} label="Keep my subscription" pendingLabel="Keeping it…" tone="primary" testId="uncancel" />
        ) : null}
        {state.pauseAtPeriodEnd ? (
          <ChangeForm action={action} fields={{ action: "unpause" }} label="Don't pause" pendingLabel="Canceling the pause…" testId="unpause" />
        ) : null}
        {state.status === "paused" ? (
          <ChangeForm action={action} fields={{ action: "resume" }} label="Resume now" pendingLabel="Resuming…" tone="primary" testId="resume" />
        ) : null}
        {state.status === "active" && !state.cancelAtPeriodEnd && !state.pauseAtPeriodEnd ? (
          <ChangeForm action={action} fields={{ action: "pause" }} label="Pause at period end" pendingLabel="Pausing…" testId="pause">
            <label className="block text-sm text-slate-700">
              Resume automatically on (optional)
              <input type="date" name="resumesOn" className={field} />
            </label>
            <p className="text-sm text-slate-600">You keep your plan until the period ends{end}; nothing is charged while paused.</p>
          </ChangeForm>
        ) : null}
        {live && !state.cancelAtPeriodEnd ? (
          <ChangeForm action={action} fields={{ action: "cancel" }} label="Cancel at period end" pendingLabel="Canceling…" testId="cancel">
            <label className="block text-sm text-slate-700">
              Why are you leaving? (optional)
              <select name="reason" defaultValue="" className={field}>
                <option value="">Rather not say</option>
                {Object.entries(CANCELLATION_REASONS).map(([value, label]) => (
                  <option key={value} value={value}>{label}</option>
                ))}
              </select>
            </label>
            <label className="block text-sm text-slate-700">
              Anything to add? (optional)
              <textarea name="comment" maxLength={500} rows={2} className={field} />
            </label>
            <p className="text-sm text-slate-600">Your plan stays until the period ends{end}.</p>
          </ChangeForm>
        ) : null}
      </div>
    </div>
  );
}
