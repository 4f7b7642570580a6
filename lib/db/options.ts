/**
 * The driver options the app connects with when the connection string does not set them. The
 * string wins (the driver would otherwise let these override it), so a deployment tunes its pool
 * in `MONGODB_URI` alone, e.g. `?maxPoolSize=5` for a small Atlas tier with many instances.
 */
export const CONNECTION_DEFAULTS = {
  // A webhook must get its 503 well inside Polar's 10 s timeout when no server can be selected.
  serverSelectionTimeoutMS: 5_000,
  // Per function instance: with Fluid compute one instance serves concurrent requests.
  maxPoolSize: 10,
} as const;

export function connectionDefaults(uri: string): Partial<typeof CONNECTION_DEFAULTS> {
  const query = uri.split("?")[1] ?? "";
  const inUri = new Set(query.split("&").map((pair) => pair.split("=")[0]!.toLowerCase()));
  return Object.fromEntries(Object.entries(CONNECTION_DEFAULTS).filter(([name]) => !inUri.has(name.toLowerCase())));
}
