import { createServer, type Server } from "node:http";
import mongoose from "mongoose";
import { Webhook } from "standardwebhooks";

/**
 * The floor below any framework: a bare Node `http` server that verifies the signature and
 * stores the raw event once, on the same database as the app. Runs in its own process
 * (`tsx scripts/bench/floor-node.ts <port>`) so that it does not share the bench's event loop.
 */
export async function serveFloor(port: number, mongodbUri: string, secret: string): Promise<Server> {
  const verifier = new Webhook(Buffer.from(secret, "utf-8").toString("base64"));
  const client = await new mongoose.mongo.MongoClient(mongodbUri).connect();
  const events = client.db().collection<{ _id: string; body: string }>("floor_events");
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const send = (status: number, json: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
      try {
        verifier.verify(body, headers);
      } catch {
        return send(403, { ok: false });
      }
      try {
        await events.insertOne({ _id: headers["webhook-id"] ?? "", body });
      } catch (error) {
        if ((error as { code?: unknown }).code !== 11000) return send(503, { ok: false });
      }
      send(200, { ok: true });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  server.on("close", () => void client.close());
  return server;
}

if (process.argv[1]?.endsWith("floor-node.ts")) {
  const [port, uri, secret] = [Number(process.argv[2]), process.env.MONGODB_URI ?? "", process.env.POLAR_WEBHOOK_SECRET ?? ""];
  serveFloor(port, uri, secret).then(
    () => console.log(`floor-node listening on ${port}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
