/** The floor app of `npm run bench`: Next.js defaults, nothing of ours. */
const nextConfig = {};
export default nextConfig;
