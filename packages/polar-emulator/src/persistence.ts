import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { DeliverySnapshot } from "./delivery";
import type { StoreSnapshot } from "./store";

/** The emulator's state on disk, so a restarted emulator still knows its checkouts and events. */

export interface StateFileContent {
  version: 1;
  savedAt: string;
  store: StoreSnapshot;
  delivery: DeliverySnapshot;
}

export function readState(file: string): StateFileContent | null {
  if (!existsSync(file)) return null;
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<StateFileContent>;
    // A file from another version, or hand-edited into another shape, is started over.
    if (parsed.version !== 1 || !parsed.store || !parsed.delivery) return null;
    return parsed as StateFileContent;
  } catch {
    return null;
  }
}

/** Written whole to a temporary file, then renamed: a crash never leaves half a file. */
export function writeState(file: string, content: Omit<StateFileContent, "version" | "savedAt">): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: 1, savedAt: new Date().toISOString(), ...content }));
  renameSync(tmp, file);
}

/** Coalesces bursts of changes (one Pay click changes many records) into one write. */
export function debouncedSaver(save: () => void, delayMs: number, log: (line: string) => void) {
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    try {
      save();
    } catch (error) {
      log(`[polar-emulator] could not save its state: ${(error as Error).message}`);
    }
  };
  return {
    schedule() {
      if (timer) return;
      timer = setTimeout(flush, delayMs);
      timer.unref();
    },
    flush() {
      if (timer) flush();
    },
  };
}
