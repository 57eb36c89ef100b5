/**
 * The storefront's products, in node:sqlite. Prices are decimal strings (as a
 * shop's data usually has them) and are summed in integer cents.
 */
import { DatabaseSync } from 'node:sqlite';

export interface Product {
  id: number;
  name: string;
  brand: string;
  price: string;
  thumbnail: string;
  description: string;
}

export interface SizeStock {
  size: string;
  stock: number;
}

export function openCatalog(): DatabaseSync {
  const db = new DatabaseSync(':memory:');
  db.exec(`CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, brand TEXT, price TEXT, thumbnail TEXT, description TEXT);
    CREATE TABLE inventory (product_id INTEGER REFERENCES products(id), size TEXT, stock INTEGER, PRIMARY KEY (product_id, size))`);
  const insert = db.prepare('INSERT INTO products VALUES (?, ?, ?, ?, ?, ?)');
  insert.run(1, 'Linen Shirt', 'Weft & Warp', '49.00', '/static/shirt.svg', 'A breathable shirt for "warm" days.');
  insert.run(2, 'Denim Jacket', 'Weft & Warp', '89.50', '/static/jacket.svg', 'Heavy <selvedge> denim.');
  insert.run(42, 'Merino Scarf', 'Loom', '29.99', '/static/scarf.svg', 'Soft, warm & light.');
  const stock = db.prepare('INSERT INTO inventory VALUES (?, ?, ?)');
  for (const [id, sizes] of [
    [1, { S: 0, M: 3, L: 12 }],
    [2, { M: 8, L: 2 }],
    [42, { M: 20 }],
  ] as const) {
    for (const [size, count] of Object.entries(sizes)) stock.run(id, size, count);
  }
  return db;
}

export function findProduct(db: DatabaseSync, id: number): Product | undefined {
  return db.prepare('SELECT id, name, brand, price, thumbnail, description FROM products WHERE id = ?').get(id) as unknown as
    | Product
    | undefined;
}

/** Sizes in the order a shopper expects, with their stock. */
export function sizesOf(db: DatabaseSync, id: number): SizeStock[] {
  return db
    .prepare(
      `SELECT size, stock FROM inventory WHERE product_id = ?
       ORDER BY CASE size WHEN 'XS' THEN 0 WHEN 'S' THEN 1 WHEN 'M' THEN 2 WHEN 'L' THEN 3 WHEN 'XL' THEN 4 ELSE 5 END`,
    )
    .all(id)
    // node:sqlite rows have a null prototype; state should hold plain objects.
    .map((row) => ({ size: row.size as string, stock: row.stock as number }));
}

/** "29.99" → 2999. Exact for the two-decimal prices a catalog holds. */
export function toCents(price: string): number {
  const [whole = '0', frac = ''] = price.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0').slice(0, 2));
}

export function fromCents(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
