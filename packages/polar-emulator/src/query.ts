/** Query parameters as the SDK sends them and FastAPI reads them. */

/** Repeated query keys are how the SDK sends a list filter (`customer_id=a&customer_id=b`). */
export function anyOf(query: URLSearchParams, name: string): ((value: string | null) => boolean) | null {
  const wanted = query.getAll(name);
  if (!wanted.length) return null;
  return (value) => value !== null && wanted.includes(value);
}

export function bool(query: URLSearchParams, name: string): boolean | null {
  const raw = query.get(name);
  if (raw === null) return null;
  return raw === "true" || raw === "1";
}
