/**
 * The indexes the models declare, read from their schemas: what `connectDb` builds on MongoDB,
 * so what Atlas will have. Never from a live database: FerretDB would answer every query without
 * them, and an index present there but missing from the model would not be built in production.
 */
export interface DeclaredIndex {
  collection: string;
  /** The index's keys in order (directions do not matter to the rule). */
  keys: string[];
  unique: boolean;
}

/** What this needs of a Mongoose model (a test passes schemas of its own). */
export interface IndexedModel {
  collection: { collectionName: string };
  schema: { indexes(): Array<[Record<string, unknown>, Record<string, unknown>?]> };
}

/**
 * Every declared index of `models`, the implicit unique `_id` first. `schema.indexes()` already
 * holds the path-level ones (`index: true`, `unique: true`) beside `schema.index(...)`.
 */
export function declaredIndexes(models: IndexedModel[]): DeclaredIndex[] {
  return models.flatMap((model) => {
    const collection = model.collection.collectionName;
    return [
      { collection, keys: ["_id"], unique: true },
      ...model.schema.indexes().map(([fields, options]) => ({ collection, keys: Object.keys(fields), unique: options?.unique === true })),
    ];
  });
}

/** `{customerEmail: 1, productId: 1, createdAt: -1}` as the README lists it: `customerEmail, productId, createdAt`. */
export function describeIndex(index: DeclaredIndex): string {
  return `\`${index.keys.join(", ")}\`${index.unique ? " (unique)" : ""}`;
}

/** The README's table: one row per collection, its indexes in declaration order (`npm run indexes` prints it). */
export function indexTable(indexes: DeclaredIndex[]): string {
  const byCollection = new Map<string, DeclaredIndex[]>();
  for (const index of indexes) byCollection.set(index.collection, [...(byCollection.get(index.collection) ?? []), index]);
  const rows = [...byCollection.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([collection, list]) => `| \`${collection}\` | ${list.map(describeIndex).join("; ")} |`);
  return ["| collection | declared indexes (keys in order) |", "| --- | --- |", ...rows].join("\n");
}
