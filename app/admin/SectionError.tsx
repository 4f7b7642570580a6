export function SectionError({ message }: { message: string }) {
  return (
    <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-red-800" data-testid="section-error">
      {message}
    </p>
  );
}
