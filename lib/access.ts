import "server-only";
import { connectDb } from "@/lib/db/connect";
import { getCurrentUser, getSessionEmail } from "@/lib/auth/session";
import { featureAllowance } from "@/lib/usage/allowance";
import type { Allowance } from "@/lib/usage/rules";
import type { UserView } from "@/lib/users";
import { Product } from "@/models/Product";
import type { Plan } from "@/models/User";

export type PlanCheck =
  | { status: "ok"; user: UserView }
  | { status: "signed-out" }
  | { status: "insufficient"; user: UserView };

/**
 * The rank a tier needs: the lowest rank of a product selling it (the catalogue is Polar's data;
 * a tier no product sells any more is out of reach).
 */
async function rankNeeded(plan: Plan): Promise<number> {
  await connectDb();
  const product = await Product.findOne({ plan }, { rank: 1 }).sort({ rank: 1 }).lean();
  return product?.rank ?? Number.POSITIVE_INFINITY;
}

/**
 * Whether the signed-in user holds `plan` (or a higher-ranked one) right now, read from MongoDB
 * and checked against the plan's end date: never from the session token, never a stale cache.
 * Ranks come from the products' metadata, so a tier added in Polar above Pro passes
 * `requirePlan("pro")` with no deploy. One helper for server components, route handlers and
 * server actions; each answers the three outcomes its own way (a redirect to sign-in, a 401, a
 * 403, an upsell).
 */
export async function requirePlan(plan: Plan): Promise<PlanCheck> {
  const user = await getCurrentUser();
  if (!user) return { status: "signed-out" };
  if (user.subscriptionStatus === plan) return { status: "ok", user };
  return user.planRank >= (await rankNeeded(plan)) ? { status: "ok", user } : { status: "insufficient", user };
}

export type EntitlementCheck =
  | { status: "ok"; email: string; allowance: Exclude<Allowance, { kind: "not-entitled" }> }
  | { status: "signed-out" }
  | { status: "not-entitled"; email: string };

/**
 * Whether the signed-in user holds `feature` now: a granted feature-flag benefit with that
 * `feature` in its metadata (Polar's data, so a plan gains or loses it with no deploy), and what is
 * left of it this period (lib/usage/rules.ts). Beside requirePlan, for what a plan includes rather
 * than which plan it is.
 */
export async function requireEntitlement(feature: string): Promise<EntitlementCheck> {
  const email = await getSessionEmail();
  if (!email) return { status: "signed-out" };
  const allowance = await featureAllowance(email, feature);
  return allowance.kind === "not-entitled" ? { status: "not-entitled", email } : { status: "ok", email, allowance };
}
