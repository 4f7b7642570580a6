import "server-only";
import { z } from "zod";

/**
 * The app's configuration. `parseEnv` works on a plain record so it can be tested without touching
 * `process.env`; `env()` applies it to the real environment once per process.
 */

const flag = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== "" ? v.trim() : undefined));

const httpUrl = z.url({ protocol: /^https?$/ }).transform((v) => v.replace(/\/+$/, ""));

/** How to fix each variable, shown next to its name when it is missing or malformed. */
export const envHints: Record<string, string> = {
  MONGODB_URI:
    "set it to a MongoDB connection string (mongodb:// or mongodb+srv://, e.g. from MongoDB Atlas), or run `npm run dev`, which starts a local FerretDB and fills it in",
  POLAR_ACCESS_TOKEN:
    "create an Organization Access Token in Polar (Settings -> Developers) for the server in POLAR_SERVER, or run `npm run dev`, which starts the local Polar emulator",
  POLAR_SERVER: 'use "sandbox" (sandbox.polar.sh) or "production" (polar.sh)',
  POLAR_API_URL: "use an http(s) URL such as http://127.0.0.1:7100, or leave it unset to use POLAR_SERVER",
  POLAR_WEBHOOK_SECRET:
    "copy the secret of your webhook endpoint in Polar (Settings -> Webhooks), or run `npm run dev`",
  APP_URL: "set it to the public URL of this app, e.g. https://example.com or http://localhost:3000",
  NEXTAUTH_URL: "set it to the public URL of this app (usually the same as APP_URL)",
  NEXTAUTH_SECRET: "generate one with `openssl rand -base64 32` (at least 32 characters)",
  AUTH_LOCAL_LOGIN: 'use "true" or "false"',
  AUTH_GITHUB_ID: "set both AUTH_GITHUB_ID and AUTH_GITHUB_SECRET, or neither",
  AUTH_GITHUB_SECRET: "set both AUTH_GITHUB_ID and AUTH_GITHUB_SECRET, or neither",
  AUTH_GOOGLE_ID: "set both AUTH_GOOGLE_ID and AUTH_GOOGLE_SECRET, or neither",
  AUTH_GOOGLE_SECRET: "set both AUTH_GOOGLE_ID and AUTH_GOOGLE_SECRET, or neither",
  CRON_SECRET:
    "generate one with `openssl rand -base64 32` and set the same value in Vercel (it sends it as `Authorization: Bearer` to /api/cron/billing), or run `npm run dev`",
  BILLING_GRACE_DAYS:
    "a whole number of days (0 to 60) a past_due subscription keeps its plan; match Polar's setting (Settings -> Billing), 0 by default like Polar",
};

/** What the billing rules need, parsed on its own so lib/billing can run with only this set. */
const billingShape = {
  BILLING_GRACE_DAYS: z.coerce.number().int().min(0).max(60).default(0),
};

const schema = z
  .object({
    MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\/.+/, "must start with mongodb:// or mongodb+srv://"),
    POLAR_ACCESS_TOKEN: z.string().min(1, "is required"),
    POLAR_SERVER: z.enum(["sandbox", "production"]).default("sandbox"),
    POLAR_API_URL: httpUrl.optional(),
    POLAR_WEBHOOK_SECRET: z.string().min(1, "is required"),
    APP_URL: httpUrl,
    NEXTAUTH_URL: httpUrl.optional(),
    NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters"),
    AUTH_LOCAL_LOGIN: flag,
    AUTH_GITHUB_ID: optionalText,
    AUTH_GITHUB_SECRET: optionalText,
    AUTH_GOOGLE_ID: optionalText,
    AUTH_GOOGLE_SECRET: optionalText,
    VERCEL_ENV: optionalText,
    CRON_SECRET: z.string().min(16, "must be at least 16 characters"),
    ...billingShape,
  })
  .superRefine((env, ctx) => {
    const pairs = [
      ["AUTH_GITHUB_ID", "AUTH_GITHUB_SECRET"],
      ["AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"],
    ] as const;
    for (const [id, secret] of pairs) {
      if (Boolean(env[id]) !== Boolean(env[secret])) {
        ctx.addIssue({ code: "custom", path: [env[id] ? secret : id], message: "is missing" });
      }
    }
    if (env.AUTH_LOCAL_LOGIN && env.VERCEL_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_LOCAL_LOGIN"],
        message:
          "must not be on in a production deployment (VERCEL_ENV=production): anyone could sign in as any email. Remove it and configure GitHub or Google sign-in",
      });
    }
    if (!env.AUTH_LOCAL_LOGIN && !env.AUTH_GITHUB_ID && !env.AUTH_GOOGLE_ID) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_GITHUB_ID"],
        message:
          "no sign-in provider is configured: set AUTH_GITHUB_ID/AUTH_GITHUB_SECRET or AUTH_GOOGLE_ID/AUTH_GOOGLE_SECRET (or AUTH_LOCAL_LOGIN=true for local development)",
      });
    }
  });

export type Env = z.output<typeof schema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses the environment, throwing an EnvError whose lines each name a variable and how to fix it. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings (e.g. `FOO=` in a .env file) mean "unset", as users expect.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "environment");
    const what = issue.code === "invalid_type" && cleaned[name] === undefined ? "is required" : issue.message;
    const hint = issue.code === "custom" ? "" : envHints[name];
    return `${name} ${what}${hint ? `: ${hint}` : ""}`;
  });
  throw new EnvError(problems);
}

export type BillingEnv = z.output<z.ZodObject<typeof billingShape>>;

/**
 * The billing settings alone (lib/billing), so its code runs in tools and tests without the
 * app's secrets. Parsed on each call: one small object, and a test can change it.
 */
export function billingEnv(): BillingEnv {
  const result = z.object(billingShape).safeParse(process.env);
  if (result.success) return result.data;
  throw new EnvError(result.error.issues.map((i) => `${String(i.path[0])} ${i.message}: ${envHints[String(i.path[0])] ?? ""}`));
}

let cached: Env | undefined;

/** The validated environment, parsed once per process on first use. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
