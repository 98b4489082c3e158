#!/usr/bin/env python3
"""ctflush.py - flush this network namespace's IPv4 connection tracking table (what
`conntrack -F` does, without conntrack-tools): every NAT mapping is forgotten, so the next
packet of a masqueraded flow gets a new one, as when a NAT's mapping times out.

  ip netns exec NS ctflush.py
      exit 0 once the kernel acknowledged the flush; 1 with the kernel's error (no
      nf_conntrack_netlink, not permitted...) on stderr.
  ip netns exec NS ctflush.py --wait [SECONDS]
      stay up (at most SECONDS, default 3600) and flush at each SIGUSR1, printing
      "EPOCH flushed" (or "EPOCH failed: WHY") when done: a flush at once, without a program's
      start on a busy machine (seconds) between the request and the flush.
"""
import os
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_DELETE = 2
NLM_F_REQUEST, NLM_F_ACK = 0x1, 0x4
NLMSG_ERROR = 2


def flush():
    """None when the kernel acknowledged the flush, else why not."""
    try:
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    except OSError as e:
        return f"no netfilter netlink socket: {e}"
    with s:
        s.settimeout(5)
        s.bind((0, 0))
        return request(s)


def request(s):
    # nlmsghdr + nfgenmsg (family AF_INET, version 0, res_id 0): a delete with no tuple flushes
    body = struct.pack("=BBH", socket.AF_INET, 0, 0)
    msg = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE,
                      NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body
    s.send(msg)
    try:
        data = s.recv(65536)
    except OSError as e:
        return f"no answer from the kernel: {e}"
    _, typ, _, _, _ = struct.unpack("=IHHII", data[:16])
    if typ != NLMSG_ERROR:
        return f"unexpected answer type {typ}"
    err = struct.unpack("=i", data[16:20])[0]
    if err:
        return f"the kernel refused: {os.strerror(-err)}"
    return None


def main():
    if sys.argv[1:2] != ["--wait"]:
        why = flush()
        if why:
            print(f"ctflush: {why}", file=sys.stderr)
        return 1 if why else 0
    end = time.time() + (float(sys.argv[2]) if len(sys.argv) > 2 else 3600.0)
    asked = []
    signal.signal(signal.SIGUSR1, lambda *_: asked.append(1))
    print("ready", flush=True)
    while time.time() < end:
        if not asked:
            signal.pause()	# until a signal (the lab's timeout ends the process)
            continue
        asked.clear()
        why = flush()
        print(f"{time.time():.6f} " + (f"failed: {why}" if why else "flushed"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
