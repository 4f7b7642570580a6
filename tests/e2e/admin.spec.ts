import { randomUUID } from "node:crypto";
import { expect, test, type Page, type Route } from "@playwright/test";
import { MongoClient } from "mongodb";
import { readDotenv } from "../../scripts/lib/local-env";
import { customerWire, deliver, event } from "../../scripts/lib/polar-payloads";
import { LOCAL_ADMIN_EMAIL } from "../../scripts/lib/local-admin";
import { newEmail, signIn } from "./helpers";

const screenshots = process.env.SCREENSHOTS === "docs" ? "docs/screenshots" : "test-results/screenshots";

/** The e2e server's database, from the env file its local stack wrote. */
function stackEnv(name: "MONGODB_URI" | "POLAR_WEBHOOK_SECRET"): string {
  const value = readDotenv(".data/e2e/local.env")[name];
  if (!value) throw new Error(`${name} not in .data/e2e/local.env`);
  return value;
}

test("/admin is a 404 for a signed-out visitor and for a signed-in user who is not an operator", async ({ page }) => {
  const signedOut = await page.goto("/admin");
  expect(signedOut?.status()).toBe(404);

  await signIn(page, newEmail("not-admin"));
  const res = await page.goto("/admin");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Operator" })).toHaveCount(0);
});

interface StoredEvent {
  _id: string;
  type: string;
  status: string;
  receivedAt: Date;
  processedAt: Date | null;
  attempts: number;
  nextAttemptAt: Date;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  error: string | null;
  payload: string;
}

/**
 * An event that failed all its attempts earlier, as the applier leaves it: a customer.created for
 * a new customer, stored with the body Polar signed.
 */
async function storeFailedEvent(client: MongoClient): Promise<{ webhookId: string; email: string; customerId: string }> {
  const email = newEmail("replayed");
  const customerId = randomUUID();
  const webhookId = `msg_e2e_${randomUUID()}`;
  const at = new Date(Date.now() - 5 * 60_000);
  await client
    .db()
    .collection<StoredEvent>("webhookevents")
    .insertOne({
      _id: webhookId,
      type: "customer.created",
      status: "failed",
      receivedAt: at,
      processedAt: at,
      attempts: 8,
      nextAttemptAt: at,
      leaseOwner: null,
      leaseUntil: null,
      error: "The database is unavailable",
      payload: JSON.stringify(event("customer.created", customerWire({ id: customerId, email }))),
    });
  return { webhookId, email, customerId };
}

let client: MongoClient;
test.beforeAll(async () => {
  client = await MongoClient.connect(stackEnv("MONGODB_URI"));
});
test.afterAll(async () => {
  await client.close();
});

test("the operator sees webhook health and replays a failed event, which then applies", async ({ page, request }) => {
  const { webhookId, email, customerId } = await storeFailedEvent(client);
  // Real signed deliveries through the webhook route, so the figures have something to show.
  const secret = stackEnv("POLAR_WEBHOOK_SECRET");
  for (let i = 0; i < 12; i++) {
    const d = deliver(event("customer.created", customerWire({ id: randomUUID(), email: newEmail(`health-${i}`) })), secret);
    expect((await request.post("/api/webhooks/polar", { headers: d.headers, data: d.body })).status()).toBe(200);
  }

  // The sections stream in through inline scripts: the nonce CSP must let every one of them run.
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  await signIn(page, LOCAL_ADMIN_EMAIL, "/admin");
  await expect(page.getByRole("heading", { name: "Operator" })).toBeVisible();
  await expect(page.getByTestId("chart-deliveries").locator("svg")).toBeVisible();
  await expect(page.getByTestId("chart-lag").locator("svg")).toBeVisible();
  expect(Number(await page.getByTestId("deliveries").textContent())).toBeGreaterThanOrEqual(13);
  expect(Number(await page.getByTestId("failed").textContent())).toBeGreaterThan(0);
  await expect(page.getByTestId("lag-p50")).toHaveText(/^\d+(\.\d)? m?s$/);

  expect(errors.filter((e) => /Content Security Policy|Refused to/.test(e))).toEqual([]);

  const row = page.getByTestId("attention-events").getByTestId(`event-${webhookId}`);
  await expect(row.getByTestId("event-status")).toHaveText("failed");
  await page.screenshot({ path: `${screenshots}/5-admin.png`, fullPage: true });
  // Clicked as soon as the row is there, sections still streaming: a plain form POST and its 303.
  await row.getByRole("button", { name: `Replay customer.created ${webhookId}` }).click();

  await expect(page.getByTestId("replay-result")).toContainText(`${webhookId} Replayed: the event is applied.`);
  await expect(page.getByTestId("attention-events").getByTestId(`event-${webhookId}`)).toHaveCount(0);
  const user = await client.db().collection("users").findOne({ email });
  expect(user?.polarCustomerId).toBe(customerId);

  // The event log finds it by the customer's email, and by its webhook-id, now applied.
  await page.getByLabel("Customer email").fill(email);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("event-log").getByTestId(`event-${webhookId}`).getByTestId("event-status")).toHaveText("processed");
  await page.goto(`/admin?id=${encodeURIComponent(webhookId)}&status=processed`);
  await expect(page.getByTestId("event-log").locator("tbody tr")).toHaveCount(1);
  await page.goto("/admin?type=no.such.type");
  await expect(page.getByText("No events match.")).toBeVisible();
});

/**
 * Rewrites the webhook-id the next Replay form posts, on the wire, as a tampered form would send
 * it. Editing the hidden input instead races React: a form not yet hydrated gets its value back.
 */
async function tamperNextReplay(page: Page, from: string, to: string): Promise<void> {
  let done = false;
  const handler = async (route: Route) => {
    const request = route.request();
    if (done || request.method() !== "POST") return route.continue();
    done = true;
    const body = request.postData() ?? "";
    expect(body).toContain(from);
    await route.continue({ postData: body.replace(from, to) });
    await page.unroute("**/admin**", handler);
  };
  await page.route("**/admin**", handler);
}

test("a tampered Replay form gets a clear answer and changes nothing", async ({ page, request }) => {
  const { webhookId } = await storeFailedEvent(client);
  await signIn(page, LOCAL_ADMIN_EMAIL, "/admin");
  // Each tampered Replay starts from a freshly loaded page.
  const replay = async () => {
    await page.goto("/admin");
    await page.waitForLoadState("networkidle");
    await page.getByTestId(`event-${webhookId}`).locator("form").getByRole("button").click();
  };

  const missing = `msg_missing_${randomUUID()}`;
  await tamperNextReplay(page, webhookId, missing);
  await replay();
  await expect(page.getByTestId("replay-result")).toContainText(`${missing} No event with that webhook-id.`);

  await tamperNextReplay(page, webhookId, "has spaces");
  await replay();
  await expect(page.getByTestId("replay-result")).toContainText("That was not a webhook-id.");
  const stored = await client.db().collection<StoredEvent>("webhookevents").findOne({ _id: webhookId });
  expect(stored?.status).toBe("failed");

  // A forged cross-site form, even with the operator's cookie, is refused; so is anyone but an operator.
  const origin = new URL(page.url()).origin;
  const forged = await page.request.post("/admin/replay", { headers: { origin: "https://evil.example" }, form: { webhookId }, maxRedirects: 0 });
  expect(forged.status()).toBe(403);
  const stranger = await request.post("/admin/replay", { headers: { origin }, form: { webhookId }, maxRedirects: 0 });
  expect(stranger.status()).toBe(404);
  expect((await client.db().collection<StoredEvent>("webhookevents").findOne({ _id: webhookId }))?.status).toBe("failed");

  // A crafted link puts no text of its own on the page: unknown outcomes say nothing.
  await page.goto(`/admin?replay=${encodeURIComponent("Your account is locked, call +1 555 0100")}&replayed=msg_x`);
  await expect(page.getByRole("heading", { name: "Failed or unapplied events" })).toBeVisible();
  await expect(page.getByTestId("replay-result")).toHaveCount(0);
  await expect(page.getByText("Your account is locked")).toHaveCount(0);
});
