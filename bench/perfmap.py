"""Name fastlr's compiled functions in ``perf`` profiles (a developer's tool).

``perf record`` sees Numba's machine code as anonymous memory. Call
:func:`write_map` at the end of a profiled script, after the kernels ran:
it writes ``/tmp/perf-<pid>.map`` (address, size and name of every function
in the compiled libraries of fastlr's kernels), which ``perf report`` reads
to name the samples. Kernels loaded from Numba's on-disk cache keep no object
code, so profile with ``FASTLR_NO_CACHE=1``::

    FASTLR_NO_CACHE=1 perf record -e cpu-clock -F 5000 -o perf.data python script.py
    perf report -i perf.data --stdio -n --sort sym | grep fastlr

(``cpu-clock`` because a virtual machine may expose no hardware counters.)
For instruction-level detail, dump a function's library with
``cres.library._get_compiled_object()`` and disassemble it with ``objdump -d``;
sample addresses minus the function's address are offsets into that listing.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile


def _symbols(obj: bytes):
    with tempfile.NamedTemporaryFile(suffix=".o", delete=False) as f:
        f.write(obj)
        path = f.name
    try:
        out = subprocess.run(["objdump", "-t", path], capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    for line in out.splitlines():
        p = line.split()
        if len(p) >= 6 and p[2] == "F" and int(p[4], 16) > 0:
            yield p[5], int(p[4], 16)


def write_map(prefix: str = "fastlr") -> int:
    """Write /tmp/perf-<pid>.map for the compiled functions of the modules whose name
    starts with ``prefix``; returns the number of functions named."""
    from numba.core.registry import CPUDispatcher

    entries, seen = {}, set()
    for modname, mod in list(sys.modules.items()):
        if not modname.startswith(prefix):
            continue
        for obj in list(vars(mod).values()):
            if not isinstance(obj, CPUDispatcher):
                continue
            for cres in obj.overloads.values():
                lib = cres.library
                if id(lib) in seen:
                    continue
                seen.add(id(lib))
                try:
                    code = lib._get_compiled_object()
                except Exception:  # loaded from the cache: no object code kept
                    continue
                for sym, size in _symbols(code):
                    try:
                        addr = lib.get_pointer_to_function(sym)
                    except Exception:
                        continue
                    if addr:
                        entries[addr] = (size, f"{modname}:{sym[:100]}")
    with open(f"/tmp/perf-{os.getpid()}.map", "w") as f:
        for addr, (size, name) in sorted(entries.items()):
            f.write(f"{addr:x} {size:x} {name}\n")
    return len(entries)
