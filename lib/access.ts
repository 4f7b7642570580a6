import "server-only";
import { getCurrentUser } from "@/lib/session";
import type { UserView } from "@/lib/users";
import { PLANS, type Plan } from "@/models/User";

export type PlanCheck =
  | { status: "ok"; user: UserView }
  | { status: "signed-out" }
  | { status: "insufficient"; user: UserView };

const rank = (plan: Plan) => PLANS.indexOf(plan);

/**
 * Whether the signed-in user holds `plan` (or a higher one) right now, read from MongoDB and
 * checked against the plan's end date: never from the session token, never a stale cache. One
 * helper for server components, route handlers and server actions; each answers the three
 * outcomes its own way (a redirect to sign-in, a 401, a 403, an upsell).
 */
export async function requirePlan(plan: Plan): Promise<PlanCheck> {
  const user = await getCurrentUser();
  if (!user) return { status: "signed-out" };
  return rank(user.subscriptionStatus) >= rank(plan) ? { status: "ok", user } : { status: "insufficient", user };
}
