import { withAuth } from "next-auth/middleware";

// Signed-out visitors of these pages go to sign-in and come back afterwards. Runs on the Edge:
// nothing here may import Mongoose; the pages themselves read the plan from MongoDB.
export default withAuth({ pages: { signIn: "/signin" } });

export const config = {
  matcher: ["/account/:path*", "/confirmation/:path*", "/pro/:path*"],
};
