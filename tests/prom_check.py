#!/usr/bin/env python3
"""prom_check.py - validate a Prometheus text exposition (format 0.0.4) read
from a file or stdin, as promtool's `check metrics` would for what we emit:
line syntax, metric and label names, escaped label values, numeric values,
HELP/TYPE before samples, counters named *_total, no duplicate series,
one family's samples together.  Exit 0 if valid, 1 with the reasons."""
import math
import re
import sys

NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*$')
LABEL = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*$')
SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$')
PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)')


def parse_labels(text):
    out, pos = [], 0
    while pos < len(text):
        m = PAIR.match(text, pos)
        if not m:
            return None
        out.append((m.group(1), m.group(2)))
        pos = m.end()
    return out


def check(lines):
    errors, types, helps, seen, done = [], {}, {}, set(), set()
    current = None
    for no, line in enumerate(lines, 1):
        if line == '':
            continue
        if line.startswith('#'):
            parts = line.split(' ', 3)
            if len(parts) >= 3 and parts[1] in ('HELP', 'TYPE'):
                name = parts[2]
                if not NAME.match(name):
                    errors.append(f'{no}: bad metric name {name!r}')
                if parts[1] == 'TYPE':
                    kind = parts[3] if len(parts) > 3 else ''
                    if kind not in ('counter', 'gauge', 'histogram', 'summary', 'untyped'):
                        errors.append(f'{no}: bad type {kind!r}')
                    if name in types:
                        errors.append(f'{no}: second TYPE for {name}')
                    if kind == 'counter' and not name.endswith('_total'):
                        errors.append(f'{no}: counter {name} does not end in _total')
                    types[name] = kind
                else:
                    if name in helps:
                        errors.append(f'{no}: second HELP for {name}')
                    helps[name] = True
                if name != current:
                    if name in done:
                        errors.append(f'{no}: family {name} split')
                    if current:
                        done.add(current)
                    current = name
            continue
        m = SAMPLE.match(line)
        if not m:
            errors.append(f'{no}: not a sample line: {line!r}')
            continue
        name, labels, value = m.group(1), m.group(3) or '', m.group(4)
        if name not in types:
            errors.append(f'{no}: sample of {name} before its TYPE')
        if name != current:
            errors.append(f'{no}: sample of {name} outside its family')
        pairs = parse_labels(labels)
        if pairs is None:
            errors.append(f'{no}: bad labels {labels!r}')
            continue
        names = [k for k, _ in pairs]
        if len(set(names)) != len(names) or any(k.startswith('__') for k in names):
            errors.append(f'{no}: bad label names {names}')
        try:
            v = float(value)
            if types.get(name) == 'counter' and (v < 0 or math.isnan(v)):
                errors.append(f'{no}: counter {name} is {value}')
        except ValueError:
            errors.append(f'{no}: bad value {value!r}')
        key = (name, tuple(sorted(pairs)))
        if key in seen:
            errors.append(f'{no}: duplicate series {name}{{{labels}}}')
        seen.add(key)
    return errors


def main():
    src = open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin
    text = src.read()
    if text and not text.endswith('\n'):
        print('prom_check: no final newline')
        return 1
    errors = check(text.split('\n'))
    for e in errors:
        print('prom_check:', e)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
