import "server-only";
import { benefitsGet } from "@polar-sh/sdk/funcs/benefitsGet.js";
import { unwrapAsync } from "@polar-sh/sdk/types/fp.js";
import { polar } from "@/lib/polar/client";
import { factsHere, thisEnvironment } from "@/lib/billing/environment";
import { connectDb } from "@/lib/db/connect";
import { withKeyedLock } from "@/lib/db/keyed-lock";
import { writeNewer } from "@/lib/db/write-newer";
import { isErased } from "@/lib/erasure-tombstones";
import { BenefitGrant } from "@/models/BenefitGrant";
import { CustomerMeter } from "@/models/CustomerMeter";
import type { GrantFact, MeterFact } from "./facts";

/**
 * Every write of benefit grants and customer meters, as lib/billing/store.ts writes payments:
 * idempotent and order-independent (newer facts win, by Polar's own dates), tagged with this
 * deployment's Polar environment, dropped for a deleted account. One writer per grant or meter in
 * the process (lib/db/ferretdb-workarounds.ts, a).
 */

export async function recordGrant(fact: GrantFact): Promise<void> {
  await connectDb();
  if (!(await isErased(fact.email))) await writeGrant(fact);
}

async function writeGrant(fact: GrantFact): Promise<void> {
  // The customer state names a credit grant's benefit, not its meter: learnt from a webhook of the same benefit.
  const meterId = fact.meterId ?? (fact.benefitType === "meter_credit" ? await meterOfBenefit(fact.benefitId) : null);
  await withKeyedLock(`grant:${fact.polarGrantId}`, () =>
    writeNewer(BenefitGrant, { polarGrantId: fact.polarGrantId }, "polarModifiedAt", {
      customerEmail: fact.email,
      benefitId: fact.benefitId,
      benefitType: fact.benefitType,
      feature: fact.feature,
      ...(meterId ? { meterId } : {}),
      granted: fact.granted,
      polarModifiedAt: fact.polarModifiedAt,
      environment: thisEnvironment(),
    }),
  );
}

/** A credit benefit's meter: from a grant of it already stored, else asked of Polar once (then stored with the grant). */
async function meterOfBenefit(benefitId: string): Promise<string | null> {
  const known = await BenefitGrant.findOne({ benefitId, meterId: { $ne: null } }, { meterId: 1 }).lean();
  if (known?.meterId) return known.meterId;
  const benefit = await unwrapAsync(benefitsGet(polar(), { id: benefitId }));
  return benefit.type === "meter_credit" ? benefit.properties.meterId : null;
}

async function writeMeter(fact: MeterFact): Promise<void> {
  await withKeyedLock(`meter:${fact.email}:${fact.meterId}`, () =>
    writeNewer(CustomerMeter, { customerEmail: fact.email, meterId: fact.meterId }, "asOf", {
      consumedUnits: fact.consumedUnits,
      creditedUnits: fact.creditedUnits,
      balance: fact.balance,
      asOf: fact.asOf,
      environment: thisEnvironment(),
    }),
  );
}

/**
 * A customer state as of `asOf`: its grants and meters are recorded, and a grant we hold as
 * granted that the state no longer lists (and that no newer fact touched) is revoked. A team's
 * state (`grants` null) gives its meters only.
 */
export async function recordCustomerState(facts: { email: string; grants: GrantFact[] | null; meters: MeterFact[] }, asOf: Date): Promise<void> {
  await connectDb();
  if (await isErased(facts.email)) return;
  for (const meter of facts.meters) await writeMeter(meter);
  if (!facts.grants) return; // a team's state: no grants of the customer's own to compare
  for (const grant of facts.grants) await writeGrant(grant);
  const listed = facts.grants.map((g) => g.polarGrantId);
  await BenefitGrant.updateMany(
    { customerEmail: facts.email, granted: true, polarModifiedAt: { $lt: asOf }, polarGrantId: { $nin: listed }, ...factsHere() },
    { $set: { granted: false, polarModifiedAt: asOf } },
  );
}
