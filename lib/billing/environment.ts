import "server-only";
import { billingEnv } from "@/lib/env";
import { polarEnvironment, type PolarEnvironment } from "@/lib/polar/environment";

/**
 * This deployment's Polar environment, and the filters that keep another's data out of what it
 * reads. Several deployments may share one database (Preview on sandbox beside Production, the
 * README advises against it): each tags what it writes with its environment, and takes only its
 * own (or untagged, stored before the tags) as evidence of anything.
 */

/** Read on each call like the other billing settings (a test switches it). */
export function thisEnvironment(): PolarEnvironment {
  return polarEnvironment(billingEnv());
}

/** A payment or subscription query's condition: facts of this environment, or untagged. */
export function factsHere(here: PolarEnvironment = thisEnvironment()): { environment: { $in: Array<PolarEnvironment | null> } } {
  return { environment: { $in: [here, null] } };
}

/**
 * A user query's condition: users whose billing fields (plan cache, customer link, reconciler
 * flags) this environment wrote, or that no environment tagged yet.
 */
export function usersHere(here: PolarEnvironment = thisEnvironment()): { billingEnvironment: { $in: Array<PolarEnvironment | null> } } {
  return { billingEnvironment: { $in: [here, null] } };
}
