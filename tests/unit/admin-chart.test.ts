import { describe, expect, it } from "vitest";
import { barPath } from "@/lib/admin/chart";

/** The bars a path draws, read back: the height of each unit-wide column (0 for none). */
function columns(d: string, width: number, height: number): number[] {
  const out = new Array<number>(width).fill(0);
  let x = 0;
  let y = height;
  for (const [, op, arg] of d.matchAll(/([MVhZ])\s*([\d.]*(?:\s[\d.]+)?)/g)) {
    if (op === "M") [x, y] = arg!.split(" ").map(Number) as [number, number];
    if (op === "V") y = Number(arg);
    if (op === "h") {
      for (let i = 0; i < Number(arg); i++) out[x + i] = height - y;
      x += Number(arg);
    }
  }
  return out;
}

describe("barPath", () => {
  it("draws each value as a column scaled to the largest, merging equal neighbours", () => {
    const d = barPath([0, 4, 4, 2, null, 1], 100);
    expect(d).toBe("M0 100h1V0h2V50h1V100h1V75h1V100Z");
    expect(columns(d, 6, 100)).toEqual([0, 100, 100, 50, 0, 25]);
  });

  it("keeps a tiny value visible and draws nothing for no data", () => {
    expect(columns(barPath([1000, 1], 100), 2, 100)).toEqual([100, 1]);
    expect(barPath([], 100)).toBe("");
    expect(barPath([0, null, 0], 100)).toBe("");
  });

  it("stays small for a full day of busy minutes", () => {
    const day = Array.from({ length: 1440 }, (_, i) => 1 + ((i * 7919) % 100));
    const d = barPath(day, 100);
    expect(columns(d, 1440, 100)).toEqual(day.map((v) => Math.max(1, Math.round((v / 100) * 100))));
    expect(d.length).toBeLessThan(1440 * 8);
  });
});
