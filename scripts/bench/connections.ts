import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** `rootPid` and every process below it (`next start` serves from a child process). */
export function processTree(rootPid: number): Set<number> {
  const parent = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent; the name (field 2) may hold spaces, hence the ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return tree;
}

/** Established TCP connections from these processes to the database port, as `ss` sees them. */
export function databaseConnections(pids: Set<number>, dbPort: number): number {
  const ss = spawnSync("ss", ["-tnpH", "state", "established", `( dport = :${dbPort} )`], { encoding: "utf8" });
  if (ss.status !== 0) throw new Error(`ss failed: ${ss.stderr}`);
  return ss.stdout.split("\n").filter((line) => [...line.matchAll(/pid=(\d+)/g)].some((m) => pids.has(Number(m[1])))).length;
}
