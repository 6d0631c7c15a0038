#!/usr/bin/env python3
"""Hostile VRRP sender for the daemon tests. Run INSIDE an attacker namespace of a lab:

    python3 hostile-sender.py --src 10.99.0.9 --dst 224.0.0.18 --kind bad-ttl --count 5

Builds the IPv4 header itself (raw IPPROTO_RAW socket = IP_HDRINCL) so TTL and everything after
it are ours. Kinds (each a VRRPv3 advert unless said otherwise):
  valid         well-formed (pseudo-header checksum, RFC 5798 §5.2.8), TTL 255
  bad-ttl       well-formed but TTL 64
  bad-checksum  well-formed but the checksum off by one bit
  wrong-vrid    well-formed for --wrong-vrid (default 77)
  short         the first 4 bytes only
  garbage       random bytes (8–64), seeded, first nibble never 2 or 3 (so never a VRRP version)
  mix           cycles bad-checksum, wrong-vrid, short, garbage, bad-ttl
  hex           the VRRP payload given by --hex, verbatim, TTL 255 (a captured advert replayed)
--family 6 (valid, bad-ttl = hop limit 64, bad-checksum only): --dst defaults to ff02::12 there.
With --rate the packets are paced at that many per second (for --seconds, or until --count).
Prints one JSON line: {"sent": n, "errors": e, "seconds": s, "by_kind": {...}}.
"""
import argparse
import json
import random
import socket
import struct
import sys
import time

SO_BINDTODEVICE = 25


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def advert(src: str, dst: str, vrid: int, prio: int, interval_cs: int, addrs: list[str]) -> bytearray:
    body = bytearray(struct.pack("!BBBBH", 0x31, vrid, prio, len(addrs), interval_cs & 0x0FFF))
    body += b"\0\0"
    for a in addrs:
        body += socket.inet_aton(a)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 112, len(body))
    c = csum(pseudo + bytes(body))
    body[6:8] = struct.pack("!H", c)
    return body


def advert6(src: str, dst: str, vrid: int, prio: int, interval_cs: int, addrs: list[str]) -> bytearray:
    body = bytearray(struct.pack("!BBBBH", 0x31, vrid, prio, len(addrs), interval_cs & 0x0FFF))
    body += b"\0\0"
    for a in addrs:
        body += socket.inet_pton(socket.AF_INET6, a)
    pseudo = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + struct.pack("!IxxxB", len(body), 112)
    c = csum(pseudo + bytes(body))
    body[6:8] = struct.pack("!H", c)
    return body


def send6(a) -> int:
    """IPv6: no header of our own (raw IPv6 has no IP_HDRINCL); the hop limit is a socket option and
    the checksum is ours (IPV6_CHECKSUM stays off). --src must be the sender's link-local."""
    addrs = a.addr or ["fe80::100"]
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 112)
    s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, a.ifname.encode())
    hops = 64 if a.kind == "bad-ttl" else 255
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, hops)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, hops)
    body = advert6(a.src, a.dst, a.vrid, a.prio, a.interval_cs, addrs)
    if a.kind == "bad-checksum":
        body[7] ^= 0x01
    elif a.kind not in ("valid", "bad-ttl"):
        raise SystemExit(f"kind {a.kind} is IPv4 only")
    ifindex = socket.if_nametoindex(a.ifname)
    sent = errors = 0
    start = time.monotonic()
    for _ in range(a.count):
        try:
            s.sendto(bytes(body), (a.dst, 0, 0, ifindex))
            sent += 1
        except OSError:
            errors += 1
    print(json.dumps({"sent": sent, "errors": errors, "seconds": round(time.monotonic() - start, 3), "by_kind": {a.kind: sent}}))
    sys.stdout.flush()
    return 0


def ip_packet(src: str, dst: str, ttl: int, payload: bytes) -> bytes:
    # tot_len and checksum are filled in by the kernel for IP_HDRINCL sockets.
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 0, 0, 0, ttl, 112, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return hdr + payload


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--src", required=True)
    p.add_argument("--dst", default="224.0.0.18")
    p.add_argument("--ifname", default="eth0")
    p.add_argument("--kind", default="valid")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--rate", type=float, default=0.0)
    p.add_argument("--seconds", type=float, default=0.0)
    p.add_argument("--vrid", type=int, default=51)
    p.add_argument("--wrong-vrid", type=int, default=77)
    p.add_argument("--prio", type=int, default=254)
    p.add_argument("--interval-cs", type=int, default=5)
    p.add_argument("--addr", action="append", default=[])
    p.add_argument("--seed", type=int, default=5798)
    p.add_argument("--family", type=int, default=4)
    p.add_argument("--hex", default="")
    a = p.parse_args()
    if a.family == 6:
        if a.dst == "224.0.0.18":
            a.dst = "ff02::12"
        return send6(a)
    addrs = a.addr or ["10.99.0.100"]
    rng = random.Random(a.seed)

    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, a.ifname.encode())

    good = bytes(advert(a.src, a.dst, a.vrid, a.prio, a.interval_cs, addrs))
    wrong = bytes(advert(a.src, a.dst, a.wrong_vrid, a.prio, a.interval_cs, addrs))
    badsum = bytearray(good)
    badsum[7] ^= 0x01

    def build(kind: str) -> bytes:
        if kind == "valid":
            return ip_packet(a.src, a.dst, 255, good)
        if kind == "hex":
            return ip_packet(a.src, a.dst, 255, bytes.fromhex(a.hex))
        if kind == "bad-ttl":
            return ip_packet(a.src, a.dst, 64, good)
        if kind == "bad-checksum":
            return ip_packet(a.src, a.dst, 255, bytes(badsum))
        if kind == "wrong-vrid":
            return ip_packet(a.src, a.dst, 255, wrong)
        if kind == "short":
            return ip_packet(a.src, a.dst, 255, good[:4])
        if kind == "garbage":
            n = rng.randint(8, 64)
            b = bytearray(rng.getrandbits(8) for _ in range(n))
            while (b[0] >> 4) in (2, 3):
                b[0] = rng.getrandbits(8)
            return ip_packet(a.src, a.dst, 255, bytes(b))
        raise SystemExit(f"unknown kind {kind}")

    cycle = ["bad-checksum", "wrong-vrid", "short", "garbage", "bad-ttl"] if a.kind == "mix" else [a.kind]
    # Pre-build (garbage varies per packet: a pool of 64 distinct ones).
    pool = {k: [build(k) for _ in range(64 if k == "garbage" else 1)] for k in cycle}
    by_kind = {k: 0 for k in cycle}
    sent = errors = 0
    start = time.monotonic()
    limit = a.count if a.count > 0 else None
    i = 0
    while True:
        now = time.monotonic() - start
        if a.seconds and now >= a.seconds:
            break
        if limit is not None and not a.seconds and i >= limit:
            break
        if a.rate:
            due = int(now * a.rate) + 1
            if i >= due:
                time.sleep(0.0005)
                continue
        kind = cycle[i % len(cycle)]
        choices = pool[kind]
        pkt = choices[i % len(choices)]
        try:
            s.sendto(pkt, (a.dst, 0))
            sent += 1
            by_kind[kind] += 1
        except OSError:
            errors += 1
        i += 1
    print(json.dumps({"sent": sent, "errors": errors, "seconds": round(time.monotonic() - start, 3), "by_kind": by_kind}))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
