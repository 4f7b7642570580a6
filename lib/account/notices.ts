/**
 * What /account says when another route sends the browser there with a reason: a code in the
 * URL (`?portal=none`, `?checkout=subscribed`) from a fixed list, so a link never puts its own
 * text on the page. Pure.
 */
export interface AccountNoticeQuery {
  portal?: string;
  checkout?: string;
}

/** `plan`: the plan the page shows (its label, "Free" when none). */
export function accountNotice(query: AccountNoticeQuery, plan: string): string | null {
  if (query.portal === "none") return "You have no billing account yet: buy a plan first, and Manage billing opens it here.";
  if (query.checkout === "subscribed") {
    // Polar showed a live subscription: either ours already, or one whose events are on their way.
    return plan !== "Free"
      ? `You already have ${plan}: change it here instead of buying it again.`
      : "You already have a subscription with Polar: it shows here within a few minutes. Change it here instead of buying a second one.";
  }
  return null;
}
