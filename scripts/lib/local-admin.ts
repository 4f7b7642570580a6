/** Who may open /admin on the local stack (sign in as it at the local identity provider), unless ADMIN_EMAILS says otherwise. */
export const LOCAL_ADMIN_EMAIL = "admin@example.com";
