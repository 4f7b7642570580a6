import "server-only";
import { z } from "zod";
import { isLoopbackUrl } from "./auth/loopback";
import { isProviderId } from "./auth/sign-in-providers";

/**
 * The app's configuration. `parseEnv` works on a plain record so it can be tested without touching
 * `process.env`; `env()` applies it to the real environment once per process.
 */

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== "" ? v.trim() : undefined));

/**
 * An operator: `ops@example.com`, or pinned to the provider account that may use that email,
 * `ops@example.com=google:110248495921238986420` (the subject is shown on the operator's /account page).
 */
const operatorEntry = z
  .string()
  .transform((entry) => {
    const [email = "", pin] = entry.split("=", 2);
    const [provider, subject] = pin === undefined ? [] : [pin.slice(0, pin.indexOf(":")), pin.slice(pin.indexOf(":") + 1)];
    return { email: email.trim().toLowerCase(), provider: provider?.trim() ?? null, subject: subject?.trim() ?? null, pinned: pin !== undefined };
  })
  .refine((o) => z.email().safeParse(o.email).success && (!o.pinned || (o.provider && o.subject && isProviderId(o.provider))), {
    message: "must be a comma-separated list of emails, each optionally pinned as email=provider:subject (provider: github, google or local-oidc)",
  })
  .transform(({ email, provider, subject }) => ({ email, pin: provider && subject ? { provider, subject } : null }));

const httpUrl = z.url({ protocol: /^https?$/ }).transform((v) => v.replace(/\/+$/, ""));

const LOCAL_OIDC = ["AUTH_LOCAL_OIDC_ISSUER", "AUTH_LOCAL_OIDC_ID", "AUTH_LOCAL_OIDC_SECRET"] as const;
const DEV_ONLY =
  "the local identity provider signs in any email without a password and is for development on this machine only";
const USE_OAUTH = "set AUTH_GITHUB_ID/AUTH_GITHUB_SECRET or AUTH_GOOGLE_ID/AUTH_GOOGLE_SECRET";

/** How to fix each variable, shown next to its name when it is missing or malformed. */
export const envHints: Record<string, string> = {
  MONGODB_URI:
    "set it to a MongoDB connection string (mongodb:// or mongodb+srv://, e.g. from MongoDB Atlas), or run `npm run dev`, which starts a local FerretDB and fills it in",
  POLAR_ACCESS_TOKEN:
    "create an Organization Access Token in Polar (Settings -> Developers) for the server in POLAR_SERVER, or run `npm run dev`, which starts the local Polar emulator",
  POLAR_SERVER: 'use "sandbox" (sandbox.polar.sh) or "production" (polar.sh)',
  POLAR_API_URL: "use an http(s) URL such as http://127.0.0.1:7100, or leave it unset to use POLAR_SERVER",
  POLAR_WEBHOOK_SECRET:
    "copy the whole secret of your webhook endpoint in Polar (Settings -> Webhooks), or run `npm run dev`",
  APP_URL: "set it to the public URL of this app, e.g. https://example.com or http://localhost:3000",
  NEXTAUTH_URL: "set it to the public URL of this app (usually the same as APP_URL)",
  NEXTAUTH_SECRET: "generate one with `openssl rand -base64 32` (at least 32 characters)",
  AUTH_LOCAL_OIDC_ISSUER:
    "run `npm run dev`, which starts the local identity provider and sets AUTH_LOCAL_OIDC_*; in production configure GitHub or Google instead",
  AUTH_LOCAL_OIDC_SECRET: "use the secret the local identity provider was started with (`npm run dev` sets it)",
  AUTH_GITHUB_ID: "set both AUTH_GITHUB_ID and AUTH_GITHUB_SECRET, or neither",
  AUTH_GITHUB_SECRET: "set both AUTH_GITHUB_ID and AUTH_GITHUB_SECRET, or neither",
  AUTH_GOOGLE_ID: "set both AUTH_GOOGLE_ID and AUTH_GOOGLE_SECRET, or neither",
  AUTH_GOOGLE_SECRET: "set both AUTH_GOOGLE_ID and AUTH_GOOGLE_SECRET, or neither",
  CRON_SECRET:
    "generate one with `openssl rand -base64 32` and set the same value in Vercel (it sends it as `Authorization: Bearer` to /api/cron/billing), or run `npm run dev`",
  ADMIN_EMAILS:
    "a comma-separated list of the emails that may open /admin (signed in through your identity provider), e.g. ops@example.com,you@example.com=google:110248495921238986420",
  BILLING_GRACE_DAYS:
    "a whole number of days (0 to 60) a past_due subscription keeps its plan; match Polar's setting (Settings -> Billing), 0 by default like Polar",
};

/**
 * What the billing rules need, parsed on its own so lib/billing can run with only this set: the
 * grace period, and which Polar the facts it writes and reads come from (lib/polar/environment.ts).
 */
const billingShape = {
  BILLING_GRACE_DAYS: z.coerce.number().int().min(0).max(60).default(0),
  POLAR_SERVER: z.enum(["sandbox", "production"]).default("sandbox"),
  POLAR_API_URL: httpUrl.optional(),
};

const schema = z
  .object({
    MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\/.+/, "must start with mongodb:// or mongodb+srv://"),
    POLAR_ACCESS_TOKEN: z.string().min(1, "is required"),
    // Set by Vercel on every deployment ("production", "preview", "development"); unset elsewhere.
    VERCEL_ENV: optionalText,
    // Polar's secrets are longer; a short one is a typo or a placeholder, and the HMAC key is the string itself.
    POLAR_WEBHOOK_SECRET: z.string().min(24, "must be at least 24 characters"),
    APP_URL: httpUrl,
    NEXTAUTH_URL: httpUrl.optional(),
    NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters"),
    AUTH_LOCAL_LOGIN: optionalText, // removed; only read to say so
    AUTH_GITHUB_ID: optionalText,
    AUTH_GITHUB_SECRET: optionalText,
    AUTH_GOOGLE_ID: optionalText,
    AUTH_GOOGLE_SECRET: optionalText,
    AUTH_LOCAL_OIDC_ISSUER: httpUrl.optional(),
    AUTH_LOCAL_OIDC_ID: optionalText,
    AUTH_LOCAL_OIDC_SECRET: optionalText.refine((v) => v === undefined || v.length >= 32, "must be at least 32 characters"),
    CRON_SECRET: z.string().min(16, "must be at least 16 characters"),
    // Lowercased like the emails sessions carry; unset, /admin is a 404 for everyone.
    ADMIN_EMAILS: optionalText.pipe(
      z
        .string()
        .optional()
        .transform((v) => (v ?? "").split(",").map((e) => e.trim()).filter(Boolean))
        .pipe(z.array(operatorEntry)),
    ),
    ...billingShape,
  })
  .superRefine(
    (env, ctx) => {
      const pairs = [
        ["AUTH_GITHUB_ID", "AUTH_GITHUB_SECRET"],
        ["AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"],
      ] as const;
      for (const [id, secret] of pairs) {
        if (Boolean(env[id]) !== Boolean(env[secret])) {
          ctx.addIssue({ code: "custom", path: [env[id] ? secret : id], message: "is missing" });
        }
      }
      if (env.AUTH_LOCAL_LOGIN !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["AUTH_LOCAL_LOGIN"],
          message:
            "was removed, with the passwordless email sign-in it switched on. Delete it: locally `npm run dev` starts a local identity provider (AUTH_LOCAL_OIDC_*) that the app signs in through like GitHub or Google; in production " +
            USE_OAUTH,
        });
      }
      const localSet = LOCAL_OIDC.filter((k) => env[k] !== undefined);
      if (localSet.length > 0 && localSet.length < LOCAL_OIDC.length) {
        for (const k of LOCAL_OIDC.filter((k) => env[k] === undefined)) {
          ctx.addIssue({ code: "custom", path: [k], message: `is missing: set ${LOCAL_OIDC.join(", ")} together (\`npm run dev\` does), or none of them` });
        }
      }
      if (env.AUTH_LOCAL_OIDC_ISSUER !== undefined) {
        if (URL.canParse(env.AUTH_LOCAL_OIDC_ISSUER) && !isLoopbackUrl(env.AUTH_LOCAL_OIDC_ISSUER)) {
          ctx.addIssue({
            code: "custom",
            path: ["AUTH_LOCAL_OIDC_ISSUER"],
            message: `must be on a loopback address (localhost, 127.0.0.0/8 or [::1]): ${DEV_ONLY}`,
          });
        }
        for (const k of ["APP_URL", "NEXTAUTH_URL"] as const) {
          const url = env[k];
          if (url !== undefined && URL.canParse(url) && !isLoopbackUrl(url)) {
            ctx.addIssue({
              code: "custom",
              path: ["AUTH_LOCAL_OIDC_ISSUER"],
              message: `is set while ${k}=${url} is not a loopback address: ${DEV_ONLY}. Remove ${LOCAL_OIDC.join(", ")} and ${USE_OAUTH}`,
            });
          }
        }
      }
      // Sandbox is the default, so a production deployment that forgot the variable would take
      // sandbox test-card payments for real plans.
      if (env.VERCEL_ENV === "production" && !env.POLAR_API_URL && env.POLAR_SERVER !== "production") {
        ctx.addIssue({
          code: "custom",
          path: ["POLAR_SERVER"],
          message:
            'is "sandbox" (the default when unset) on Vercel\'s production deployment (VERCEL_ENV=production): a sandbox test card would buy a real plan. Set POLAR_SERVER=production with a production token and webhook secret there, and keep sandbox for Preview with a database of its own',
        });
      }
      if (!env.AUTH_GITHUB_ID && !env.AUTH_GOOGLE_ID && localSet.length === 0) {
        ctx.addIssue({
          code: "custom",
          path: [],
          message: `No sign-in provider is configured: run \`npm run dev\` (it starts a local identity provider and sets ${LOCAL_OIDC.join(", ")}), or ${USE_OAUTH}`,
        });
      }
    },
    // Also when a variable above is missing or malformed, so that every problem is listed at once.
    { when: () => true },
  );

export type Env = z.output<typeof schema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Empty strings (e.g. `FOO=` in a .env file) mean "unset", as users expect. */
function withoutEmpty(source: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""));
}

/** Parses the environment, throwing an EnvError whose lines each name a variable and how to fix it. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = withoutEmpty(source);
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    // An issue about no single variable says everything in its message.
    if (issue.path.length === 0) return issue.message;
    const { name, what, hint } = describeIssue(issue, cleaned);
    return `${name} ${what}${hint ? `: ${hint}` : ""}`;
  });
  throw new EnvError(problems);
}

function describeIssue(issue: z.core.$ZodIssue, cleaned: Record<string, unknown>): { name: string; what: string; hint: string } {
  const name = String(issue.path[0]);
  const what = issue.code === "invalid_type" && cleaned[name] === undefined ? "is required" : issue.message;
  const hint = issue.code === "custom" ? "" : (envHints[name] ?? "");
  return { name, what, hint };
}

type Fields = typeof schema.shape;
export type EnvVariable = keyof Fields;

/** One variable by its own rule: `what` is wrong with it, `hint` how to fix it. */
export type ParsedVariable<K extends EnvVariable> =
  | { ok: true; value: z.output<Fields[K]> }
  | { ok: false; what: string; hint: string };

/**
 * One variable checked alone, by the rule the app applies at start, for tools that report each
 * setting on its own line (`npm run doctor`) and must go on when another variable is wrong.
 * The rules between variables (sign-in pairs, the local identity provider) are parseEnv's alone.
 */
export function parseEnvVariable<K extends EnvVariable>(name: K, source: Record<string, string | undefined>): ParsedVariable<K> {
  const raw = source[name];
  const cleaned = raw === undefined || raw === "" ? {} : { [name]: raw };
  const result = z.object({ [name]: schema.shape[name] }).safeParse(cleaned);
  if (result.success) return { ok: true, value: (result.data as Record<K, z.output<Fields[K]>>)[name] };
  const issue = result.error.issues[0];
  if (!issue) return { ok: false, what: "is invalid", hint: envHints[name] ?? "" };
  const { what, hint } = describeIssue({ ...issue, path: [name] }, cleaned);
  return { ok: false, what, hint };
}

export type BillingEnv = z.output<z.ZodObject<typeof billingShape>>;

/**
 * The billing settings alone (lib/billing), so its code runs in tools and tests without the
 * app's secrets. Parsed on each call: one small object, and a test can change it.
 */
export function billingEnv(): BillingEnv {
  const result = z.object(billingShape).safeParse(withoutEmpty(process.env));
  if (result.success) return result.data;
  throw new EnvError(result.error.issues.map((i) => `${String(i.path[0])} ${i.message}: ${envHints[String(i.path[0])] ?? ""}`));
}

let cached: Env | undefined;

/** The validated environment, parsed once per process on first use. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
