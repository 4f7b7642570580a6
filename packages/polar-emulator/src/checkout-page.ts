import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebhookDelivery } from "./delivery";
import type { Flows } from "./flows";
import { esc, interval, money, page } from "./html";
import { readForm, redirect, sendHtml } from "./http";
import { defaultSuccessUrl } from "./serialize";
import type { CheckoutRecord, Store } from "./store";
import { activeTrial, trialFreeText } from "./trial";

/**
 * Polar's hosted checkout, reduced to what a test needs: the product, the price, the email, a
 * card field and a Pay button. A successful payment redirects to the merchant's success URL
 * once the `checkout.updated` (succeeded) webhook was answered, or after `redirectWaitMs`.
 */

export interface CheckoutPageDeps {
  store: Store;
  flows: Flows;
  delivery: WebhookDelivery;
  baseUrl: () => string;
  redirectWaitMs: number;
}

export const GOOD_CARD = "4242 4242 4242 4242";
export const DECLINE_CARD = "4000 0000 0000 0002";

/** `{CHECKOUT_ID}` is replaced by Polar, raw or percent-encoded as a client may have sent it. */
export function successUrlFor(c: CheckoutRecord, baseUrl: string): string {
  if (!c.successUrl) return defaultSuccessUrl(c, baseUrl);
  return c.successUrl.replaceAll("{CHECKOUT_ID}", c.id).replaceAll("%7BCHECKOUT_ID%7D", c.id);
}

const longDate = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" });

function render(deps: CheckoutPageDeps, c: CheckoutRecord, form: { error?: string; card?: string; email?: string } = {}): string {
  const product = deps.store.products.get(c.productId);
  const name = product?.name ?? "Unknown product";
  const price = product ? `${money(product.priceAmount, product.priceCurrency)}${interval(product.recurringInterval)}` : "";
  const back = c.returnUrl ? `<p><a href="${esc(c.returnUrl)}">← Back</a></p>` : "";
  const trial = product ? activeTrial(c, product) : null;
  const trialEnd = trial && c.trialEnd ? longDate.format(new Date(c.trialEnd)) : null;

  if (c.status === "expired") {
    return page("Checkout expired", `${back}<h1>This checkout has expired</h1><p>Start again from the merchant's site.</p>`);
  }
  if (c.status === "succeeded") {
    // Without a merchant success URL this page is the destination, so it links nowhere.
    const next = c.successUrl ? `<p><a class="button" href="${esc(successUrlFor(c, deps.baseUrl()))}">Continue</a></p>` : "";
    if (trialEnd) {
      return page("Trial started", `<h1>Trial started</h1><p class="ok">Your free trial of ${esc(name)} has started. The first payment, ${esc(price)}, is on ${esc(trialEnd)}.</p>${next}`);
    }
    return page("Payment successful", `<h1>Payment successful</h1><p class="ok">Thank you! Your purchase of ${esc(name)} is complete.</p>${next}`);
  }

  const email = c.customerEmail
    ? `<label for="email">Email</label><input id="email" name="email" type="email" value="${esc(c.customerEmail)}" readonly>`
    : `<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" required value="${esc(form.email ?? "")}">`;
  const error = form.error ? `<p class="error" role="alert" id="payment-error">${esc(form.error)}</p>` : "";
  const described = form.error ? ' aria-describedby="payment-error" aria-invalid="true"' : "";
  return page(
    `Checkout: ${name}`,
    `${back}
<h1>${esc(name)}</h1>
${product?.description ? `<p class="muted">${esc(product.description)}</p>` : ""}
${
  trial && trialEnd
    ? // Polar's trial hero: the free period first, then what follows and from when.
      `<p class="price">${esc(trialFreeText(trial))}</p>
<p id="trial-terms">Then <strong>${esc(price)}</strong> starting ${esc(trialEnd)}. Nothing is charged today; cancel before the trial ends and nothing is charged at all.</p>`
    : `<p class="price">${esc(price)}</p>`
}
${error}
<form method="post" action="/checkout/${esc(c.clientSecret)}">
  ${email}
  <label for="card_number">Card number</label>
  <input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" required value="${esc(form.card ?? GOOD_CARD)}"${described}>
  <label for="card_expiry">Expiry</label>
  <input id="card_expiry" name="card_expiry" autocomplete="cc-exp" value="12 / 34">
  <label for="card_cvc">CVC</label>
  <input id="card_cvc" name="card_cvc" inputmode="numeric" autocomplete="cc-csc" value="123">
  <button type="submit">${trialEnd ? "Start trial" : "Pay"}</button>
</form>
<p class="muted">Test cards: <code>${GOOD_CARD}</code> pays, <code>${DECLINE_CARD}</code> is declined.</p>`,
  );
}

/** Handles `/checkout/{client_secret}[/confirmation]`; returns false for any other path. */
export function createCheckoutPage(deps: CheckoutPageDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  return async (req, res, url) => {
    const m = /^\/checkout\/([A-Za-z0-9_]+)(\/confirmation)?\/?$/.exec(url.pathname);
    if (!m?.[1]) return false;
    const checkout = deps.store.checkoutByClientSecret(m[1]);
    if (!checkout) {
      sendHtml(res, 404, page("Checkout not found", "<h1>Checkout not found</h1><p>This checkout link is not valid.</p>"));
      return true;
    }
    if (req.method === "GET") {
      // An open checkout past its time expires when someone looks at it, timer or not.
      if (checkout.status === "open" && Date.parse(checkout.expiresAt) <= Date.now()) deps.flows.checkouts.expire(checkout);
      sendHtml(res, checkout.status === "expired" ? 410 : 200, render(deps, checkout));
      return true;
    }
    if (req.method !== "POST" || m[2]) {
      sendHtml(res, 405, page("Method not allowed", "<h1>Method not allowed</h1>"));
      return true;
    }

    const form = await readForm(req);
    const card = form.get("card_number") ?? "";
    const email = form.get("email");
    const result = deps.flows.checkouts.pay(checkout, card, email);
    switch (result.kind) {
      case "succeeded": {
        // As Polar: wait for the merchant to have been told (2xx), but never for long.
        await deps.delivery.waitSettled(result.successEvent.webhookId, deps.redirectWaitMs);
        redirect(res, successUrlFor(checkout, deps.baseUrl()));
        return true;
      }
      case "declined":
        sendHtml(res, 402, render(deps, checkout, { error: result.message, card, email: email ?? undefined }));
        return true;
      case "invalid":
        sendHtml(res, 422, render(deps, checkout, { error: result.message, card, email: email ?? undefined }));
        return true;
      case "forbidden":
        // Polar's AlreadyActiveSubscriptionError (403), shown as its checkout shows it.
        sendHtml(res, 403, render(deps, checkout, { error: result.message, card, email: email ?? undefined }));
        return true;
      case "not-open":
        if (result.status === "succeeded") redirect(res, successUrlFor(checkout, deps.baseUrl()));
        else if (result.status === "expired") sendHtml(res, 410, render(deps, checkout));
        else sendHtml(res, 409, render(deps, checkout, { error: "A payment for this checkout is already in progress." }));
        return true;
    }
  };
}
