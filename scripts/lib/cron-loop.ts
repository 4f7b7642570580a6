/**
 * Locally there is no Vercel Cron: this calls the app's billing cron the way Vercel does
 * (GET with `Authorization: Bearer $CRON_SECRET`) every `everyMs`, from `npm run dev` and
 * `npm run services`. A run that finds the app not up yet is simply skipped.
 */
/** One call of the app's billing cron, as Vercel Cron makes it (the route allows itself 60 s). */
export function callBillingCron(appUrl: string, secret: string): Promise<Response> {
  return fetch(`${appUrl}/api/cron/billing`, { headers: { authorization: `Bearer ${secret}` }, signal: AbortSignal.timeout(60_000) });
}

export function startCronLoop(appUrl: string, secret: string, everyMs = 30_000, log: (line: string) => void = console.log): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const res = await callBillingCron(appUrl, secret);
      const report = (await res.json()) as { swept?: { applied?: number }; reconciled?: { repaired?: number }; plansRecomputed?: number };
      const did = (report.swept?.applied ?? 0) + (report.reconciled?.repaired ?? 0) + (report.plansRecomputed ?? 0);
      if (!res.ok) log(`[cron] /api/cron/billing answered ${res.status}`);
      else if (did > 0) log(`[cron] ${JSON.stringify(report)}`);
    } catch {
      // The app is not listening yet (or restarting): the next tick tries again.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  return () => clearInterval(timer);
}
