import "server-only";
import { factsHere } from "@/lib/billing/environment";
import { connectDb } from "@/lib/db/connect";
import { liveSubscriptionOf } from "@/lib/plan-changes/subscriber";
import { BenefitGrant } from "@/models/BenefitGrant";
import { CustomerMeter } from "@/models/CustomerMeter";
import { Product } from "@/models/Product";
import { meterHolderOf, type MeterHolder } from "./holder";
import { pendingUsage } from "./outbox";
import { allowanceOf, limitingMeters, type Allowance } from "./rules";

/**
 * What `email` may use of `feature` now (lib/usage/rules.ts), from the facts of this environment:
 * the benefits Polar granted, the meters' last snapshot (a team member's: the team's), the events Polar does not count yet, and
 * whether the live subscription's product bills usage past the credits.
 */
export async function featureAllowance(email: string, feature: string, known?: MeterHolder): Promise<Allowance> {
  await connectDb();
  // A team member's grants are their own; the credits they draw on are the team's pool (holder.ts).
  const holder = known ?? (await meterHolderOf(email));
  const [grants, meters, live] = await Promise.all([
    BenefitGrant.find({ customerEmail: email, ...factsHere() }, { benefitType: 1, feature: 1, meterId: 1, granted: 1 }).lean(),
    CustomerMeter.find({ customerEmail: holder.customer, ...factsHere() }, { meterId: 1, consumedUnits: 1, creditedUnits: 1, asOf: 1 }).lean(),
    liveSubscriptionOf(email),
  ]);
  const limiting = limitingMeters(feature, grants);
  const snapshots = meters.filter((m) => limiting.has(m.meterId)).map((m) => m.asOf);
  // The oldest snapshot: an event sent after it may be missing from that meter.
  const asOf = snapshots.length > 0 ? new Date(Math.min(...snapshots.map((d) => d.getTime()))) : null;
  const [pending, product] = await Promise.all([
    limiting.size > 0 ? pendingUsage(holder.customer, asOf) : Promise.resolve(0),
    live?.productId ? Product.findOne({ polarProductId: live.productId }, { meteredMeterIds: 1 }).lean() : Promise.resolve(null),
  ]);
  return allowanceOf({ feature, grants, meters, pending, overageMeters: new Set(product?.meteredMeterIds ?? []) });
}
