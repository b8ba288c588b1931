#!/usr/bin/env python3
"""Re-perform a fieldwork selection without Go or fieldwork.

A second, independent implementation of the selection procedure
"fieldwork-select/1" as docs/sampling.md describes it ("Selecting the
items"), in plain Python 3 with no dependencies: the ChaCha8Rand generator,
the uniform integer rule, the sparse Fisher-Yates shuffle, the circular
systematic selection and the extensions.

Usage:
    python3 docs/reperform.py RECORD.json [RECORD.json ...]
    fieldwork sample show FILE CONTROL --json | python3 docs/reperform.py -
    python3 docs/reperform.py --population 260 record.json
    python3 docs/reperform.py --outputs 1 130    # raw generator outputs for seed 1

Each file holds one JSON object, or a JSON array of them. An object is a
selection record as `fieldwork sample draw --json` prints it, or what
`fieldwork sample show --json` prints (the record is its "record" field).
--population N checks the record's population against the N you counted
in the population file yourself (and supplies it if a record lacks it).

For each record it prints "ok" or every difference, as fieldwork's own
`sample verify` does. Exit status: 0 when every record re-performs exactly,
1 when any differs, 2 when a record cannot be re-performed (unknown
algorithm version, parameters out of range, unreadable JSON).
"""

import argparse
import bisect
import json
import sys

MASK32 = 0xFFFFFFFF
MASK64 = 0xFFFFFFFFFFFFFFFF

MAX_POPULATION = 1 << 40
MAX_SELECTION = 1_000_000

ALGORITHMS = {
    "random": "fieldwork-select/1 chacha8 sparse-fisher-yates",
    "systematic": "fieldwork-select/1 chacha8 circular-systematic",
    "all": "fieldwork-select/1 all",
    "judgmental": "fieldwork-select/1 judgmental",
}


class CannotReperform(Exception):
    pass


# --- ChaCha8Rand (c2sp.org/chacha8rand), as docs/sampling.md states it ---

CONSTANTS = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)  # "expand 32-byte k"


def _rotl(x, n):
    return ((x << n) & MASK32) | (x >> (32 - n))


def _quarter_round(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & MASK32
    s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & MASK32
    s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & MASK32
    s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & MASK32
    s[b] = _rotl(s[b] ^ s[c], 7)


def chacha8_block(key, counter):
    """One ChaCha8 block: 16 words. key is 8 32-bit words.

    Input words: 0-3 the constants, 4-11 the key, 12 the counter, 13-15
    zero. Eight rounds (four double rounds: columns, then diagonals). Only
    words 4-11 get the input added back; words 0-3 and 12-15 are output as
    the rounds leave them."""
    s = list(CONSTANTS) + list(key) + [counter & MASK32, 0, 0, 0]
    for _ in range(4):
        _quarter_round(s, 0, 4, 8, 12)
        _quarter_round(s, 1, 5, 9, 13)
        _quarter_round(s, 2, 6, 10, 14)
        _quarter_round(s, 3, 7, 11, 15)
        _quarter_round(s, 0, 5, 10, 15)
        _quarter_round(s, 1, 6, 11, 12)
        _quarter_round(s, 2, 7, 8, 13)
        _quarter_round(s, 3, 4, 9, 14)
    for w in range(4, 12):
        s[w] = (s[w] + key[w - 4]) & MASK32
    return s


def chacha8_chunk(key, counter):
    """32 64-bit outputs from the four blocks counter ... counter+3,
    interleaved: output m is word w = m // 2 of blocks j and j+1 (j = 0 for
    even m, 2 for odd m), block j's word in the low 32 bits."""
    blocks = [chacha8_block(key, counter + j) for j in range(4)]
    out = []
    for m in range(32):
        w, j = m // 2, 2 * (m % 2)
        out.append(blocks[j][w] | (blocks[j + 1][w] << 32))
    return out


class ChaCha8Rand:
    """The generator: 64-bit outputs in order.

    The key starts as the 32-byte seed read as 8 little-endian 32-bit words.
    Each key gives four chunks, counters 0, 4, 8 and 12: 32 + 32 + 32 + 28 =
    124 outputs. The last 4 outputs of the counter-12 chunk are not output:
    they are the next key (each 64-bit value as two words, low word first),
    and the counter starts again at 0."""

    def __init__(self, seed32):
        self.key = [int.from_bytes(seed32[4 * i:4 * i + 4], "little") for i in range(8)]
        self.counter = 0
        self._fill()

    def _fill(self):
        self.buf = chacha8_chunk(self.key, self.counter)
        self.n = 28 if self.counter == 12 else 32
        self.i = 0

    def next(self):
        if self.i == self.n:
            if self.counter == 12:
                new = self.buf[28:32]
                self.key = [x for v in new for x in (v & MASK32, v >> 32)]
                self.counter = 0
            else:
                self.counter += 4
            self._fill()
        x = self.buf[self.i]
        self.i += 1
        return x


def stream(seed):
    """The generator for a fieldwork seed: the 64-bit seed as 8
    little-endian bytes, then 24 zero bytes."""
    return ChaCha8Rand(seed.to_bytes(8, "little") + bytes(24))


def below(g, m):
    """Uniform integer in [0, m): draw x; if x < 2^64 mod m draw again,
    else x mod m."""
    threshold = (1 << 64) % m
    while True:
        x = g.next()
        if x >= threshold:
            return x % m


# --- the selection procedure ---


class Shuffle:
    """Sparse Fisher-Yates over the list item(0), item(1), ..., item(M-1):
    at step i, j = i + below(M - i); the item at place j is selected and
    swaps places with the item at place i."""

    def __init__(self, g, M, item=lambda i: i + 1):
        self.g, self.M, self.item, self.i, self.moved = g, M, item, 0, {}

    def next(self):
        i = self.i
        j = i + below(self.g, self.M - i)
        vj = self.moved.get(j, None)
        if vj is None:
            vj = self.item(j)
        if j != i:
            vi = self.moved.get(i, None)
            self.moved[j] = self.item(i) if vi is None else vi
        self.moved.pop(i, None)
        self.i += 1
        return vj


def draw_from_rest(g, N, taken, add):
    """An extension of a systematic selection: a fresh shuffle over the
    positions 1..N not in taken, listed in ascending order."""
    taken = sorted(taken)
    gaps = [t - 1 - j for j, t in enumerate(taken)]  # remaining positions below taken[j]

    def rest(i):  # the i-th (0-based) remaining position
        return i + 1 + bisect.bisect_right(gaps, i)

    f = Shuffle(g, N - len(taken), rest)
    return [f.next() for _ in range(add)]


def reperform(rec):
    """Re-draws the record from its method, seed, population, size and
    extension sizes. Returns (interval, start, positions, [extension
    positions ...])."""
    method = rec.get("method")
    if method not in ALGORITHMS or rec.get("algorithm") != ALGORITHMS[method]:
        raise CannotReperform("method %r with algorithm %r is not fieldwork-select/1" % (method, rec.get("algorithm")))
    N = rec.get("population")
    if not isinstance(N, int) or not 1 <= N <= MAX_POPULATION:
        raise CannotReperform("population %r must be between 1 and 2^40" % (N,))
    adds = [x.get("added") for x in rec.get("extensions") or []]
    if method in ("all", "judgmental"):
        if adds:
            raise CannotReperform("an %s selection has no drawn extensions" % method)
        if method == "all":
            if N > MAX_SELECTION:
                raise CannotReperform("population %d too large to list every item" % N)
            return 0, 0, list(range(1, N + 1)), []
        pos = rec.get("positions") or rec.get("sorted") or []
        if not pos or len(set(pos)) != len(pos) or any(not isinstance(p, int) or not 1 <= p <= N for p in pos):
            raise CannotReperform("judgmental positions must be distinct, within 1..%d" % N)
        return 0, 0, list(pos), []
    seed = int(rec.get("seed", "0"))
    if not 0 <= seed <= MASK64:
        raise CannotReperform("seed %r is not a 64-bit unsigned integer" % rec.get("seed"))
    n = rec.get("size")
    if not isinstance(n, int) or not 1 <= n <= min(N, MAX_SELECTION):
        raise CannotReperform("size %r must be between 1 and min(N, 1,000,000)" % (n,))
    if any(not isinstance(a, int) or a < 1 for a in adds) or n + sum(adds) > min(N, MAX_SELECTION):
        raise CannotReperform("extensions %r do not fit the population" % (adds,))
    g = stream(seed)
    if method == "random":
        f = Shuffle(g, N)
        pos = [f.next() for _ in range(n)]
        exts = [[f.next() for _ in range(a)] for a in adds]  # the shuffle simply continues
        return 0, 0, pos, exts
    interval = N // n
    start = 1 + below(g, N)
    pos = [(start - 1 + i * interval) % N + 1 for i in range(n)]
    taken, exts = list(pos), []
    for a in adds:
        x = draw_from_rest(g, N, taken, a)
        exts.append(x)
        taken += x
    return interval, start, pos, exts


def differences(rec):
    interval, start, pos, exts = reperform(rec)
    d = []

    def compare(field, got, want):
        got = got or []
        for i in range(max(len(got), len(want))):
            r = got[i] if i < len(got) else "(nothing)"
            w = want[i] if i < len(want) else "(nothing)"
            if r != w:
                d.append("%s[%d]: recorded %s, re-performed %s" % (field, i, r, w))

    if rec.get("size") != len(rec.get("positions") or []):
        d.append("size: recorded %s, positions hold %d" % (rec.get("size"), len(rec.get("positions") or [])))
    for field, want in (("interval", interval), ("start", start)):
        if (rec.get(field) or 0) != want:
            d.append("%s: recorded %s, re-performed %s" % (field, rec.get(field), want))
    compare("positions", rec.get("positions"), pos)
    compare("sorted", rec.get("sorted"), sorted(pos))
    for i, (x, want) in enumerate(zip(rec.get("extensions") or [], exts)):
        compare("extensions[%d].positions" % i, x.get("positions"), want)
        compare("extensions[%d].sorted" % i, x.get("sorted"), sorted(want))
    return d


def records(doc):
    for r in doc if isinstance(doc, list) else [doc]:
        yield r.get("record", r) if isinstance(r, dict) else r


def main(argv):
    ap = argparse.ArgumentParser(description="Re-perform fieldwork selections (fieldwork-select/1).")
    ap.add_argument("files", nargs="*", help="JSON files ('-' for standard input)")
    ap.add_argument("--outputs", nargs=2, type=int, metavar=("SEED", "COUNT"),
                    help="print the first COUNT raw 64-bit generator outputs for SEED, one a line, and exit")
    ap.add_argument("--population", type=int, help="the population size N you counted")
    ap.add_argument("--quiet", action="store_true", help="print only differences and errors")
    args = ap.parse_args(argv)
    if args.outputs:
        g = stream(args.outputs[0])
        for i in range(args.outputs[1]):
            print(i, g.next())
        return 0
    if not args.files:
        ap.error("no record files")
    status = 0
    for name in args.files:
        try:
            text = sys.stdin.read() if name == "-" else open(name, encoding="utf-8").read()
            doc = json.loads(text)
        except (OSError, ValueError) as e:
            print("%s: %s" % (name, e))
            status = max(status, 2)
            continue
        for i, rec in enumerate(records(doc)):
            label = "%s[%d]" % (name, i) if isinstance(doc, list) else name
            try:
                if not isinstance(rec, dict):
                    raise CannotReperform("not a selection record")
                if args.population is not None:
                    if "population" not in rec:
                        rec = dict(rec, population=args.population)
                    elif rec["population"] != args.population:
                        print("%s: population: recorded %s, counted %d" % (label, rec["population"], args.population))
                        status = max(status, 1)
                        continue
                d = differences(rec)
            except (CannotReperform, ValueError, TypeError) as e:
                print("%s: cannot re-perform: %s" % (label, e))
                status = max(status, 2)
                continue
            if d:
                status = max(status, 1)
                for line in d:
                    print("%s: %s" % (label, line))
            elif not args.quiet:
                print("%s: ok (%s, seed %s, N = %d, %d items)" % (label, rec["method"], rec.get("seed", "-"), rec["population"], len(rec.get("positions") or []) + sum(len(x.get("positions") or []) for x in rec.get("extensions") or [])))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
