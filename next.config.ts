import type { NextConfig } from "next";
import { staticSecurityHeaders } from "./lib/security-headers";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // In `next dev` only, Node loads these from node_modules instead of the bundler compiling them on
  // a page's first visit (bench/results.md, "Dev server": `npm run bench:dev`). Production keeps
  // bundling them, so a function carries only the code its routes reach. mongoose and mongodb are
  // external in both (Next's default; bundled, each React layer would get its own Mongoose).
  serverExternalPackages: process.env.NODE_ENV === "development" ? ["@polar-sh/sdk", "next-auth", "jose", "zod"] : [],
  reactStrictMode: true,
  // Every response, API routes included; the per-request CSP comes from middleware.ts.
  async headers() {
    return [{ source: "/:path*", headers: Object.entries(staticSecurityHeaders).map(([key, value]) => ({ key, value })) }];
  },
};

export default nextConfig;
