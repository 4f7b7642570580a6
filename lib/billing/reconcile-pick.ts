/**
 * Which users one reconciler run visits, pure: flagged users first (Polar's customer state
 * disagreed with ours), then users whose facts changed recently (a payment in flight), then paid
 * users least recently reconciled. Each tier may take only part of the run while a later one
 * has users waiting, so no tier starves the others: with a run of `limit`, at least a quarter of
 * it goes to paid users, and every paid user is visited within ceil(paid / (limit / 4)) runs
 * whatever the other tiers hold. Unused shares pass on to the tiers that still have users.
 */
export function fairPick<T extends { email: string }>(tiers: ReadonlyArray<readonly T[]>, limit: number): T[] {
  const seen = new Set<string>();
  // Each tier without the users an earlier tier already holds.
  const queues = tiers.map((tier) => tier.filter((u) => !seen.has(u.email) && seen.add(u.email)));
  const taken = queues.map(() => 0);
  let left = limit;
  // First pass: each tier up to its share (half of what is left while a later tier waits).
  queues.forEach((queue, i) => {
    const laterWaiting = queues.slice(i + 1).some((q) => q.length > 0);
    const share = laterWaiting ? Math.ceil(left / 2) : left;
    taken[i] = Math.min(queue.length, share);
    left -= taken[i]!;
  });
  // Second pass: what a tier did not use goes to the others, in tier order.
  queues.forEach((queue, i) => {
    const more = Math.min(queue.length - taken[i]!, left);
    taken[i]! += more;
    left -= more;
  });
  return queues.flatMap((queue, i) => queue.slice(0, taken[i]));
}
