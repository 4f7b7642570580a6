import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import mongoose, { type Model } from "mongoose";

/** A Mongoose model as the tools that read every model need it (the doctor, the query check). */
export type AppModel = Pick<Model<unknown>, "modelName" | "schema" | "collection">;

function isModel(value: unknown): value is AppModel {
  return typeof value === "function" && value.prototype instanceof mongoose.Model;
}

/** Every Mongoose model a file in `dir` exports: a model added to models/ is checked without a list to update. */
export async function loadAppModels(dir = join(process.cwd(), "models")): Promise<AppModel[]> {
  const found = new Map<string, AppModel>();
  const files = readdirSync(dir)
    .filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith(".d.ts"))
    .sort();
  for (const file of files) {
    const exported = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(exported)) if (isModel(value)) found.set(value.modelName, value);
  }
  return [...found.values()];
}
