import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseFirstLoadJs } from "@/scripts/bench/first-load";

// What `next build` (Next 15.5.29) printed for this app, captured as is.
const build = readFileSync(new URL("./fixtures/next-build-15.5.txt", import.meta.url), "utf8");

describe("parseFirstLoadJs", () => {
  it("reads every route's First Load JS from a real build's table", () => {
    const routes = parseFirstLoadJs(build);
    expect(routes.get("/")).toBe(106);
    expect(routes.get("/pricing")).toBe(104);
    expect(routes.get("/confirmation")).toBe(106);
    expect(routes.get("/account")).toBe(106);
    expect(routes.get("/signin")).toBe(113);
    expect(routes.get("/api/auth/[...nextauth]")).toBe(103);
    expect(routes.get("/icon.svg")).toBe(0);
    expect(routes.size).toBe(12);
  });

  it("skips the shared chunks and the middleware, which are not routes", () => {
    const keys = [...parseFirstLoadJs(build).keys()];
    expect(keys.every((k) => k.startsWith("/"))).toBe(true);
    expect(keys.some((k) => k.includes("chunks"))).toBe(false);
  });

  it("converts B and MB, and ignores a terminal's colour codes and prerendered sub-paths", () => {
    const table = [
      "\x1b[4mRoute (app)\x1b[24m                                 Size  First Load JS",
      "┌ ○ /                                      512 B  \x1b[32m1.2 MB\x1b[39m",
      "├ ● /blog/[slug]                          1.5 kB         250 B",
      "├   ├ /blog/a",
      "└   └ /blog/b",
      "+ First Load JS shared by all             103 kB",
    ].join("\n");
    expect([...parseFirstLoadJs(table)]).toEqual([
      ["/", 1200],
      ["/blog/[slug]", 0.25],
    ]);
  });
});
