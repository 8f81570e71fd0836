#!/usr/bin/env python3
"""Writes a deterministic, DB2-backup-like directory for the stream benchmark.

  generate-backup-data.py DIR --database-mib 1024 --random-mib 256 [--seed 42] [--mixed]

Database-like files are 8 KiB pages: a page header (page number, LSN, a checksum), rows of typed text (names,
numbers, dates, CHAR columns padded with spaces) drawn from a fixed pool, numeric columns (keys, amounts,
timestamps) and optionally random bytes, so that gzip -6 compresses them about 2.9:1 at about 31 MB/s per core,
like the reference data set (shared/reference/pipeline-baselines.md). One more file holds
incompressible random bytes. The same seed always gives the same bytes.

With --mixed, the database files are what table spaces look like after some life instead: each 8 KiB page is, in
about equal shares, a page of rows as above, a page of random bytes (compressed or encrypted columns, LOBs), a
page repeating one of the last 256 pages (mostly further back than deflate's 32 KiB window), or an empty page of
zeros (allocated, not yet used).
"""
import argparse
import os
import random

PAGE = 8192
FILE_MIB = 256  # database images are split into files of at most this size

FIRST = ["JAMES", "MARY", "ROBERT", "PATRICIA", "JOHN", "JENNIFER", "MICHAEL", "LINDA", "DAVID", "ELIZABETH",
         "WILLIAM", "BARBARA", "RICHARD", "SUSAN", "JOSEPH", "JESSICA", "THOMAS", "SARAH", "CHARLES", "KAREN"]
LAST = ["SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS", "RODRIGUEZ", "MARTINEZ",
        "HERNANDEZ", "LOPEZ", "GONZALEZ", "WILSON", "ANDERSON", "THOMAS", "TAYLOR", "MOORE", "JACKSON", "MARTIN"]
CITY = ["SPRINGFIELD", "RIVERSIDE", "FRANKLIN", "GREENVILLE", "BRISTOL", "CLINTON", "FAIRVIEW", "SALEM",
        "MADISON", "GEORGETOWN", "ARLINGTON", "ASHLAND", "BURLINGTON", "MANCHESTER", "OXFORD", "DAYTON"]
STATUS = ["ACTIVE", "CLOSED", "PENDING", "SHIPPED", "RETURNED", "ON HOLD"]


def row_pool(rng, count):
    rows = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        row = "%010d|%-20s|%-24s|%-16s|%04d-%02d-%02d|%12.2f|%-10s|%08X|%s@example.com\n" % (
            rng.randrange(10**10), first, last, rng.choice(CITY), rng.randrange(1990, 2026), rng.randrange(1, 13),
            rng.randrange(1, 29), rng.random() * 100000, rng.choice(STATUS), rng.getrandbits(32),
            (first[0] + last).lower())
        rows.append(row.encode())
    return rows


DIGITS = bytes(0x30 + b % 10 for b in range(256))


def write_database_file(path, rng, rows, size, random_share, digit_share):
    random_bytes = int(PAGE * random_share)
    digit_bytes = int(PAGE * digit_share)
    with open(path, "wb") as out:
        for page_number in range(size // PAGE):
            header = b"PAGE%08d LSN%016X CHK%08X " % (page_number, rng.getrandbits(64), rng.getrandbits(32))
            body = bytearray(header)
            body += rng.randbytes(random_bytes)
            body += rng.randbytes(digit_bytes).translate(DIGITS)  # numeric columns: keys, amounts, timestamps
            while len(body) < PAGE:
                body += b"".join(rng.choices(rows, k=8))
            out.write(bytes(body[:PAGE]))


def write_mixed_file(path, rng, rows, size):
    recent = []
    with open(path, "wb") as out:
        for page_number in range(size // PAGE):
            kind = rng.randrange(4)
            if kind == 0:
                page = bytes(PAGE)
            elif kind == 1:
                page = rng.randbytes(PAGE)
            elif kind == 2 and recent:
                page = rng.choice(recent)
            else:
                header = b"PAGE%08d LSN%016X CHK%08X " % (page_number, rng.getrandbits(64), rng.getrandbits(32))
                body = bytearray(header)
                while len(body) < PAGE:
                    body += b"".join(rng.choices(rows, k=8))
                page = bytes(body[:PAGE])
            if kind != 0:
                recent.append(page)
                if len(recent) > 256:
                    recent.pop(0)
            out.write(page)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--database-mib", type=int, default=1024)
    parser.add_argument("--random-mib", type=int, default=256)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--random-share", type=float, default=0.0)
    parser.add_argument("--digit-share", type=float, default=0.41)
    parser.add_argument("--row-pool", type=int, default=2000)
    parser.add_argument("--mixed", action="store_true", help="random, repeated, zero and row pages (see above)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = row_pool(rng, args.row_pool)
    os.makedirs(args.directory, exist_ok=True)
    remaining = args.database_mib
    part = 1
    while remaining > 0:
        mib = min(FILE_MIB, remaining)
        name = "LITE.0.db2inst1.DBPART000.20260101120000.%03d" % part
        if args.mixed:
            write_mixed_file(os.path.join(args.directory, name), rng, rows, mib << 20)
        else:
            write_database_file(
                os.path.join(args.directory, name), rng, rows, mib << 20, args.random_share, args.digit_share)
        remaining -= mib
        part += 1
    if args.random_mib:
        with open(os.path.join(args.directory, "SAMPLE.0.db2inst1.DBPART000.20260101120500.001"), "wb") as out:
            for _ in range(args.random_mib):
                out.write(rng.randbytes(1 << 20))


if __name__ == "__main__":
    main()
