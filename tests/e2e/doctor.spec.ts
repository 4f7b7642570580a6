import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { readDotenv } from "../../scripts/lib/local-env";
import { emulatorUrl } from "./helpers";

// `npm run doctor` against the e2e stack (scripts/e2e-server.ts): the production build under
// `next start`, FerretDB, the Polar emulator and the identity provider. Here webhook-reachable
// meets the real app: its unsigned-delivery answer, and Next.js's 308 to a trailing slash.

// What the e2e server gave the app (startLocalStack writes it there), read whole by the doctor.
const STACK_ENV = join(".data", "e2e", "local.env");

test.describe.configure({ mode: "serial" });

interface DoctorRun {
  code: number | null;
  lines: string[];
  stderr: string;
}

function runDoctor(): Promise<DoctorRun> {
  // Only the stack's file: the runner's own environment must not stand in for the app's.
  const child = spawn("node_modules/.bin/tsx", ["--conditions=react-server", "scripts/doctor.ts", "--env-file", STACK_ENV], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, lines: stdout.trim().split("\n"), stderr })));
}

async function setEndpointUrl(url: string): Promise<void> {
  const res = await fetch(`${emulatorUrl}/admin/endpoint`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url }) });
  expect(res.status).toBe(200);
}

function lineOf(run: DoctorRun, check: string): string {
  return run.lines.find((l) => l.slice(5).startsWith(`${check}: `)) ?? `(no ${check} line in:\n${run.lines.join("\n")}\n${run.stderr})`;
}

test("npm run doctor passes against the local stack with the production app", async ({ request, baseURL }) => {
  const stack = readDotenv(STACK_ENV);
  expect(stack.APP_URL).toBe(baseURL);
  // The app builds the indexes of the models a route has loaded once it connects (lib/db/connect.ts); the
  // billing cron loads every model. Vercel Cron calls it after a deploy; here it is called once,
  // as the doctor's own fix for a missing index says.
  const cron = await request.get("/api/cron/billing", { headers: { authorization: `Bearer ${stack.CRON_SECRET}` } });
  expect(cron.status()).toBe(200);

  // The index builds run behind the cron's answer: give them a moment.
  let run: DoctorRun = { code: null, lines: [], stderr: "" };
  await expect(async () => {
    run = await runDoctor();
    expect(run.lines.filter((l) => !l.startsWith("ok   ")), run.stderr).toEqual(["doctor: 11 of 11 checks passed"]);
  }).toPass({ timeout: 60_000, intervals: [2_000] });
  console.log(`[doctor] against the e2e stack:\n${run.lines.join("\n")}`);
  expect(run.code).toBe(0);
  expect(run.lines).toHaveLength(12);
  expect(lineOf(run, "webhook-reachable")).toBe(
    `ok   webhook-reachable: POST ${baseURL}/api/webhooks/polar (unsigned {}) answered 403 {"ok":false,"error":"invalid signature"}, the app's refusal of an unsigned delivery, without a redirect`,
  );
});

test("an endpoint registered with a trailing slash: the app answers 308 and the doctor fails naming it", async ({ baseURL }) => {
  const exact = `${baseURL}/api/webhooks/polar`;
  await setEndpointUrl(`${exact}/`);
  try {
    const run = await runDoctor();
    expect(run.code, run.lines.join("\n")).toBe(1);
    expect(lineOf(run, "webhook-endpoint")).toMatch(/^FAIL webhook-endpoint: .* \(a trailing slash\): the app answers the URL with a trailing slash with a 308 redirect/);
    expect(lineOf(run, "webhook-reachable")).toContain(
      `FAIL webhook-reachable: POST ${exact}/ (unsigned {}) answered 308, a redirect to ${exact}: Polar does not follow redirects, it counts each one as a failed delivery and disables the endpoint after 10 failed events in a row`,
    );
    expect(run.lines.at(-1)).toBe("doctor: 9 of 11 checks passed");
  } finally {
    // The other specs' webhooks go to the app again.
    await setEndpointUrl(exact);
  }
});
