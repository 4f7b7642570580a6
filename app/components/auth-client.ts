/**
 * next-auth's browser client, loaded when a sign-in or sign-out button is about to be used (pointer
 * over it, focus, click), not with the page: it brings Babel's runtime helpers along, about 10 kB
 * compressed that every page paid for in parse and hydration time and Lighthouse's total blocking
 * time. One import, so the chunk is fetched once.
 */
let loading: Promise<typeof import("next-auth/react")> | null = null;

export function loadAuthClient(): Promise<typeof import("next-auth/react")> {
  loading ??= import("next-auth/react");
  return loading;
}
