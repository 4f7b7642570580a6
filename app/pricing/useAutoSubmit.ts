"use client";

import { useEffect, useRef } from "react";

/**
 * Submits the form once by itself when `autoSubmit` is set: a checkout the visitor started
 * before signing in continues in the browser that started it (lib/checkout/intent.ts).
 */
export function useAutoSubmit(autoSubmit: boolean) {
  const form = useRef<HTMLFormElement>(null);
  const submitted = useRef(false);
  useEffect(() => {
    if (autoSubmit && !submitted.current) {
      submitted.current = true;
      form.current?.requestSubmit();
    }
  }, [autoSubmit]);
  return form;
}
