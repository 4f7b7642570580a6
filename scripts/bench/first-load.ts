/**
 * Each route's First Load JS, in kB, from the route table `next build` prints (Next 15.5):
 *
 *   Route (app)                                 Size  First Load JS
 *   ┌ ƒ /                                      168 B         106 kB
 *   ├ ○ /icon.svg                                0 B            0 B
 *   + First Load JS shared by all             103 kB
 *
 * Sizes are Next's (prettyBytes: 1 kB = 1000 B), returned in kB. Rows of the shared-chunks list,
 * the middleware line, and the paths listed under a prerendered dynamic route (`├   ├ /blog/a`)
 * are not routes of their own and are skipped. Colour codes (a build run in a terminal) are ignored.
 *
 * Next 15.5 counts a route's page entry (its `.next/app-build-manifest.json` entry `/<route>/page`)
 * and not the root layout's client chunks (`/layout`): what the Header's client components pull
 * in is in no route's figure. lighthouse.ts's `scriptKb` is what the browser really loaded.
 */
export function parseFirstLoadJs(buildStdout: string): Map<string, number> {
  const routes = new Map<string, number>();
  let inTable = false;
  for (const raw of buildStdout.split("\n")) {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, "").trimEnd();
    if (/^Route \((app|pages)\)/.test(line)) {
      inTable = true;
      continue;
    }
    if (!inTable) continue;
    if (line.startsWith("+") || line === "") {
      inTable = false;
      continue;
    }
    // A route row: a tree mark, a symbol (○ static, ● SSG, ƒ dynamic...), the path, Size, First Load JS.
    const row = /^[┌├└]\s+\S\s+(\/\S*)\s+([\d.]+\s*[kM]?B)\s+([\d.]+\s*[kM]?B)$/.exec(line);
    if (row) routes.set(row[1]!, toKb(row[3]!));
  }
  return routes;
}

function toKb(size: string): number {
  const [, n, unit] = /^([\d.]+)\s*([kM]?B)$/.exec(size)!;
  const scale = unit === "MB" ? 1000 : unit === "kB" ? 1 : 0.001;
  return Number((Number(n) * scale).toFixed(3));
}
