import { loadAppModels } from "../lib/db/app-models";
import { declaredIndexes, indexTable } from "../lib/db/declared-indexes";

/**
 * `npm run indexes`: the indexes every model in models/ declares, as the README's table in
 * "Queries Atlas can serve" (tests/unit/readme-indexes.test.ts fails when the README's copy differs).
 */
loadAppModels().then(
  (models) => console.log(indexTable(declaredIndexes(models))),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
