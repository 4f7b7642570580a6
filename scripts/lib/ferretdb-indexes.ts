/**
 * Makes the local cluster's indexes serve FerretDB's queries, as MongoDB's serve ours.
 *
 * FerretDB 1.24.2 (PostgreSQL backend) sends every equality it pushes down as
 * `_jsonb -> 'field' @> 'value'` (internal/backends/postgresql/query.go, filterEqual), `_id` included,
 * and builds each index it is asked for as a btree over `(_jsonb -> 'field')`
 * (metadata/registry.go, indexesCreate). A btree cannot serve `@>`, so every lookup is a sequential
 * scan of its collection: measured here, `findOne({ _id })` and `findOne({ email })` took 45-50 ms
 * each at 100,000 documents, which is what made applying an event at that size take seconds.
 *
 * The cure lives in the cluster, not in the app (whose indexes are MongoDB's and already right): an
 * event trigger gives each top-level field of every btree FerretDB creates a GIN companion over the
 * same expression, which `@>` can use; the same 100,000-document lookups then take about 3 ms.
 * FerretDB's metadata never lists the companions, its btrees keep uniqueness, and a dropped
 * collection takes its companions with it. `fastupdate = off`: GIN's pending list, which a lookup
 * reads whole, would otherwise grow up to 4 MB between vacuums (8-11 ms lookups at 100,000).
 *
 * `plan_cache_mode = force_custom_plan` (a server setting: FERRETDB_PLANNER_SETTINGS) because
 * FerretDB passes the field name as a parameter too (`_jsonb -> $1 @> $2`): a prepared statement's
 * generic plan cannot match `$1` to an index's `'email'`, and PostgreSQL may settle on it after five
 * executions. Custom plans are planned with the values, and the companion matches.
 */

/** Settings for the server's command line (`-c name=value`). */
export const FERRETDB_PLANNER_SETTINGS: readonly string[] = ["plan_cache_mode=force_custom_plan"];

/**
 * Run once per start in FerretDB's database (idempotent): the function, the trigger, and the
 * companions of indexes created before them (a cluster from an older checkout).
 */
export const FERRETDB_INDEX_COMPANIONS_SQL = `
CREATE OR REPLACE FUNCTION ferretdb_gin_companions(btree oid) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  def text := pg_get_indexdef(btree);
  tbl regclass;
  field text;
BEGIN
  -- FerretDB's own indexes only: btrees over (_jsonb -> 'field'); a nested path is never pushed down.
  IF def NOT LIKE '%USING btree (%_jsonb -> %' THEN RETURN; END IF;
  SELECT indrelid::regclass INTO tbl FROM pg_index WHERE indexrelid = btree;
  FOR field IN SELECT (regexp_matches(def, '\\(\\(_jsonb -> ''((?:[^'']|'''')+)''::text\\)\\)', 'g'))[1] LOOP
    field := replace(field, '''''', '''');
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb -> %L) jsonb_path_ops) WITH (fastupdate = off)',
      left(split_part(tbl::text, '.', 2), 40) || '_' || left(md5(field), 8) || '_gin', tbl, field);
  END LOOP;
END
$fn$;

CREATE OR REPLACE FUNCTION ferretdb_gin_companions_on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $fn$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE INDEX' LOOP
    PERFORM ferretdb_gin_companions(cmd.objid);
  END LOOP;
END
$fn$;

DROP EVENT TRIGGER IF EXISTS ferretdb_gin_companions;
CREATE EVENT TRIGGER ferretdb_gin_companions ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION ferretdb_gin_companions_on_ddl();

SELECT ferretdb_gin_companions(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
  WHERE a.amname = 'btree' AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace);
`;
