import { recentDriftRepairs } from "@/lib/admin/queries";
import { readSection } from "@/lib/admin/read-section";
import { time } from "./format";
import { SectionError } from "./SectionError";

export async function DriftPanel() {
  const read = await readSection("drift repairs", () => recentDriftRepairs());
  if (!read.ok) return <SectionError message={read.message} />;
  const repairs = read.value;
  if (repairs.length === 0) return <p className="text-slate-700">None: our facts have matched Polar&apos;s.</p>;
  return (
    <table className="w-full rounded-lg border border-slate-200 bg-white text-left text-sm" data-testid="drift-repairs">
      <thead className="bg-slate-100 text-slate-700">
        <tr>
          <th scope="col" className="px-3 py-2">When</th>
          <th scope="col" className="px-3 py-2">Customer</th>
          <th scope="col" className="px-3 py-2">What</th>
          <th scope="col" className="px-3 py-2">Ours → Polar&apos;s</th>
          <th scope="col" className="px-3 py-2">Plan</th>
        </tr>
      </thead>
      <tbody>
        {repairs.map((r, i) => (
          <tr key={i} className="border-t border-slate-200">
            <td className="px-3 py-2">{time.format(r.at)}</td>
            <td className="px-3 py-2">{r.email ?? "(deleted)"}</td>
            <td className="px-3 py-2">{r.kind} <code className="text-xs">{r.subject}</code></td>
            <td className="px-3 py-2">{r.before} → {r.after}</td>
            <td className="px-3 py-2">{r.planBefore} → {r.planAfter}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
