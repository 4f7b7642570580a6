/**
 * The cookies one site set, kept as a browser would for a single origin (path and expiry aside:
 * every flow here is a minute long). Enough to drive a sign-in over plain HTTP.
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Keeps the cookies a response set; a cookie set empty or already expired is removed. */
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const at = pair.indexOf("=");
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => {
        const [key = "", raw = ""] = a.split("=");
        const k = key.trim().toLowerCase();
        return (k === "max-age" && Number(raw) <= 0) || (k === "expires" && Date.parse(raw) <= Date.now());
      });
      if (!value || expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  has(predicate: (name: string) => boolean): boolean {
    return [...this.#cookies.keys()].some(predicate);
  }

  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}
