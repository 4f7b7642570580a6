import { countCustomersByPlan } from "@/lib/admin/queries";
import { Figure } from "./Figure";

export async function CustomersPanel({ now }: { now: Date }) {
  const plans = await countCustomersByPlan(now);
  return (
    <dl className="grid grid-cols-3 gap-3" data-testid="plan-counts">
      <Figure label="Pro" value={String(plans.pro)} testId="plan-pro" />
      <Figure label="Free" value={String(plans.free)} testId="plan-free" />
      <Figure label="Pro, period ended (the cron turns them Free)" value={String(plans.lapsed)} testId="plan-lapsed" />
    </dl>
  );
}
