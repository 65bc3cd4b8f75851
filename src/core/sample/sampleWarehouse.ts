// The sample warehouse: a small, realistic e-commerce database generated deterministically on
// first use, so a new user can question something real within the first minute. Two years of
// orders (2024-2025) with seasonality, a mobile-channel slump in 2025-Q3 worth investigating,
// and deliberate data-quality warts (null emails, duplicate customers, double-charged payments,
// products without a category) for later checks to find.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadDuckDB } from '../connectors/duckdb';

/** Bump when the generated content changes, so old caches are not reused. */
export const SAMPLE_VERSION = 1;
export const SAMPLE_FILE = `sample-warehouse-v${SAMPLE_VERSION}.duckdb`;

// A fixed integer mixer (not DuckDB's hash(), which may change between versions) that maps
// (i, salt) to a uniform number in [0, 1).
const MACROS = [
  `CREATE TEMP MACRO mix32(x) AS xor(x, x >> 16)`,
  `CREATE TEMP MACRO rnd(i, salt) AS
     mix32((mix32(((i::HUGEINT + salt * 1000003) * 2654435761 % 4294967296)::BIGINT)::HUGEINT * 2246822519 % 4294967296)::BIGINT) / 4294967296.0`,
  `CREATE TEMP MACRO pick(options, r) AS options[1 + floor(r * len(options))::INTEGER]`,
];

const SCHEMA = [
  `CREATE TABLE customers (
     customer_id INTEGER PRIMARY KEY, full_name VARCHAR NOT NULL, email VARCHAR,
     country VARCHAR NOT NULL, segment VARCHAR NOT NULL, signup_date DATE NOT NULL)`,
  `CREATE TABLE products (
     product_id INTEGER PRIMARY KEY, product_name VARCHAR NOT NULL, category VARCHAR,
     unit_price DECIMAL(10,2) NOT NULL, is_active BOOLEAN NOT NULL)`,
  `CREATE TABLE orders (
     order_id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(customer_id),
     order_date DATE NOT NULL, status VARCHAR NOT NULL, channel VARCHAR NOT NULL)`,
  `CREATE TABLE order_items (
     order_id INTEGER NOT NULL REFERENCES orders(order_id), line_number INTEGER NOT NULL,
     product_id INTEGER NOT NULL REFERENCES products(product_id), quantity INTEGER NOT NULL,
     unit_price DECIMAL(10,2) NOT NULL, discount DECIMAL(4,2) NOT NULL,
     PRIMARY KEY (order_id, line_number))`,
  `CREATE TABLE payments (
     payment_id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(order_id),
     paid_at TIMESTAMP NOT NULL, amount DECIMAL(12,2) NOT NULL, method VARCHAR)`,
];

const DATA = [
  `INSERT INTO customers
   SELECT i, first_name || ' ' || last_name,
          CASE WHEN rnd(i, 3) < 0.03 THEN NULL ELSE lower(first_name || '.' || last_name || i) || '@example.com' END,
          pick(['US','US','US','GB','DE','FR','CA','AU','NL','SE'], rnd(i, 4)),
          pick(['consumer','consumer','consumer','small_business','enterprise'], rnd(i, 5)),
          DATE '2022-01-01' + floor(rnd(i, 6) * 1095)::INTEGER
     FROM (SELECT i,
                  pick(['Ava','Ben','Chloe','Diego','Emma','Farah','Gus','Hana','Ivan','Jia','Kofi','Lena','Mateo','Nora','Omar','Priya','Quinn','Rosa','Sven','Tara'], rnd(i, 1)) AS first_name,
                  pick(['Smith','Garcia','Müller','Dubois','Khan','Chen','Okafor','Rossi','Silva','Nakamura','Jensen','Novak','Kowalski','Murphy','Haddad'], rnd(i, 2)) AS last_name
             FROM range(1, 2001) t(i))`,
  // Wart: 25 customers registered twice (same name and email, new id).
  `INSERT INTO customers
   SELECT 2000 + row_number() OVER (ORDER BY customer_id), full_name, email, country, segment, signup_date + 40
     FROM customers WHERE customer_id % 80 = 0`,
  `INSERT INTO products
   SELECT i,
          pick(['Classic','Ultra','Eco','Smart','Compact','Pro','Everyday','Travel'], rnd(i, 7)) || ' ' ||
          pick(['Kettle','Backpack','Lamp','Headphones','Blender','Desk','Jacket','Speaker','Bottle','Chair','Monitor','Sneakers'], rnd(i, 8)) || ' ' || i,
          CASE WHEN i % 41 = 0 THEN NULL  -- wart: a few products lack a category
               ELSE pick(['Home','Outdoor','Electronics','Apparel','Kitchen','Office','Sports','Beauty'], rnd(i, 9)) END,
          round(5 + rnd(i, 10) * rnd(i, 10) * 400, 2),
          rnd(i, 11) > 0.08
     FROM range(1, 121) t(i)`,
  // Candidate orders are thinned by a seasonal weight (Q4 peaks) and, in 2025-Q3, most mobile
  // orders disappear: the revenue drop the sample invites the user to explain.
  `INSERT INTO orders
   SELECT row_number() OVER (ORDER BY order_date, i)::INTEGER, customer_id, order_date, status, channel FROM (
     SELECT i,
            1 + floor(pow(rnd(i, 13), 1.6) * 2025)::INTEGER AS customer_id,
            DATE '2024-01-01' + floor(rnd(i, 12) * 731)::INTEGER AS order_date,
            CASE WHEN rnd(i, 14) < 0.05 THEN 'cancelled' WHEN rnd(i, 14) < 0.09 THEN 'returned' ELSE 'completed' END AS status,
            pick(['web','web','mobile','mobile','store'], rnd(i, 15)) AS channel
       FROM range(1, 30001) t(i))
    WHERE rnd(i, 16) < CASE WHEN month(order_date) IN (11, 12) THEN 1.0 WHEN month(order_date) = 10 THEN 0.9 ELSE 0.75 END
      AND NOT (channel = 'mobile' AND order_date BETWEEN DATE '2025-07-01' AND DATE '2025-09-30' AND rnd(i, 17) < 0.7)`,
  `INSERT INTO order_items
   SELECT o.order_id, line, p.product_id,
          1 + floor(pow(rnd(o.order_id * 7 + line, 23), 3) * 5)::INTEGER,
          p.unit_price,
          CASE WHEN rnd(o.order_id * 7 + line, 24) < 0.1 THEN 0.10 ELSE 0.00 END
     FROM orders o, range(1, 5) l(line), products p
    WHERE line <= 1 + floor(rnd(o.order_id, 21) * 4)
      AND p.product_id = 1 + floor(pow(rnd(o.order_id * 7 + line, 22), 1.3) * 120)::INTEGER`,
  `INSERT INTO payments
   SELECT row_number() OVER (ORDER BY o.order_id, copy)::INTEGER, o.order_id,
          o.order_date + INTERVAL (floor(rnd(o.order_id, 25) * 86400)::INTEGER) SECOND,
          t.total,
          CASE WHEN rnd(o.order_id, 27) < 0.02 THEN NULL ELSE pick(['card','card','card','paypal','gift_card'], rnd(o.order_id, 26)) END
     FROM orders o
     JOIN (SELECT order_id, sum(quantity * unit_price * (1 - discount))::DECIMAL(12,2) AS total FROM order_items GROUP BY order_id) t USING (order_id)
     JOIN range(1, 3) c(copy) ON copy = 1 OR rnd(o.order_id, 28) < 0.01  -- wart: about 1% double-charged
    WHERE o.status <> 'cancelled'`,
];

const COMMENTS = [
  `COMMENT ON TABLE customers IS 'One row per customer account. Known issue: some customers registered twice with the same email.'`,
  `COMMENT ON COLUMN customers.email IS 'Contact email; may be missing.'`,
  `COMMENT ON COLUMN customers.segment IS 'consumer, small_business or enterprise'`,
  `COMMENT ON TABLE products IS 'Product catalog with current list price.'`,
  `COMMENT ON TABLE orders IS 'One row per order. Revenue counts completed orders only.'`,
  `COMMENT ON COLUMN orders.status IS 'completed, returned or cancelled'`,
  `COMMENT ON COLUMN orders.channel IS 'web, mobile or store'`,
  `COMMENT ON TABLE order_items IS 'Order lines; line revenue = quantity * unit_price * (1 - discount).'`,
  `COMMENT ON TABLE payments IS 'Payments captured per order (cancelled orders have none).'`,
];

/**
 * Returns the path of the sample warehouse under `storageDir`, generating it first if needed.
 * Generation writes to a temporary file and renames it, so a crash never leaves half a file.
 */
export async function ensureSampleWarehouse(storageDir: string): Promise<string> {
  const target = join(storageDir, SAMPLE_FILE);
  if (existsSync(target)) return target;
  mkdirSync(dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
  const { DuckDBInstance } = await loadDuckDB();
  const instance = await DuckDBInstance.create(temp);
  try {
    const connection = await instance.connect();
    // One thread keeps row_number() ties and insertion order identical on every machine.
    await connection.run(`SET threads = 1`);
    for (const statement of [...MACROS, ...SCHEMA, ...DATA, ...COMMENTS, 'CHECKPOINT']) await connection.run(statement);
    connection.disconnectSync();
  } catch (error) {
    instance.closeSync();
    rmSync(temp, { force: true });
    rmSync(`${temp}.wal`, { force: true });
    throw error;
  }
  instance.closeSync();
  renameSync(temp, target);
  return target;
}

/** Default storage for the CLI: `PIPEWRIGHT_HOME` or `~/.cache/pipewright`. */
export function defaultStorageDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME ?? env.USERPROFILE ?? '.';
  return env.PIPEWRIGHT_HOME ?? join(home, '.cache', 'pipewright');
}
