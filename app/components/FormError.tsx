/** A form's refusal, said where the form is (announced by screen readers as it appears). */
export function FormError({ error, testId }: { error?: string; testId?: string }) {
  return error ? (
    <p role="alert" className="text-sm text-red-700" data-testid={testId}>
      {error}
    </p>
  ) : null;
}
