import { countCustomersByPlan } from "@/lib/admin/queries";
import { readSection } from "@/lib/admin/read-section";
import { Figure } from "./Figure";
import { SectionError } from "./SectionError";

export async function CustomersPanel({ now }: { now: Date }) {
  const read = await readSection("customers by plan", () => countCustomersByPlan(now));
  if (!read.ok) return <SectionError message={read.message} />;
  const plans = read.value;
  return (
    <dl className="grid grid-cols-3 gap-3" data-testid="plan-counts">
      <Figure label="Paid plans" value={String(plans.paid)} testId="plan-paid" />
      <Figure label="Free" value={String(plans.free)} testId="plan-free" />
      <Figure label="Paid, period ended (the cron turns them Free)" value={String(plans.lapsed)} testId="plan-lapsed" />
    </dl>
  );
}
