// The least any Next.js receiver of Polar's webhooks must do: verify the Standard Webhooks
// signature and store the raw event once. `npm run bench` compares our route against this.
// The driver Mongoose ships, without Mongoose: no models, no casting.
import mongoose from "mongoose";
import { Webhook } from "standardwebhooks";

// Made at the first request, once per process: the build has no environment.
function receiver() {
  globalThis.floorReceiver ??= {
    verifier: new Webhook(Buffer.from(process.env.POLAR_WEBHOOK_SECRET ?? "", "utf-8").toString("base64")),
    client: new mongoose.mongo.MongoClient(process.env.MONGODB_URI ?? "").connect(),
  };
  return globalThis.floorReceiver;
}

export async function POST(request) {
  const { verifier, client } = receiver();
  const body = await request.text();
  const headers = Object.fromEntries(request.headers);
  try {
    verifier.verify(body, headers);
  } catch {
    return Response.json({ ok: false }, { status: 403 });
  }
  const events = (await client).db().collection("floor_events");
  try {
    await events.insertOne({ _id: headers["webhook-id"], body });
  } catch (error) {
    if (error?.code !== 11000) throw error;
  }
  return Response.json({ ok: true });
}

/** The bench waits for this to answer before it sends load. */
export function GET() {
  return Response.json({ ok: true });
}
