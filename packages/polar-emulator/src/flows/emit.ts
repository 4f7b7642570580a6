import type { DeliveryLog, WebhookDelivery } from "../delivery";
import type { PolarEvent, PolarEventType } from "../events";
import { toCheckout, toCustomer, toCustomerSeat, toCustomerState, toMember, toOrder, toProduct, toRefund, toSubscription, usageContext, type WireContext } from "../serialize";
import { toBenefitGrantWebhook } from "../serialize-usage";
import {
  isoNow,
  tick,
  type CheckoutRecord,
  type CustomerRecord,
  type MemberRecord,
  type OrderRecord,
  type ProductRecord,
  type RefundRecord,
  type SeatRecord,
  type Store,
  type SubscriptionRecord,
} from "../store";
import type { BenefitGrantRecord, GrantProperties } from "../usage-records";

/**
 * What every flow shares: the store, the log, the save hook, and Polar's webhook events, each
 * built from the record as it is at that moment and timestamped in emission order (`tick`), then
 * queued for delivery in that order. Also `touch`, the `modified_at` of a changed record.
 */

export interface FlowContext {
  readonly store: Store;
  readonly emit: Emitter;
  readonly log: (line: string) => void;
  /** A change to save (the state file, when there is one). */
  readonly changed: () => void;
}

type TypesOf<Prefix extends string> = Extract<PolarEventType, `${Prefix}.${string}`>;

export class Emitter {
  constructor(
    private readonly delivery: WebhookDelivery,
    private readonly store: Store,
    private readonly ctx: WireContext,
  ) {}

  private send(event: PolarEvent): DeliveryLog {
    return this.delivery.enqueue(event);
  }

  product(type: TypesOf<"product">, p: ProductRecord): DeliveryLog {
    return this.send({ type, timestamp: tick(), data: toProduct(p, this.ctx) });
  }

  checkout(type: TypesOf<"checkout">, c: CheckoutRecord): DeliveryLog {
    return this.send({ type, timestamp: tick(), data: toCheckout(c, this.ctx) });
  }

  customer(type: "customer.created" | "customer.updated", c: CustomerRecord): DeliveryLog {
    return this.send({ type, timestamp: tick(), data: toCustomer(c, this.ctx) });
  }

  order(type: TypesOf<"order">, o: OrderRecord): DeliveryLog {
    return this.send({ type, timestamp: tick(), data: toOrder(o, this.ctx) });
  }

  refund(r: RefundRecord): DeliveryLog {
    return this.send({ type: "refund.created", timestamp: tick(), data: toRefund(r, this.ctx) });
  }

  subscription(type: TypesOf<"subscription">, s: SubscriptionRecord): DeliveryLog {
    return this.send({ type, timestamp: tick(), data: toSubscription(s, this.ctx) });
  }

  /** `benefit_grant.*`: the grant as it is now, with its properties before the change. */
  benefitGrant(type: TypesOf<"benefit_grant">, g: BenefitGrantRecord, previous: GrantProperties): DeliveryLog {
    return this.send({ type, timestamp: tick(), data: toBenefitGrantWebhook(g, previous, usageContext(this.ctx)) });
  }

  member(type: TypesOf<"member">, m: MemberRecord): DeliveryLog {
    return this.send({ type, timestamp: tick(), data: toMember(m) });
  }

  seat(type: TypesOf<"customer_seat">, s: SeatRecord): DeliveryLog {
    return this.send({ type, timestamp: tick(), data: toCustomerSeat(s, this.ctx) });
  }

  /**
   * `customer.state_changed`: Polar sends the customer's whole current state (not a diff) after
   * each change to its subscriptions, the same object as `GET /v1/customers/{id}/state`.
   */
  customerState(customerId: string): void {
    const customer = this.store.customers.get(customerId);
    if (customer) this.send({ type: "customer.state_changed", timestamp: tick(), data: toCustomerState(customer, this.ctx) });
  }
}

export function touch<T extends { modifiedAt: string | null }>(record: T): T {
  record.modifiedAt = isoNow();
  return record;
}
