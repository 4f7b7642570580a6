import "server-only";
import type { Profile, TokenSet } from "next-auth";
import type { GithubProfile } from "next-auth/providers/github";

export interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/** GitHub's user with the emails API's answer added. */
export type GitHubProfileWithEmails = GithubProfile & { emails: GitHubEmail[] };

/**
 * GitHub's user plus its emails API (`GET /user/emails`, scope `user:email`): the only answer to
 * which address is verified. next-auth's own GitHub request asks the emails API only when the
 * public email is empty, and then takes the primary address whether verified or not.
 */
export async function githubProfile({ tokens }: { tokens: TokenSet }): Promise<Profile> {
  const get = async (path: string): Promise<unknown> => {
    const res = await fetch(`https://api.github.com${path}`, {
      headers: {
        Authorization: `Bearer ${tokens.access_token}`,
        Accept: "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "acme-pro-sign-in",
      },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`GitHub ${path} answered ${res.status}`);
    return res.json();
  };
  const [user, emails] = await Promise.all([get("/user"), get("/user/emails")]);
  // next-auth types the userinfo answer as its narrow Profile; the profile() callback below reads it
  // back as GitHub's shape, which is what this is.
  const profile: GitHubProfileWithEmails = { ...(user as GithubProfile), emails: emails as GitHubEmail[] };
  return profile as Profile;
}
