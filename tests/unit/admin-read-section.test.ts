import { describe, expect, it, vi } from "vitest";
import { readSection } from "@/lib/admin/read-section";
import { DatabaseUnavailableError } from "@/lib/db/connect";

describe("readSection", () => {
  it("passes a section's value through", async () => {
    expect(await readSection("x", async () => 42)).toEqual({ ok: true, value: 42 });
  });

  it("turns a failure into that section's notice, naming an outage as one, and logs it", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await readSection("drift repairs", () => Promise.reject(new DatabaseUnavailableError(new Error("ECONNREFUSED"))))).toEqual({
      ok: false,
      message: "Could not read drift repairs: the database is unavailable; reload once it is back.",
    });
    expect(await readSection("the event log", () => Promise.reject(new TypeError("x is undefined")))).toEqual({
      ok: false,
      message: "Could not read the event log: an unexpected error; the server log has it.",
    });
    expect(log.mock.calls.map((c) => String(c[0]))).toEqual([
      "[admin] drift repairs not read: DatabaseUnavailableError: The database is unavailable",
      "[admin] the event log not read: TypeError: x is undefined",
    ]);
    log.mockRestore();
  });
});
