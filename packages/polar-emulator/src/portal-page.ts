import type { IncomingMessage, ServerResponse } from "node:http";
import { refundable } from "./balance";
import { DUNNING_RETRY_INTERVALS_MS } from "./dunning";
import type { Flows } from "./flows";
import { esc, interval, money, page } from "./html";
import { ApiError, readForm, redirect, sendHtml } from "./http";
import { priceLabel } from "./seat-pricing";
import { portalUrl } from "./serialize";
import type { CustomerSessionRecord, MemberRecord, Store, SubscriptionRecord } from "./store";

/**
 * A small stand-in for Polar's customer portal, opened from a customer session's
 * `customer_portal_url`: the customer's orders (Refund) and subscriptions (Cancel at period
 * end, Revoke now, a scheduled switch or pause, Resume), each action emitting Polar's webhooks,
 * plus the emulator's test controls (renewals, retries, the decline switch).
 */

export interface PortalPageDeps {
  store: Store;
  flows: Flows;
  baseUrl: () => string;
}

const NOTICES: Record<string, string> = {
  refunded: "The order was refunded.",
  canceled: "The subscription will end at the end of the current period.",
  revoked: "The subscription was revoked.",
  unchanged: "Nothing to change: that was already done.",
  renewed: "The subscription was renewed.",
  converted: "The trial ended: the first paid period has started.",
  "renewal-failed": "The renewal payment failed: the subscription is past due.",
  recovered: "The payment went through: the subscription is active again.",
  "partially-refunded": "Part of the order was refunded.",
  uncanceled: "The subscription was resumed.",
  "retry-declined": "The retry was declined: Polar tries again on the date shown.",
  "dunning-over": "The last retry was declined: the subscription was revoked.",
  paused: "The period ended: the subscription is paused.",
  resumed: "The subscription was resumed: a new period started and was charged.",
  "decline-on": "The next charge of your card will be declined.",
  "decline-off": "The next charge of your card will go through.",
};

const date = (iso: string | null): string => (iso ? iso.slice(0, 10) : "—");

/**
 * A team subscription's seats as Polar's portal lists them to its owner and billing managers:
 * who has each seat (the member's email) and whether it is pending or claimed, and how many are
 * left. Read-only here: seats are assigned and revoked through the API (`/v1/customer-seats`).
 */
function seatsSection(store: Store, subs: SubscriptionRecord[]): string {
  const teams = subs.filter((s) => s.seats !== null);
  return teams
    .map((s) => {
      const product = store.products.get(s.productId);
      const label = product ? priceLabel(product, s.seats) : s.productId;
      const seats = store.seatsOf({ subscriptionId: s.id }).filter((x) => x.status !== "revoked");
      const total = s.seats ?? 0;
      const id = `seats-${s.id}`;
      const rows = seats
        .map((x) => {
          const member = x.memberId ? store.members.get(x.memberId) : undefined;
          const who = x.email ?? member?.email ?? "—";
          const status = x.status === "claimed" ? `claimed ${date(x.claimedAt)}` : `pending, invitation valid until ${date(x.invitationTokenExpiresAt)}`;
          return `<tr><td>${esc(who)}</td><td>${esc(member?.role ?? "")}</td><td>${esc(status)}</td></tr>`;
        })
        .join("\n");
      return `<h3 id="${esc(id)}">Seats of ${esc(label)}: ${seats.length} of ${total} assigned, ${Math.max(0, total - seats.length)} available</h3>
${rows ? `<table aria-labelledby="${esc(id)}"><thead><tr><th scope="col">Member</th><th scope="col">Role</th><th scope="col">Seat</th></tr></thead><tbody>${rows}</tbody></table>` : "<p>No seat assigned yet.</p>"}`;
    })
    .join("\n");
}

/**
 * What a plain member (role `member`, signed in with a member session from a seat claim or
 * `member_id`) sees in Polar's portal: their own seats and benefits, not the team's billing.
 */
function memberView(store: Store, session: CustomerSessionRecord, member: MemberRecord): string {
  const seats = [...store.seats.values()].filter((x) => x.memberId === member.id && x.status !== "revoked");
  const rows = seats
    .map((x) => {
      const container = x.subscriptionId ? store.subscriptions.get(x.subscriptionId) : x.orderId ? store.orders.get(x.orderId) : undefined;
      const product = container ? store.products.get(container.productId) : undefined;
      return `<tr><td>${esc(product?.name ?? "—")}</td><td>${esc(x.status === "claimed" ? `claimed ${date(x.claimedAt)}` : "pending")}</td></tr>`;
    })
    .join("\n");
  const grants = [...store.grants.values()]
    .filter((g) => g.memberId === member.id && g.grantedAt !== null)
    .map((g) => `<li>${esc(store.benefits.get(g.benefitId)?.description ?? g.benefitId)}</li>`)
    .join("");
  const back = session.returnUrl ? `<p><a href="${esc(session.returnUrl)}">← Back to the app</a></p>` : "";
  return page(
    "Customer portal",
    `${back}
<h1>Your access</h1>
<p class="muted">Signed in as ${esc(member.email)}, a member of ${esc(store.customers.get(member.customerId)?.email ?? "a team")}</p>
<h2 id="your-seats">Your seats</h2>
${rows ? `<table aria-labelledby="your-seats"><thead><tr><th scope="col">Product</th><th scope="col">Seat</th></tr></thead><tbody>${rows}</tbody></table>` : "<p>No seat.</p>"}
<h2>Your benefits</h2>
${grants ? `<ul>${grants}</ul>` : "<p>No benefits.</p>"}`,
  );
}

function render(deps: PortalPageDeps, session: CustomerSessionRecord, notice: string | null): string {
  const { store } = deps;
  const member = session.memberId ? store.members.get(session.memberId) : undefined;
  if (member && member.role === "member") return memberView(store, session, member);
  const customer = store.customers.get(session.customerId);
  const token = esc(session.token);
  const hidden = `<input type="hidden" name="customer_session_token" value="${token}">`;
  const productName = (id: string) => store.products.get(id)?.name ?? id;

  const orders = store.ordersWhere((o) => o.customerId === session.customerId);
  const orderRows = orders
    .map((o) => {
      // A trial's $0 order, or a plan change's credit, has nothing to give back.
      const canRefund = (o.status === "paid" || o.status === "partially_refunded") && refundable(o) > 0;
      const action = canRefund
        ? `<form method="post" action="/portal/orders/${esc(o.id)}/refund">${hidden}<button type="submit" class="danger" aria-label="Refund order ${esc(o.invoiceNumber)}">Refund</button></form> ` +
          `<form method="post" action="/portal/orders/${esc(o.id)}/refund-part">${hidden}<button type="submit" class="secondary" aria-label="Refund part of order ${esc(o.invoiceNumber)}">Refund part</button></form>`
        : "";
      const status = o.refundedAmount > 0 && o.status === "partially_refunded" ? `${o.status} (${money(o.refundedAmount, o.currency)})` : o.status;
      return `<tr><td>${esc(date(o.createdAt))}</td><td>${esc(productName(o.productId))}</td><td>${esc(money(o.amount, o.currency))}</td><td>${esc(status)}</td><td><code>${esc(o.invoiceNumber)}</code></td><td>${action}</td></tr>`;
    })
    .join("\n");

  // Polar's dunning (dunning.ts): the pending renewal says which retry comes next, and when.
  const dunningText = (s: SubscriptionRecord): string => {
    const [o] = store.ordersWhere((x) => x.subscriptionId === s.id && x.status === "pending");
    return o?.nextPaymentAttemptAt ? `retry ${o.failedPayments} of ${DUNNING_RETRY_INTERVALS_MS.length} on ${date(o.nextPaymentAttemptAt)}` : "no retry scheduled";
  };
  const subs = store.subscriptionsWhere((s) => s.customerId === session.customerId);
  const subRows = subs
    .map((s) => {
      const product = store.products.get(s.productId);
      const label = product ? priceLabel(product, s.seats) : s.productId;
      // Polar's can_cancel: a billable subscription not already ending (a paused one can only be revoked).
      const billable = s.status === "active" || s.status === "trialing" || s.status === "past_due";
      const cancel =
        billable && !s.cancelAtPeriodEnd
          ? `<form method="post" action="/portal/subscriptions/${esc(s.id)}/cancel">${hidden}<button type="submit" class="secondary" aria-label="Cancel ${esc(label)} at period end">Cancel</button></form> `
          : "";
      const revoke =
        s.status !== "canceled"
          ? `<form method="post" action="/portal/subscriptions/${esc(s.id)}/revoke">${hidden}<button type="submit" class="danger" aria-label="Revoke ${esc(label)} now">Revoke now</button></form>`
          : "";
      const post = (action: string, text: string, aria: string, cls = "secondary") =>
        `<form method="post" action="/portal/subscriptions/${esc(s.id)}/${action}">${hidden}<button type="submit" class="${cls}" aria-label="${esc(aria)}">${text}</button></form> `;
      const lifecycle =
        // A trial converts the way a period renews (Polar's cycle), so the same buttons end it.
        ((s.status === "active" || s.status === "trialing") && !s.cancelAtPeriodEnd
          ? post("renew", "Renew now", `Renew ${label} now`, "") + post("renew-failing", "Renew with a failing card", `Renew ${label} with a failing card`)
          : "") +
        (s.status === "past_due"
          ? post("retry", "Retry payment", `Retry the payment of ${label}`, "") +
            post("retry-declined", "Next retry, declined", `Next scheduled retry of ${label}, declined`)
          : "") +
        (s.status !== "canceled" && s.cancelAtPeriodEnd ? post("uncancel", "Resume", `Resume ${label}`, "") : "") +
        // Polar's resume: a new period from now, charged at once (it also stands in for `resumes_at`).
        (s.status === "paused" ? post("resume", "Resume", `Resume ${label} now`, "") : "");
      const base = s.cancelAtPeriodEnd
        ? `${s.status}, ends ${date(s.endsAt)}`
        : s.status === "trialing"
          ? `trialing, trial ends ${date(s.trialEnd)}`
          : s.status === "past_due"
            ? `past_due, ${dunningText(s)}`
            : s.status === "paused"
              ? `paused since ${date(s.pausedAt)}${s.resumesAt ? `, resumes ${date(s.resumesAt)}` : ""}`
              : s.pauseAtPeriodEnd
                ? `${s.status}, pauses on ${date(s.currentPeriodEnd)}${s.resumesAt ? `, resumes ${date(s.resumesAt)}` : ""}`
                : s.status;
      // A change scheduled for the next period (Polar's pending_update).
      const pending = s.pendingUpdate;
      const state =
        base +
        (pending?.productId ? `; switches to ${productName(pending.productId)} on ${date(pending.appliesAt)}` : "") +
        (pending?.seats != null ? `; ${pending.seats} seats from ${date(pending.appliesAt)}` : "");
      return `<tr><td>${esc(label)}</td><td>${esc(money(s.amount, s.currency))}${esc(interval(s.recurringInterval))}</td><td>${esc(state)}</td><td>${esc(date(s.currentPeriodEnd))}</td><td>${lifecycle}${cancel}${revoke}</td></tr>`;
    })
    .join("\n");

  const back = session.returnUrl ? `<p><a href="${esc(session.returnUrl)}">← Back to the app</a></p>` : "";
  const credits = Object.entries(customer?.balances ?? {})
    .filter(([, amount]) => amount !== 0)
    .map(([currency, amount]) => `${amount > 0 ? "Credit" : "Owed"}: ${money(Math.abs(amount), currency)}`);
  const declining = customer?.declineNextCharge ?? false;
  // The emulator's decline switch (admin: POST /admin/customers/{id}/decline-next-charge).
  const card = `<p>Card on file: ${declining ? "<strong>declines the next charge</strong>" : "charges go through"}${credits.length ? `. ${esc(credits.join(", "))}` : ""}.</p>
<form method="post" action="/portal/customer/decline-next-charge">${hidden}<input type="hidden" name="decline" value="${declining ? "false" : "true"}"><button type="submit" class="secondary">${declining ? "Let the next charge go through" : "Decline the next charge"}</button></form>`;
  const message = notice && NOTICES[notice] ? `<p class="ok" role="status">${esc(NOTICES[notice])}</p>` : "";
  return page(
    "Customer portal",
    `${back}
<h1>Your purchases</h1>
<p class="muted">Signed in as ${esc(member?.email ?? customer?.email ?? "unknown")}${customer?.type === "team" ? " (team)" : ""}</p>
${message}
${card}
<h2 id="subscriptions">Subscriptions</h2>
${subs.length ? `<table aria-labelledby="subscriptions"><thead><tr><th scope="col">Product</th><th scope="col">Price</th><th scope="col">Status</th><th scope="col">Current period ends</th><th scope="col">Actions</th></tr></thead><tbody>${subRows}</tbody></table>` : "<p>No subscriptions.</p>"}
${seatsSection(store, subs)}
<h2 id="orders">Orders</h2>
${orders.length ? `<table aria-labelledby="orders"><thead><tr><th scope="col">Date</th><th scope="col">Product</th><th scope="col">Amount</th><th scope="col">Status</th><th scope="col">Invoice</th><th scope="col">Actions</th></tr></thead><tbody>${orderRows}</tbody></table>` : "<p>No orders.</p>"}`,
  );
}

const expiredPage = () => page("Portal link expired", "<h1>This portal link has expired</h1><p>Open the billing portal again from the app.</p>");

const invalidInvitation = () => page("Invitation not valid", "<h1>This invitation is not valid</h1><p>It was already used, revoked, or it expired. Ask the team for a new one.</p>");

/**
 * The seat invitation's link (Polar's `{slug}/portal/claim?token=...`): what the seat is for, and
 * a Claim button that claims it (`POST /v1/customer-seats/claim`'s flow) and opens the portal
 * with the member session it gives.
 */
function claimPage(deps: PortalPageDeps, token: string): string | null {
  const seat = deps.flows.seats.pendingByToken(token);
  const product = seat ? deps.flows.seats.productOf(seat) : undefined;
  const container = seat ? deps.flows.seats.containerOf(seat) : undefined;
  const billing = container ? deps.store.customers.get(container.customerId) : undefined;
  if (!seat || !product) return null;
  return page(
    `Join ${product.name}`,
    `<h1>You've been invited to ${esc(product.name)}</h1>
<p>${esc(billing?.email ?? deps.store.organization.name)} gave <strong>${esc(seat.email ?? "you")}</strong> a seat on ${esc(deps.store.organization.name)}'s ${esc(product.name)}.</p>
<form method="post" action="/${esc(deps.store.organization.slug)}/portal/claim"><input type="hidden" name="token" value="${esc(token)}"><button type="submit">Claim my seat</button></form>`,
  );
}

/** Handles `/portal` and its actions; returns false for any other path. */
export function createPortalPage(deps: PortalPageDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  const sessionFor = (token: string | null): CustomerSessionRecord | null => {
    const s = token ? deps.store.sessionByToken(token) : undefined;
    return s && Date.parse(s.expiresAt) > Date.now() ? s : null;
  };

  return async (req, res, url) => {
    if (url.pathname === `/${deps.store.organization.slug}/portal/claim`) {
      if (req.method === "GET") {
        const html = claimPage(deps, url.searchParams.get("token") ?? "");
        sendHtml(res, html ? 200 : 404, html ?? invalidInvitation());
        return true;
      }
      if (req.method !== "POST") return false;
      const token = (await readForm(req)).get("token") ?? "";
      try {
        const { session } = deps.flows.seats.claim(token);
        redirect(res, portalUrl(session.token, deps.baseUrl()));
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        sendHtml(res, 400, invalidInvitation());
      }
      return true;
    }
    if (url.pathname === "/portal" || url.pathname === "/portal/") {
      if (req.method !== "GET") return false;
      const session = sessionFor(url.searchParams.get("customer_session_token"));
      if (!session) sendHtml(res, 401, expiredPage());
      else sendHtml(res, 200, render(deps, session, url.searchParams.get("notice")));
      return true;
    }
    if (url.pathname === "/portal/customer/decline-next-charge" && req.method === "POST") {
      const form = await readForm(req);
      const session = sessionFor(form.get("customer_session_token"));
      const customer = session ? deps.store.customers.get(session.customerId) : undefined;
      if (!session || !customer) {
        sendHtml(res, 401, expiredPage());
        return true;
      }
      const on = form.get("decline") !== "false";
      deps.flows.customers.setDeclineNextCharge(customer, on);
      redirect(res, `${portalUrl(session.token, deps.baseUrl())}&notice=${on ? "decline-on" : "decline-off"}`);
      return true;
    }
    const m = /^\/portal\/(orders|subscriptions)\/([0-9a-f-]{36})\/(refund|refund-part|cancel|revoke|renew|renew-failing|retry|retry-declined|uncancel|resume)$/.exec(url.pathname);
    if (!m || req.method !== "POST") return false;
    const [, kind, id = "", action] = m;
    const session = sessionFor((await readForm(req)).get("customer_session_token"));
    if (!session) {
      sendHtml(res, 401, expiredPage());
      return true;
    }
    // A plain member manages nothing of the team's billing (Polar: owners and billing managers do).
    const member = session.memberId ? deps.store.members.get(session.memberId) : undefined;
    if (member?.role === "member") {
      sendHtml(res, 403, page("Not permitted", "<h1>Not permitted</h1><p>Only the team's owner and billing managers manage its billing.</p>"));
      return true;
    }
    const notFound = () => sendHtml(res, 404, page("Not found", "<h1>Not found</h1>"));
    let changed = false;
    let notice: string | null = null;
    if (kind === "orders" && (action === "refund" || action === "refund-part")) {
      const order = deps.store.orders.get(id);
      if (!order || order.customerId !== session.customerId) return (notFound(), true);
      changed = action === "refund" ? deps.flows.orders.refund(order) : deps.flows.orders.refundPart(order);
      if (action === "refund-part") notice = "partially-refunded";
    } else if (
      kind === "subscriptions" &&
      (action === "renew" || action === "renew-failing" || action === "retry" || action === "retry-declined" || action === "uncancel" || action === "resume")
    ) {
      const sub = deps.store.subscriptions.get(id);
      if (!sub || sub.customerId !== session.customerId) return (notFound(), true);
      if (action === "renew" || action === "renew-failing") {
        const wasTrialing = sub.status === "trialing";
        const result = deps.flows.renewals.renew(sub, { failing: action === "renew-failing" });
        changed = result !== null;
        notice =
          result === "paused"
            ? "paused"
            : result?.status === "pending"
              ? "renewal-failed"
              : wasTrialing
                ? "converted"
                : "renewed";
      } else if (action === "resume") {
        changed = sub.status === "paused";
        if (changed) {
          const order = deps.flows.subscriptionChanges.resume(sub);
          notice = order.status === "pending" ? "renewal-failed" : "resumed";
        }
      } else if (action === "retry") {
        changed = deps.flows.renewals.retry(sub) !== null;
        notice = "recovered";
      } else if (action === "retry-declined") {
        const outcome = deps.flows.renewals.declineRetry(sub);
        changed = outcome !== null;
        notice = outcome === "revoked" ? "dunning-over" : "retry-declined";
      } else {
        changed = deps.flows.subscriptions.uncancel(sub);
        notice = "uncanceled";
      }
    } else if (kind === "subscriptions" && (action === "cancel" || action === "revoke")) {
      const sub = deps.store.subscriptions.get(id);
      if (!sub || sub.customerId !== session.customerId) return (notFound(), true);
      changed = action === "cancel" ? deps.flows.subscriptions.cancel(sub) : deps.flows.subscriptions.revoke(sub);
    } else {
      notFound();
      return true;
    }
    notice ??= ({ refund: "refunded", cancel: "canceled", revoke: "revoked" } as Record<string, string>)[action ?? ""] ?? "unchanged";
    redirect(res, `${portalUrl(session.token, deps.baseUrl())}&notice=${changed ? notice : "unchanged"}`);
    return true;
  };
}
