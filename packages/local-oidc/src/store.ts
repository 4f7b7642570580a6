import type { Adapter, AdapterPayload } from "oidc-provider";

/**
 * oidc-provider's storage, in memory and per provider instance. The package's own memory adapter
 * keeps one store per process (shared by every instance a test starts) and warns at start that it
 * is not for production; this one says the same thing here instead: a development provider's
 * sessions and codes may be lost on restart. Sign-in only needs them for the minute a flow takes.
 */
export function memoryStore(): (model: string) => Adapter {
  const items = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  const index = new Map<string, string>(); // session uid -> session key
  const byGrant = new Map<string, Set<string>>();
  // What revoking a grant revokes (as oidc-provider's own memory adapter): its tokens and codes.
  // Not an interaction that happens to carry the grant's id: signing in as another account ends
  // the provider's session (and its grants) half-way through that interaction, which then resumes.
  const grantable = new Set(["AccessToken", "AuthorizationCode", "RefreshToken", "DeviceCode", "BackchannelAuthenticationRequest"]);

  const live = (key: string | undefined): AdapterPayload | undefined => {
    if (!key) return undefined;
    const item = items.get(key);
    if (!item) return undefined;
    if (item.expiresAt <= Date.now()) {
      items.delete(key);
      return undefined;
    }
    return item.payload;
  };

  return (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        items.set(key(id), { payload, expiresAt: Date.now() + expiresIn * 1000 });
        if (model === "Session" && payload.uid) index.set(payload.uid, key(id));
        if (grantable.has(model) && payload.grantId) {
          const keys = byGrant.get(payload.grantId) ?? new Set<string>();
          keys.add(key(id));
          byGrant.set(payload.grantId, keys);
        }
      },
      async find(id) {
        return live(key(id));
      },
      async findByUid(uid) {
        return live(index.get(uid));
      },
      async findByUserCode() {
        return undefined; // no device flow
      },
      async consume(id) {
        const payload = live(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        items.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const k of byGrant.get(grantId) ?? []) items.delete(k);
        byGrant.delete(grantId);
      },
    };
  };
}
