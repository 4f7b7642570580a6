import { isoNow, type ProductRecord } from "../store";
import type { FlowContext } from "./emit";

/**
 * Products: a merchant creating or editing one. The admin API stands in for Polar's dashboard;
 * products are not created through the REST API.
 */
export class Products {
  constructor(private readonly fx: FlowContext) {}

  /**
   * `product.created` or `product.updated`, as Polar emits them. An edit moves `modified_at`,
   * which receivers use to keep the newest version.
   */
  save(product: ProductRecord): { product: ProductRecord; created: boolean } {
    const existing = this.fx.store.products.get(product.id);
    const saved: ProductRecord = existing ? { ...product, createdAt: existing.createdAt, modifiedAt: isoNow() } : { ...product, modifiedAt: null };
    const created = this.fx.store.upsertProduct(saved) === "created";
    this.fx.emit.product(created ? "product.created" : "product.updated", saved);
    this.fx.changed();
    return { product: saved, created };
  }
}
