import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebhookDelivery } from "./delivery";
import type { Flows } from "./flows";
import { esc, interval, money, page } from "./html";
import { ApiError, readForm, redirect, sendHtml } from "./http";
import { maximumSeats, minimumSeats, periodAmount, perSeatRate } from "./seat-pricing";
import { checkoutUrl, defaultSuccessUrl } from "./serialize";
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

/**
 * Polar's seat selector (clients/packages/checkout CheckoutSeatSelector): the count, bounded by
 * the tiers and the checkout's own `min_seats` / `max_seats`, changed with the checkout's update
 * (`checkout.updated`); an out-of-range count gets Polar's message.
 */
function seatsForm(c: CheckoutRecord, product: NonNullable<ReturnType<Store["products"]["get"]>>): string {
  if (!product.seatTiers || c.seats === null) return "";
  const min = Math.max(minimumSeats(product.seatTiers), c.minSeats ?? 0);
  const tierMax = maximumSeats(product.seatTiers);
  const max = c.maxSeats === null ? tierMax : tierMax === null ? c.maxSeats : Math.min(tierMax, c.maxSeats);
  const rate = money(perSeatRate(product.seatTiers, c.seats), product.priceCurrency);
  return `<p id="seat-terms">${c.seats} seat${c.seats === 1 ? "" : "s"} × ${esc(rate)} per seat</p>
<form method="post" action="/checkout/${esc(c.clientSecret)}/seats">
  <label for="seats">Number of seats</label>
  <input id="seats" name="seats" type="number" min="${min}"${max === null ? "" : ` max="${max}"`} value="${c.seats}" inputmode="numeric" required aria-describedby="seat-terms">
  <button type="submit" class="secondary">Update seats</button>
</form>`;
}

function render(deps: CheckoutPageDeps, c: CheckoutRecord, form: { error?: string; card?: string; email?: string } = {}): string {
  const product = deps.store.products.get(c.productId);
  const name = product?.name ?? "Unknown product";
  // What a period costs: the fixed price, or the seats at their tier's rate.
  const price = product ? `${money(periodAmount(product, c.seats), product.priceCurrency)}${interval(product.recurringInterval)}` : "";
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
${product ? seatsForm(c, product) : ""}
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
    const m = /^\/checkout\/([A-Za-z0-9_]+)(\/confirmation|\/seats)?\/?$/.exec(url.pathname);
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
    if (req.method === "POST" && m[2] === "/seats") {
      // The seat selector: Polar's client update of the checkout (`checkout.updated`).
      const raw = (await readForm(req)).get("seats") ?? "";
      const seats = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
      try {
        if (!Number.isInteger(seats) || seats < 1) throw new ApiError(422, { detail: [{ msg: "Enter a number of seats." }] });
        deps.flows.checkouts.update(checkout, { seats });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        const detail = (error.body as { detail?: unknown }).detail;
        const message = Array.isArray(detail) ? String((detail[0] as { msg?: unknown } | undefined)?.msg ?? "Failed to update seats") : String(detail ?? "Failed to update seats");
        sendHtml(res, error.status, render(deps, checkout, { error: message }));
        return true;
      }
      redirect(res, checkoutUrl(checkout, deps.baseUrl()));
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
