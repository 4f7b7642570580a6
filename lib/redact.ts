/**
 * Logs and stored errors name ids, never emails: an email is the customer's identity with Polar
 * and ends up in log drains and operator screens that outlive it.
 */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

export function redactEmails(text: string): string {
  return text.replace(EMAIL, "<email>");
}

/** An error as one line for a log or the inbox: its name and message, emails removed. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return redactEmails(text).slice(0, 500);
}
