import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { loadAppModels } from "@/lib/db/app-models";
import { declaredIndexes, indexTable } from "@/lib/db/declared-indexes";

// The README's index list is the models' (section "Queries Atlas can serve"): a model or index
// added without it fails here, with the table to paste (`npm run indexes` prints it too).
it("the README lists the indexes the models declare", async () => {
  const readme = readFileSync("README.md", "utf8");
  const listed = /<!-- indexes: npm run indexes -->\n([\s\S]*?)\n<!-- \/indexes -->/.exec(readme)?.[1];
  expect(listed, "README.md: the block between <!-- indexes: npm run indexes --> and <!-- /indexes -->").toBe(indexTable(declaredIndexes(await loadAppModels())));
});
