import type { NextConfig } from "next";
import { staticSecurityHeaders } from "./lib/security-headers";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // In `next dev` only, Node loads these from node_modules instead of the bundler compiling them on
  // a page's first visit (bench/results.md, "Dev server": `npm run bench:dev`). Production bundles
  // them, so a function carries only the code its routes reach.
  serverExternalPackages: process.env.NODE_ENV === "development" ? ["@polar-sh/sdk", "next-auth", "jose", "zod"] : [],
  // Next leaves Mongoose and the MongoDB driver external by default: every function would carry
  // their whole source, comments and all (the webhook route 5.3 MB, 3 MB bundled; `npm run
  // bench:cold`). Bundled, each React layer that imports them gets its own copy, so server actions
  // reach client components as props from server components, and `npm run build:vercel` fails a
  // function with two copies (scripts/lib/vercel-output.ts, one-mongoose). Dev keeps them external.
  transpilePackages: process.env.NODE_ENV === "development" ? [] : ["mongoose", "mongodb"],
  reactStrictMode: true,
  // Every response, API routes included; the per-request CSP comes from middleware.ts.
  async headers() {
    return [{ source: "/:path*", headers: Object.entries(staticSecurityHeaders).map(([key, value]) => ({ key, value })) }];
  },
};

export default nextConfig;
