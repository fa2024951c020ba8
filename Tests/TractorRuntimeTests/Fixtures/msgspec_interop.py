# SPDX-License-Identifier: Apache-2.0
#
# The Python side of the MessagePack interoperability tests (MessagePackPythonTests.swift), using msgspec.
#
#   python3 msgspec_interop.py check     reads the Swift-encoded sample on stdin, checks every field against
#                                        EXPECTED, and writes msgspec's own encoding of what it decoded to stdout
#   python3 msgspec_interop.py produce   writes msgspec's encoding of PRODUCED to stdout
#
# Exit status 0 means success; anything else is a failure described on stderr.

import datetime
import sys

import msgspec

UTC = datetime.timezone.utc
Ext = msgspec.msgpack.Ext

EXPECTED = {
    "u8": 200,
    "u16": 60000,
    "u32": 4000000000,
    "u64": 2**64 - 1,
    "i8": -100,
    "i16": -30000,
    "i32": -2000000000,
    "i64": -(2**63),
    "small": 7,
    "negative": -5,
    "single": 1.5,
    "double": 3.141592653589793,
    "text": "h\u00e9llo w\u00f6rld",
    "emoji": "\U0001f37a\u2764\ufe0f\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "empty": "",
    "bytes": b"\x00\x01\xfe\xff",
    "data": b"swift",
    "numbers": [0, 1, -1, 127, 128, -33, 70000, 2**40],
    "words": ["a", "bb", ""],
    "reals": [0.5, -2.25, 1e300],
    "table": {"one": 1, "two": 2},
    "nested": {
        "name": "root",
        "tags": ["x"],
        "children": [{"name": "leaf", "tags": [], "children": []}],
    },
    "nothing": None,
    "when": datetime.datetime(2018, 1, 2, 3, 4, 5, 500000, tzinfo=UTC),
    "any": [1, "two", None, Ext(5, b"ab"), {"k": True}],
}

PRODUCED = {
    "ints": [0, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 1, 2**64 - 1,
             -1, -32, -33, -128, -129, -32768, -32769, -(2**31), -(2**31) - 1, -(2**63)],
    "float": 0.1,
    "text": "na\u00efve \U0001f37a" * 40,
    "bin": bytes(range(256)),
    "list": [[], [None, True, False]],
    "map": {"a": {"b": {}}},
    "when": datetime.datetime(1969, 12, 31, 23, 59, 59, 250000, tzinfo=UTC),
    "ext": Ext(3, b"xyz"),
}


def check(data: bytes) -> bytes:
    decoded = msgspec.msgpack.decode(data)
    problems = []
    if set(decoded) != set(EXPECTED):
        problems.append(f"keys differ: {sorted(set(decoded) ^ set(EXPECTED))}")
    for key, expected in EXPECTED.items():
        got = decoded.get(key)
        if got != expected or type(got) is not type(expected):
            problems.append(f"{key}: expected {expected!r}, got {got!r}")
    if problems:
        sys.stderr.write("msgspec decoded the Swift bytes differently:\n" + "\n".join(problems) + "\n")
        sys.exit(1)
    return msgspec.msgpack.encode(decoded)


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "check":
        sys.stdout.buffer.write(check(sys.stdin.buffer.read()))
    elif mode == "produce":
        sys.stdout.buffer.write(msgspec.msgpack.encode(PRODUCED))
    else:
        sys.stderr.write("usage: msgspec_interop.py check|produce\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
