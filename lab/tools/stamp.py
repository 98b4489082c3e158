#!/usr/bin/env python3
"""stamp.py - the time each line of a growing log was seen (the daemons' own lines carry none).

  stamp.py FILE [SECONDS]
      follows FILE from its current end (its start if it does not exist yet), printing
      "EPOCH LINE" for each new line as it appears, polling every 10 ms, for at most SECONDS
      (default 3600); the time is an upper bound on when the line was written (the poll's delay
      plus this process's scheduling on a busy machine).
"""
import os
import sys
import time


def main():
    path = sys.argv[1]
    end = time.time() + (float(sys.argv[2]) if len(sys.argv) > 2 else 3600.0)
    pos = os.path.getsize(path) if os.path.exists(path) else 0
    buf = b""
    while time.time() < end:
        try:
            with open(path, "rb") as f:
                f.seek(pos)
                chunk = f.read()
        except OSError:
            chunk = b""
        if chunk:
            pos += len(chunk)
            now = time.time()
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                sys.stdout.write("%.6f %s\n" % (now, line.decode(errors="replace")))
            sys.stdout.flush()
        else:
            time.sleep(0.01)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
