/**
 * What a subscription change did, as a code the action puts in the URL it sends the browser to
 * (`/account?done=switched`) and the account page words. A fixed list, so nothing a link carries
 * is ever shown as text. Pure.
 */
export const DONE = {
  switched: "Your plan is changed. Polar's prorated charge shows in your payments once it is confirmed.",
  scheduled: "Your switch is scheduled: it starts when your current period ends, and nothing is charged now.",
  kept: "The scheduled switch is canceled: your plan stays as it is.",
  canceled: "Your subscription is canceled: your plan stays until the period ends.",
  uncanceled: "Your subscription continues and renews as usual.",
  paused: "Your subscription pauses when this period ends; your plan stays until then.",
  unpaused: "The pause is canceled: your subscription renews as usual.",
  resumed: "Your subscription is active again. Polar charged the new period.",
} as const;
export type Done = keyof typeof DONE;

export function doneText(code: string | undefined): string | null {
  return code && Object.hasOwn(DONE, code) ? DONE[code as Done] : null;
}
