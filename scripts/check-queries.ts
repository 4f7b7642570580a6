import { checkQueryLog } from "./lib/query-check";

/**
 * `npm run check:queries -- <queries.jsonl> [label]`: fails (exit 1) when a query the app
 * recorded during a run (RECORD_QUERIES=<file>) has no index declared on its model that serves it
 * on MongoDB, listing each; also when the file holds no query from the app. `npm test` runs it
 * after the integration and the e2e runs.
 */
async function main(argv: string[]): Promise<number> {
  const [file, label = file] = argv;
  if (!file) {
    console.error("usage: npm run check:queries -- <queries.jsonl> [label]");
    return 2;
  }
  const { ok, text } = await checkQueryLog(file, label ?? file);
  (ok ? console.log : console.error)(text);
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
