import type { Benefits } from "./benefits";
import type { Meters } from "./meters";

/** The meters and benefits flows, as the subscription and order flows use them. */
export interface Usage {
  meters: Meters;
  benefits: Benefits;
}
