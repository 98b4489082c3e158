"""labreport.pcap - read IPv4 and IPv6 UDP datagrams from a libpcap capture, one per datagram.

A capture record is not always one datagram. A sender that uses UDP GSO (UDP_SEGMENT: lib/batch.c
sends runs of equal datagrams to one address as one message) hands the kernel one "super-packet";
on a device that offers GSO (loopback) tcpdump records it as one record: one IP and UDP header,
then the payloads of every segment back to back, every segment but the last of the segment size.
Veths without checksum offload refuse GSO, so captures there hold single datagrams.

    records(path)                 every IP packet as a Record (path "-": standard input)
    datagrams(path, seg=...)      every UDP datagram, super-packets split into their segments
    count(path, seg=...)          how many datagrams (non-UDP IP packets count one each)

The segment size of a stream (source and destination address and port) is `seg(record)` when the
caller knows it (the lab knows the size of its datagrams: lab/labreport/wire.py), else the most
common payload size of the stream's records that are not larger than every other (a capture of
equal datagrams where most records hold one). A record whose payload is a whole multiple of the
segment size is that many datagrams (lib/batch.c only sends runs of equal datagrams as one).
Otherwise, a record that is a whole multiple of a smaller size the same stream shows in other
records is a run of those (a burst of small datagrams: a warm-up, keepalives); else it is one
datagram, counted in `Split.odd` when larger than the segment size (a sender that ended a run
with a shorter segment).

seg=0 never splits (a capture written one record per datagram, as mpbridge's --pcap is).
`alone(payload)`, when given, names records that are one datagram whatever their size (the
tunnel's PINGs and PONGs are never sent in a run: a 1200-byte path MTU probe is not fifteen
80-byte keepalives).

    python3 -m labreport.pcap count FILE|- [SEG]    print the datagram count (SEG: bytes, auto, 0)
"""
import collections
import ipaddress
import struct
import sys

Record = collections.namedtuple("Record", "ts src sport dst dport proto payload length tos")
# payload: the captured bytes after the UDP header (may be cut by the snap length);
# length: the UDP payload's full size on the wire (from the IP header), all segments together.

Datagram = collections.namedtuple("Datagram", "ts src sport dst dport payload length tos segment")
# payload: this segment's captured bytes (b"" where the capture was cut before it);
# length: this segment's size; segment: its index in the record (0 for a plain datagram).


def _read(path):
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def records(path):
    """Every IPv4 packet of a capture (UDP: ports and payload; others: proto only).
    None if the file cannot be read or is not a pcap."""
    try:
        data = _read(path)
    except OSError:
        return None
    if len(data) < 24:
        return [] if len(data) == 0 else None
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        return None
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    link = struct.unpack(e + "I", data[20:24])[0]
    out = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ts = sec + frac / (1e9 if nano else 1e6)
        if link == 1:  # Ethernet
            if len(pkt) < 14 or pkt[12:14] not in (b"\x08\x00", b"\x86\xdd"):
                continue
            hdr, ip = 14, pkt[14:]
        elif link == 113:  # Linux cooked
            if len(pkt) < 16 or pkt[14:16] not in (b"\x08\x00", b"\x86\xdd"):
                continue
            hdr, ip = 16, pkt[16:]
        elif link in (101, 12, 14, 228, 229):  # raw IP / IPv4 / IPv6
            hdr, ip = 0, pkt
        else:
            continue
        if len(ip) >= 40 and ip[0] >> 4 == 6:
            out.append(_ipv6(ts, ip, orig - hdr))
            continue
        if len(ip) < 20 or ip[0] >> 4 != 4:
            continue
        ihl = (ip[0] & 15) * 4
        src = ".".join(str(b) for b in ip[12:16])
        dst = ".".join(str(b) for b in ip[16:20])
        proto = ip[9]
        tot = struct.unpack(">H", ip[2:4])[0]
        # a super-packet over 64 KiB cannot say its size in tot_len: the record's wire size can
        whole = max(tot, orig - hdr)
        if proto != 17 or len(ip) < ihl + 8:
            out.append(Record(ts, src, None, dst, None, proto, b"", max(0, whole - ihl), ip[1]))
            continue
        sport, dport = struct.unpack(">HH", ip[ihl:ihl + 4])
        out.append(Record(ts, src, sport, dst, dport, 17, ip[ihl + 8:], max(0, whole - ihl - 8), ip[1]))
    return out


def _ipv6(ts, ip, wire):
    """An IPv6 packet as a Record (UDP right after the fixed header: the lab sends no extension
    headers; anything else counts as its next header's protocol). tos: the traffic class."""
    src = str(ipaddress.IPv6Address(ip[8:24]))
    dst = str(ipaddress.IPv6Address(ip[24:40]))
    nxt = ip[6]
    plen = struct.unpack(">H", ip[4:6])[0]
    whole = max(plen, wire - 40)
    tclass = ((ip[0] & 15) << 4) | (ip[1] >> 4)
    if nxt != 17 or len(ip) < 48:
        return Record(ts, src, None, dst, None, nxt, b"", whole, tclass)
    sport, dport = struct.unpack(">HH", ip[40:44])
    return Record(ts, src, sport, dst, dport, 17, ip[48:], max(0, whole - 8), tclass)


class Split:
    """Splits records into datagrams; counts what it did."""

    def __init__(self, seg=None, alone=None):
        self.seg = seg          # None (infer), 0 (never split), an int, or a function Record -> int or None
        self.alone = alone      # None, or a function payload -> True when the record is one datagram
        self.records = 0
        self.datagrams = 0
        self.supers = 0         # records that held more than one datagram
        self.odd = 0            # super-packets whose size is not a multiple of the segment size
        self._auto = {}
        self._sizes = {}

    def _stream_sizes(self, recs):
        """Per stream, the payload sizes of its records, most common first."""
        sizes = collections.defaultdict(collections.Counter)
        for r in recs:
            if r.proto == 17:
                sizes[(r.src, r.sport, r.dst, r.dport)][r.length] += 1
        self._sizes = {k: [n for n, _ in c.most_common()] for k, c in sizes.items()}
        self._auto = {k: v[0] for k, v in self._sizes.items() if v}

    def segments(self, r):
        """(number of datagrams, segment size) of one UDP record."""
        if self.alone and self.alone(r.payload):
            return 1, r.length
        s = self.seg_of(r)
        # several sizes a stream's super-packets may be made of (FEC: plain, coded, parity)
        for c in (s if isinstance(s, tuple) else (s,)):
            if c and r.length >= c and r.length % c == 0:
                return r.length // c, c
        if isinstance(s, tuple):
            s = max(s)
        if self.seg == 0:
            return 1, r.length
        # a run of smaller equal datagrams (a warm-up, keepalives): a size this stream also
        # shows alone, dividing the record
        for c in self._sizes.get((r.src, r.sport, r.dst, r.dport), []):
            if 0 < c < r.length and r.length % c == 0 and c != r.length:
                return r.length // c, c
        if s and r.length > s:
            self.odd += 1
        return 1, r.length

    def seg_of(self, r):
        if self.seg == 0:
            return None
        s = self.seg(r) if callable(self.seg) else self.seg
        if not s:
            s = self._auto.get((r.src, r.sport, r.dst, r.dport))
        if isinstance(s, tuple):
            return s
        return s if s and s > 0 else None

    def split(self, recs):
        self._stream_sizes(recs)
        out = []
        for r in recs:
            self.records += 1
            if r.proto != 17:
                self.datagrams += 1
                continue
            n, s = self.segments(r)
            if n > 1:
                self.supers += 1
            for k in range(n):
                out.append(Datagram(r.ts, r.src, r.sport, r.dst, r.dport, r.payload[k * s:(k + 1) * s],
                                    s, r.tos, k))
            self.datagrams += n
        return out


def datagrams(path, seg=None, stats=None, alone=None):
    """The UDP datagrams of a capture, super-packets split (None if unreadable). `stats`, a
    Split, collects the counts."""
    recs = records(path)
    if recs is None:
        return None
    sp = stats if stats is not None else Split(seg, alone)
    if stats is not None and seg is not None:
        sp.seg = seg
    return sp.split(recs)


def count(path, seg=None):
    """Datagrams in a capture: UDP datagrams (split) plus other IPv4 packets; None if unreadable."""
    recs = records(path)
    if recs is None:
        return None
    sp = Split(seg)
    sp.split(recs)
    return sp.datagrams


def main(argv):
    if len(argv) >= 2 and argv[0] == "count":
        seg = int(argv[2]) if len(argv) > 2 and argv[2] not in ("", "auto") else None
        if seg is not None and seg < 0:
            seg = None
        n = count(argv[1], seg)
        print(-1 if n is None else n)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
