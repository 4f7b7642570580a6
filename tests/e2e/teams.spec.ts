import { expect, test, type Browser, type Page } from "@playwright/test";
import { emulatorUrl, newEmail, signIn, untilReloaded } from "./helpers";

// `SCREENSHOTS=docs` refreshes the README's picture of /team (as tests/e2e/payment.spec.ts does its own).
const screenshots = process.env.SCREENSHOTS === "docs" ? "docs/screenshots" : "test-results/screenshots";

/**
 * Teams (issue 24): an owner buys Team with 3 seats, invites two members, each signs in with their
 * own identity through the local identity provider and reaches /pro; the owner removes one, who
 * loses access at once; the owner adds a seat after reading its proration preview. Through the
 * production build, the emulator's seats (assigned with immediate claim), its webhooks, and FerretDB.
 */

const teamCard = (page: Page) => page.locator("li").filter({ has: page.getByRole("heading", { name: "Team", exact: true }) });

async function emulatorSettings(settings: { delayMs: number }): Promise<void> {
  const res = await fetch(`${emulatorUrl}/admin/settings`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(settings) });
  expect(res.status).toBe(200);
}

/** A member, in a browser of their own: signs in with their own identity and opens /pro. */
async function memberOpensPro(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email, "/pro");
  await untilReloaded(page, () => expect(page.getByTestId("pro-content")).toBeVisible({ timeout: 1_000 }));
  return page;
}

test("an owner buys Team with 3 seats, invites two members who reach /pro, removes one who loses access at once, and adds a seat with its preview", async ({ page, browser }) => {
  const owner = newEmail("team-owner");
  const [ann, ben] = [newEmail("team-ann"), newEmail("team-ben")];

  await signIn(page, owner, "/pricing");
  const card = teamCard(page);
  await card.getByLabel("Seats").fill("3");
  await expect(card.getByTestId("team-total")).toHaveText("$30.00 per month for 3 seats");
  await card.getByRole("button", { name: "Buy Team" }).click();
  await page.waitForURL((url) => url.origin === emulatorUrl);
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
  await page.waitForURL(/\/confirmation\?checkout_id=/);
  // The buyer's own seat is assigned on the way (a custom success URL: Polar gives the buyer none).
  await expect(page.getByRole("heading", { name: "You're on Team" })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId("confirmation-team")).toHaveText("Your team has 3 seats. Invite your members from your team page.");

  await page.getByRole("link", { name: "Set up your team" }).click();
  await expect(page.getByTestId("team-seats")).toHaveText("3 seats");
  for (const member of [ann, ben]) {
    await page.getByTestId("invite-form").getByLabel("Email").fill(member);
    await page.getByTestId("invite-form").getByRole("button", { name: "Invite" }).click();
    await page.waitForURL("**/team?done=invited");
  }
  await expect(page.getByTestId("team-in-use")).toHaveText("3 in use");
  await expect(page.getByTestId("member-email")).toHaveText([ann, ben, owner].sort());

  const annPage = await memberOpensPro(browser, ann);
  const benPage = await memberOpensPro(browser, ben);
  await annPage.goto("/team");
  await expect(annPage.getByTestId("team-member-view")).toContainText(`You are on the team of ${owner}`);

  // The owner cannot leave while owning the team.
  await page.getByTestId("leave-form").getByRole("button", { name: "Leave team" }).click();
  await expect(page.getByTestId("leave-form").getByRole("alert")).toHaveText("You own this team: make another member the owner before you leave.");

  // Polar's webhooks held back for the removal: "at once" must not lean on them.
  await emulatorSettings({ delayMs: 15_000 });
  await page.getByRole("button", { name: `Remove ${ben}` }).click();
  await page.waitForURL("**/team?done=removed");
  await expect(page.getByTestId("team-in-use")).toHaveText("2 in use");
  // At once: the very next request of the removed member is refused, with no wait for a webhook.
  await benPage.goto("/pro");
  await expect(benPage.getByTestId("pro-locked")).toBeVisible();
  await annPage.goto("/pro");
  await expect(annPage.getByTestId("pro-content")).toBeVisible();
  await emulatorSettings({ delayMs: 0 });

  await page.getByLabel("Number of seats").fill("4");
  await expect(page.getByTestId("seats-preview")).toHaveText(/^1 more seat: about \$\d+\.\d\d charged today for the rest of this period, then \$40\.00 per month\. \(Polar's per-second proration, exact at the second you confirm\.\)$/);
  await page.screenshot({ path: `${screenshots}/8-team.png`, fullPage: true });
  await page.getByTestId("seats-form").getByRole("button", { name: /^Confirm 4 seats and pay \$\d+\.\d\d$/ }).click();
  await page.waitForURL("**/team?done=seats");
  await expect(page.getByTestId("team-seats")).toHaveText("4 seats");
  await expect(page.getByTestId("team-in-use")).toHaveText("2 in use");
});
