/**
 * Logs and stored errors name ids, never emails or secrets: an email is the customer's identity
 * with Polar, and log drains and operator screens outlive it; a secret in a log is a leaked secret.
 */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// Polar's tokens and secrets (organization/personal access tokens, webhook and client secrets),
// Standard Webhooks secrets, a bearer token, and the credentials in a MongoDB connection string.
const SECRET_SHAPES: ReadonlyArray<[RegExp, string]> = [
  [/\bpolar_[a-z]{2,4}_[A-Za-z0-9_-]{8,}/g, "<secret>"],
  [/\bwhsec_[A-Za-z0-9+/=_-]{8,}/g, "<secret>"],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi, "Bearer <secret>"],
  [/(mongodb(?:\+srv)?:\/\/)[^@/\s]+@/g, "$1<credentials>@"],
];

export function redactEmails(text: string): string {
  return text.replace(EMAIL, "<email>");
}

/** Emails, secret-shaped strings, and each of `secrets` (the deployment's own values) removed. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Before the emails: a connection string's credentials look like an email's first half.
  for (const [shape, replacement] of SECRET_SHAPES) out = out.replace(shape, replacement);
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join("<secret>");
  return redactEmails(out);
}

/** An error as one line for a log or the inbox: its name and message, emails and secrets removed. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return redact(text).slice(0, 500);
}
