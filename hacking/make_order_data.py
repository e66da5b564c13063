#!/usr/bin/env python3
"""Write data/order_data.csv: synthetic orders for the demo, the playbooks and their tests.

The rows are shaped like the walk-through's ``order_transaction`` table: one row per order
line, keyed by ``order_id`` (hash key) and ``item_id`` (range key), with the customer, the
product, quantity, unit price, order date and status. The generator is seeded, so running it
again writes the same file byte for byte (the file is committed; run this only to change it).

Usage: make_order_data.py [--orders 1200] [--seed 20240521] [--out data/order_data.csv]
"""

from __future__ import annotations

import argparse
import csv
import datetime
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COLUMNS = [
    "order_id", "item_id", "customer_id", "customer_name", "product_id", "product_name",
    "category", "quantity", "price", "order_date", "status", "payment_method", "ship_country",
]

PRODUCTS = [
    ("P-1001", "Espresso beans 1 kg", "Grocery", "18.90"),
    ("P-1002", "Green tea, 50 bags", "Grocery", "6.49"),
    ("P-1003", "Oat milk 6 x 1 l", "Grocery", "11.94"),
    ("P-2001", "USB-C cable 2 m", "Electronics", "9.99"),
    ("P-2002", "Wireless mouse", "Electronics", "24.50"),
    ("P-2003", "Noise-cancelling headphones", "Electronics", "189.00"),
    ("P-2004", "27-inch monitor", "Electronics", "249.90"),
    ("P-3001", "Hardcover notebook A5", "Office", "12.00"),
    ("P-3002", "Gel pens, pack of 10", "Office", "7.25"),
    ("P-3003", "Desk lamp", "Office", "39.95"),
    ("P-4001", "Running shoes", "Sports", "89.00"),
    ("P-4002", "Yoga mat", "Sports", "29.90"),
    ("P-4003", "Water bottle 750 ml", "Sports", "14.99"),
    ("P-5001", "Chef's knife", "Kitchen", "59.00"),
    ("P-5002", "Cast-iron pan 28 cm", "Kitchen", "44.90"),
    ("P-5003", "French press", "Kitchen", "27.50"),
]
FIRST = ["Ana", "Ben", "Chloé", "Dev", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas",
         "Kemi", "Lars", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tara"]
LAST = ["Alvarez", "Brown", "Chen", "Dubois", "Evans", "Fischer", "García", "Hansen", "Ito",
        "Jansen", "Kowalski", "López", "Müller", "Nguyen", "O'Brien", "Patel", "Rossi", "Smith"]
STATUSES = [("DELIVERED", 60), ("SHIPPED", 15), ("PROCESSING", 10), ("PENDING", 7),
            ("CANCELLED", 5), ("RETURNED", 3)]
PAYMENTS = ["CARD", "CARD", "CARD", "PAYPAL", "BANK_TRANSFER", "GIFT_CARD"]
COUNTRIES = ["US", "US", "US", "CA", "GB", "DE", "FR", "ES", "JP", "AU", "BR", "IN"]
START = datetime.date(2024, 1, 1)
DAYS = 366


def rows(orders: int, seed: int):
    rng = random.Random(seed)
    customers = [
        (f"C-{n:05d}", f"{rng.choice(FIRST)} {rng.choice(LAST)}") for n in range(1, orders // 3 + 2)
    ]
    statuses, weights = zip(*STATUSES)
    for number in range(1, orders + 1):
        customer_id, customer_name = rng.choice(customers)
        order_date = START + datetime.timedelta(days=rng.randrange(DAYS))
        status = rng.choices(statuses, weights)[0]
        payment = rng.choice(PAYMENTS)
        country = rng.choice(COUNTRIES)
        lines = rng.choices([1, 2, 3, 4, 5], [30, 30, 20, 12, 8])[0]
        for line, (product_id, name, category, price) in enumerate(rng.sample(PRODUCTS, lines), 1):
            yield {
                "order_id": f"ORD-{number:06d}",
                "item_id": f"ITEM-{line:02d}",
                "customer_id": customer_id,
                "customer_name": customer_name,
                "product_id": product_id,
                "product_name": name,
                "category": category,
                "quantity": rng.choices([1, 2, 3, 4, 6, 10], [55, 20, 10, 7, 5, 3])[0],
                "price": price,
                "order_date": order_date.isoformat(),
                "status": status,
                "payment_method": payment,
                "ship_country": country,
            }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1200)
    parser.add_argument("--seed", type=int, default=20240521)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "order_data.csv")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows(args.orders, args.seed):
            writer.writerow(row)
            count += 1
    print(f"wrote {count} rows ({args.orders} orders) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
