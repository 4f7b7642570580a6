import { describe, expect, it } from "vitest";
import { CONNECTION_DEFAULTS, connectionDefaults } from "@/lib/db/options";

describe("connection options", () => {
  it("applies the defaults to a connection string that sets none", () => {
    expect(connectionDefaults("mongodb+srv://app:pw@cluster0.abcde.mongodb.net/acme?retryWrites=true&w=majority")).toEqual(CONNECTION_DEFAULTS);
    expect(connectionDefaults("mongodb://127.0.0.1:27117/acme")).toEqual({ serverSelectionTimeoutMS: 5_000, maxPoolSize: 10 });
  });

  it("leaves to the connection string what it sets, whatever the case", () => {
    expect(connectionDefaults("mongodb+srv://app:pw@cluster0.abcde.mongodb.net/acme?maxpoolsize=3&appName=acme")).toEqual({ serverSelectionTimeoutMS: 5_000 });
    expect(connectionDefaults("mongodb://h1:27017,h2:27017/acme?replicaSet=rs0&serverSelectionTimeoutMS=2000&maxPoolSize=5")).toEqual({});
  });
});
