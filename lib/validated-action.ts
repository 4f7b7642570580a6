import type { z } from "zod";

// `notice`: what a successful action that stays on the page says (one that navigates away says it there).
export type ActionState = { error?: string; notice?: string };

/**
 * Wraps a server action so its form data is parsed with zod before anything else runs; the
 * action only ever sees typed, validated input.
 */
export function validatedAction<S extends z.ZodType, R extends ActionState>(
  schema: S,
  action: (input: z.output<S>) => Promise<R>,
): (prev: ActionState, formData: FormData) => Promise<ActionState> {
  return async (_prev, formData) => {
    const parsed = schema.safeParse(Object.fromEntries(formData));
    if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? "The form was not valid." };
    return action(parsed.data);
  };
}
