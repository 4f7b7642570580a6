/**
 * Which Polar a deployment sells on, as a tag its billing facts carry. Polar's sandbox and
 * production are separate worlds (separate customers, subscriptions, tokens, webhook secrets),
 * and the emulator is a third: a fact from one never says anything about another. Pure.
 */
export const POLAR_ENVIRONMENTS = ["local", "sandbox", "production"] as const;
export type PolarEnvironment = (typeof POLAR_ENVIRONMENTS)[number];

/**
 * The environment a configuration talks to: "local" when POLAR_API_URL points the client
 * elsewhere than Polar (the emulator), else POLAR_SERVER. Mirrors lib/polar/client.ts, which
 * lets POLAR_API_URL win in the same way.
 */
export function polarEnvironment(e: { POLAR_API_URL?: string | undefined; POLAR_SERVER: "sandbox" | "production" }): PolarEnvironment {
  return e.POLAR_API_URL ? "local" : e.POLAR_SERVER;
}

/**
 * Whether something tagged `tag` belongs to the environment `here`. Untagged (null or missing)
 * is what was stored before facts recorded their environment: the deployment's own, since until
 * then a database served one deployment (the README gives Preview a database of its own).
 */
export function ofEnvironment(tag: string | null | undefined, here: PolarEnvironment): boolean {
  return tag === null || tag === undefined || tag === here;
}

/** The other environments than `here`: what a fact stored here should never be tagged with. */
export function otherEnvironments(here: PolarEnvironment): PolarEnvironment[] {
  return POLAR_ENVIRONMENTS.filter((e) => e !== here);
}

/**
 * Whether a deployment of `here` may take over a user whose billing fields (plan cache, customer
 * link, reconciler flags) a deployment of `owner` wrote, resetting them to its own: production
 * takes over anyone; no other environment takes over production's users, so a preview or a
 * laptop sharing production's database never resets a paying customer's plan there.
 */
export function mayTakeOver(here: PolarEnvironment, owner: string | null | undefined): boolean {
  return here === "production" || owner !== "production";
}
