import { describe, expect, it } from "vitest";
import { CustomerSeat$inboundSchema } from "@polar-sh/sdk/models/components/customerseat.js";
import { Product$inboundSchema } from "@polar-sh/sdk/models/components/product.js";
import { productFact } from "@/lib/billing/facts";
import { toPlanOffer } from "@/lib/plans/offer";
import { seatFact } from "@/lib/teams/facts";
import { checkLeave, checkSeatCount, seatChangePreview, seatsPrice, type SeatPricing } from "@/lib/teams/rules";

// Polar's docs' example (features/seat-based-pricing): 1-10 seats at $10, 11+ at $8.
const tiers = [
  { minSeats: 1, maxSeats: 10, pricePerSeat: 1000 },
  { minSeats: 11, maxSeats: null, pricePerSeat: 800 },
];
const volume: SeatPricing = { currency: "USD", tierType: "volume", tiers, minSeats: 1, maxSeats: null };
const graduated: SeatPricing = { ...volume, tierType: "graduated" };
const team: SeatPricing = {
  currency: "USD",
  tierType: "volume",
  tiers: [
    { minSeats: 2, maxSeats: 9, pricePerSeat: 1000 },
    { minSeats: 10, maxSeats: 50, pricePerSeat: 800 },
  ],
  minSeats: 2,
  maxSeats: 50,
};

describe("seatsPrice: Polar's tiers (server polar/product/tiers.py)", () => {
  it("volume prices every seat at the tier the count falls in: 14 seats = 14 x $8", () => {
    expect(seatsPrice(volume, 14)).toBe(11_200);
    expect(seatsPrice(volume, 10)).toBe(10_000);
  });
  it("graduated prices each tier's seats at its own rate: 14 seats = 10 x $10 + 4 x $8", () => {
    expect(seatsPrice(graduated, 14)).toBe(13_200);
    expect(seatsPrice(graduated, 3)).toBe(3_000);
  });
  it("is null outside the price's bounds or for a part seat", () => {
    expect(seatsPrice(team, 1)).toBeNull();
    expect(seatsPrice(team, 51)).toBeNull();
    expect(seatsPrice(team, 2.5)).toBeNull();
    expect(seatsPrice(team, 3)).toBe(3_000);
    expect(seatsPrice(team, 10)).toBe(8_000);
  });
});

describe("checkSeatCount", () => {
  it("refuses going below the seats in use, with the count", () => {
    expect(checkSeatCount(team, 4, 3, 2)).toEqual({ ok: false, message: "3 seats are in use: remove members before going below 3 seats." });
  });
  it("refuses the price's bounds, no change, and part seats", () => {
    expect(checkSeatCount(team, 4, 1, 1)).toMatchObject({ ok: false, message: "The Team plan needs at least 2 seats." });
    expect(checkSeatCount(team, 4, 1, 51)).toMatchObject({ ok: false, message: "The Team plan allows at most 50 seats." });
    expect(checkSeatCount(team, 4, 1, 4)).toMatchObject({ ok: false, message: "Your team already has 4 seats." });
    expect(checkSeatCount(team, 4, 1, 3.5)).toMatchObject({ ok: false });
  });
  it("allows adding seats, and removing empty ones down to the seats in use", () => {
    expect(checkSeatCount(team, 3, 3, 4)).toEqual({ ok: true });
    expect(checkSeatCount(team, 5, 3, 3)).toEqual({ ok: true });
  });
});

describe("seatChangePreview: Polar's per-second proration of the period price", () => {
  const periodStart = new Date("2026-12-01T00:00:00Z");
  const periodEnd = new Date("2026-12-31T00:00:00Z");
  const halfway = new Date("2026-12-16T00:00:00Z");
  it("one more seat halfway through a $30 period charges half of $10", () => {
    expect(seatChangePreview(team, { seats: 3, interval: "month", periodStart, periodEnd }, 4, halfway)).toEqual({ credit: 1500, debit: 2000, total: 500, periodRestarts: false });
  });
  it("crossing into the volume tier is priced at the new tier for every seat", () => {
    expect(seatChangePreview(team, { seats: 9, interval: "month", periodStart, periodEnd }, 10, halfway)?.total).toBe(4000 - 4500);
  });
  it("fewer seats credit the unused share", () => {
    expect(seatChangePreview(team, { seats: 4, interval: "month", periodStart, periodEnd }, 3, halfway)?.total).toBe(-500);
  });
  it("is null for a count the price does not sell", () => {
    expect(seatChangePreview(team, { seats: 4, interval: "month", periodStart, periodEnd }, 1, halfway)).toBeNull();
  });
});

describe("checkLeave", () => {
  it("refuses the owner until ownership moves; a member may leave", () => {
    expect(checkLeave("owner")).toEqual({ ok: false, message: "You own this team: make another member the owner before you leave." });
    expect(checkLeave("member")).toEqual({ ok: true });
  });
});

const seatPayload = (x: Record<string, unknown> = {}) =>
  CustomerSeat$inboundSchema.parse({
    created_at: "2026-12-01T10:00:00Z",
    modified_at: "2026-12-01T10:00:05Z",
    id: "seat-1",
    subscription_id: "sub-1",
    order_id: null,
    status: "claimed",
    customer_id: "cus-team",
    member_id: "mem-1",
    member: {
      id: "mem-1",
      created_at: "2026-12-01T10:00:00Z",
      modified_at: null,
      customer_id: "cus-team",
      email: "Bob@Example.com",
      name: null,
      external_id: "bob@example.com",
      role: "member",
    },
    email: "Bob@Example.com",
    customer_email: null,
    invitation_token_expires_at: null,
    claimed_at: "2026-12-01T10:00:05Z",
    revoked_at: null,
    seat_metadata: null,
    ...x,
  });

describe("seatFact", () => {
  it("names the member by our external id, and orders by the seat's modified_at", () => {
    expect(seatFact(seatPayload())).toEqual({
      seatId: "seat-1",
      subscriptionId: "sub-1",
      memberEmail: "bob@example.com",
      memberId: "mem-1",
      status: "claimed",
      claimedAt: new Date("2026-12-01T10:00:05Z"),
      revokedAt: null,
      polarModifiedAt: new Date("2026-12-01T10:00:05Z"),
    });
  });
  it("falls back to the seat's email for a member without our external id", () => {
    expect(seatFact(seatPayload({ member: null, member_id: null, email: "Carol@Example.com" }))?.memberEmail).toBe("carol@example.com");
  });
  it("ignores a seat of a one-time order (teams are sold by subscription)", () => {
    expect(seatFact(seatPayload({ subscription_id: null, order_id: "ord-1" }))).toBeNull();
  });
});

describe("a seat-based product", () => {
  const product = Product$inboundSchema.parse({
    id: "prod-team",
    created_at: "2026-01-01T00:00:00Z",
    modified_at: null,
    trial_interval: null,
    trial_interval_count: null,
    name: "Team",
    description: null,
    visibility: "public",
    recurring_interval: "month",
    recurring_interval_count: 1,
    meter_interval: null,
    meter_interval_count: null,
    is_recurring: true,
    is_archived: false,
    organization_id: "org",
    metadata: { plan: "team", rank: 1.5 },
    prices: [
      {
        created_at: "2026-01-01T00:00:00Z",
        modified_at: null,
        id: "price-team",
        source: "catalog",
        amount_type: "seat_based",
        price_currency: "usd",
        tax_behavior: null,
        is_archived: false,
        product_id: "prod-team",
        type: "recurring",
        recurring_interval: "month",
        seat_tiers: { seat_tier_type: "volume", tiers: [{ min_seats: 2, max_seats: 9, price_per_seat: 1000 }, { min_seats: 10, max_seats: 50, price_per_seat: 800 }], minimum_seats: 2, maximum_seats: 50 },
      },
    ],
    benefits: [],
    medias: [],
    attached_custom_fields: [],
  });
  it("carries its tiers and bounds as a fact, and no fixed price", () => {
    const fact = productFact(product);
    expect(fact).toMatchObject({ plan: "team", rank: 1.5, priceAmount: null, priceCurrency: "USD", seatPricing: team });
  });
  it("is offered by the seat, with its bounds and its volume tier worded", () => {
    const offer = toPlanOffer({ ...productFact(product), polarProductId: "prod-team" });
    expect(offer).toMatchObject({ price: "$10.00 per seat", amount: null, seats: { min: 2, max: 50, volume: "$8.00 per seat from 10 seats" } });
  });
});
