import type { WebhookDelivery } from "../delivery";
import type { WireContext } from "../serialize";
import type { Store } from "../store";
import { Benefits } from "./benefits";
import { Checkouts } from "./checkouts";
import { Customers } from "./customers";
import { Emitter, type FlowContext } from "./emit";
import { Events } from "./events";
import { Members } from "./members";
import { Meters } from "./meters";
import { Orders } from "./orders";
import { Products } from "./products";
import { Renewals } from "./renewals";
import { Seats } from "./seats";
import { SubscriptionChanges } from "./subscription-changes";
import { Subscriptions } from "./subscriptions";
import type { Usage } from "./usage";

/**
 * What Polar does when a merchant or a customer acts: the state change, then the webhooks in
 * the order Polar emits them. API handlers and pages only call these, one module per Polar
 * resource; the rules they apply (proration, dunning, trials, periods) are pure modules apart.
 */

export type { CancellationReason } from "./subscriptions";

export class Flows {
  readonly meters: Meters;
  readonly members: Members;
  readonly benefits: Benefits;
  readonly seats: Seats;
  readonly events: Events;
  readonly products: Products;
  readonly customers: Customers;
  readonly orders: Orders;
  readonly subscriptions: Subscriptions;
  readonly renewals: Renewals;
  readonly subscriptionChanges: SubscriptionChanges;
  readonly checkouts: Checkouts;

  constructor(store: Store, delivery: WebhookDelivery, ctx: WireContext, log: (line: string) => void, changed: () => void) {
    const fx: FlowContext = { store, emit: new Emitter(delivery, store, ctx), log, changed };
    this.meters = new Meters(fx);
    this.members = new Members(fx);
    this.benefits = new Benefits(fx, this.meters, this.members);
    const usage: Usage = { meters: this.meters, benefits: this.benefits };
    this.events = new Events(fx, this.meters);
    this.products = new Products(fx);
    this.customers = new Customers(fx, this.members);
    this.seats = new Seats(fx, this.members, this.benefits, this.customers, () => ctx.baseUrl);
    // The seats flow revokes what members and benefits start (a member deleted, a subscription ended).
    this.members.seats = this.seats;
    this.benefits.seats = this.seats;
    this.orders = new Orders(fx);
    this.subscriptions = new Subscriptions(fx, usage);
    this.renewals = new Renewals(fx, this.orders, this.customers, this.subscriptions, usage);
    this.subscriptionChanges = new SubscriptionChanges(fx, this.orders, this.customers, this.renewals, usage);
    this.checkouts = new Checkouts(fx, this.customers, this.orders, this.subscriptions, usage, this.seats);
  }

  /** Clears the timers the flows hold (the checkouts' expiry): at stop and at reset. */
  stop(): void {
    this.checkouts.stop();
  }
}
