"""Software prefetch for rows the hardware prefetcher cannot foresee.

A shuffled epoch reads X in an order only the row index knows: each row (or
block of rows) is a jump to a random place in memory, and a narrow table's
row is gone (6 cache lines for 100 float32 features) before the hardware
prefetcher has learned anything. The data-access layer therefore asks for the
rows a few blocks ahead with ``prefetch_item`` (LLVM's ``llvm.prefetch``: a
hint, never a fault, so an index past the end would be harmless; the callers
stay in bounds anyway).
"""
from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


def _prefetch_codegen(context, builder, signature, args):
    """``llvm.prefetch`` of the address of ``arr[index...]`` (the intrinsics' code)."""
    aryty = signature.args[0]
    ary = context.make_array(aryty)(context, builder, args[0])
    idx = [context.cast(builder, v, t, types.intp)
           for v, t in zip(args[1:], signature.args[1:])]
    ptr = cgutils.get_item_pointer(context, builder, aryty, ary, idx, wraparound=False)
    i8p = ir.IntType(8).as_pointer()
    i32 = ir.IntType(32)
    fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
    # llvmlite mangles the overloaded name for its own LLVM (p0i8 before opaque
    # pointers; LLVM upgrades that name where pointers are opaque)
    fn = builder.module.declare_intrinsic("llvm.prefetch", [i8p], fnty)
    # read, high temporal locality (keep in all levels), data cache
    builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
    return context.get_dummy_value()


@intrinsic
def prefetch_item(typingctx, arr, i, j):
    """Prefetch the cache line that holds ``arr[i, j]`` (a 2-D array) for reading."""
    if not (isinstance(arr, types.Array) and arr.ndim == 2):
        return None
    return types.void(arr, i, j), _prefetch_codegen


@intrinsic
def prefetch_entry(typingctx, arr, i):
    """Prefetch the cache line that holds ``arr[i]`` (a 1-D array) for reading."""
    if not (isinstance(arr, types.Array) and arr.ndim == 1):
        return None
    return types.void(arr, i), _prefetch_codegen
