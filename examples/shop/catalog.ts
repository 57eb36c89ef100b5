/**
 * The storefront's products, in node:sqlite. Prices are decimal strings, as in
 * the seed, and are summed in integer cents.
 */
import { DatabaseSync } from 'node:sqlite';

export interface Product {
  id: number;
  name: string;
  brand: string;
  price: string;
  thumbnail: string;
}

export function openCatalog(): DatabaseSync {
  const db = new DatabaseSync(':memory:');
  db.exec('CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, brand TEXT, price TEXT, thumbnail TEXT)');
  const insert = db.prepare('INSERT INTO products VALUES (?, ?, ?, ?, ?)');
  insert.run(1, 'Linen Shirt', 'Weft & Warp', '49.00', '/static/shirt.svg');
  insert.run(2, 'Denim Jacket', 'Weft & Warp', '89.50', '/static/jacket.svg');
  insert.run(42, 'Merino Scarf', 'Loom', '29.99', '/static/scarf.svg');
  return db;
}

export function findProduct(db: DatabaseSync, id: number): Product | undefined {
  return db.prepare('SELECT id, name, brand, price, thumbnail FROM products WHERE id = ?').get(id) as unknown as
    | Product
    | undefined;
}

/** "29.99" → 2999. Exact for the two-decimal prices a catalog holds. */
export function toCents(price: string): number {
  const [whole = '0', frac = ''] = price.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0').slice(0, 2));
}

export function fromCents(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
