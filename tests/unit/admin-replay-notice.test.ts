import { describe, expect, it } from "vitest";
import { replayNotice } from "@/lib/admin/replay-notice";

describe("replayNotice: /admin shows only what its Replay action can redirect with", () => {
  it("a known outcome, with the webhook-id", () => {
    expect(replayNotice("applied", "msg_2abc")).toEqual({ id: "msg_2abc", message: "Replayed: the event is applied." });
    expect(replayNotice("invalid", undefined)).toEqual({ id: null, message: "That was not a webhook-id." });
  });

  it("an outcome it does not know: nothing at all (the page used to echo it)", () => {
    expect(replayNotice("Your account is locked, call +1 555 0100", "msg_1")).toBeNull();
    expect(replayNotice("toString", "msg_1")).toBeNull();
  });

  it("an id the action would never accept (spaces, markup, too long): the outcome without it", () => {
    expect(replayNotice("applied", "call us now")).toEqual({ id: null, message: "Replayed: the event is applied." });
    expect(replayNotice("applied", "x".repeat(129))?.id).toBeNull();
  });
});
