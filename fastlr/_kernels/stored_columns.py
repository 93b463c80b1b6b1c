"""The stored-column mapping of wide CSR matrices (``fastlr._estimators.columns``).

Hashed or one-hot data often store values in few of 2^20 or 2^22 columns; a fit
then trains on the stored columns alone. These kernels find them and renumber a
matrix's indices to them: mark the columns stored (``mark_stored_columns``),
rank them (``column_positions``), and map every stored index to its column's
rank (``remap_indices``).
"""
from __future__ import annotations

from .._config import kernel, prange
from .prefetch import prefetch_entry

#: stored indices ahead whose column position the remapping asks for
AHEAD = 32


@kernel(parallel=True)
def mark_stored_columns(indices, seen, chunks):
    """seen[j] = True for every column j in a CSR matrix's ``indices``, in ``chunks``
    slices of the indices side by side (every write stores the same True: the
    result does not depend on the order). A NumPy fancy assignment took twice as
    long as one chunk on 4.4M indices. Two chunks measured faster than one on a
    2-vCPU AMD EPYC (Zen 1) but 3-4x slower on a 2-vCPU Xeon, where each True one
    core writes invalidates the other core's copy of the line (4.4M indices into
    2^18 to 2^22 columns: one chunk 4-6 ms, two 16-20 ms): the caller uses one."""
    nnz = indices.shape[0]
    for c in prange(chunks):
        for p in range((c * nnz) // chunks, ((c + 1) * nnz) // chunks):
            seen[indices[p]] = True


@kernel
def column_positions(seen, position, keep):
    """position[j] = the rank of column j among the ``seen`` columns (-1 for the
    others) and keep[:m] = the seen columns in increasing order; returns m.
    Branch-free (half the columns seen in no order a branch could predict):
    keep[m] is written for every column and overwritten until m moves on, so
    ``keep`` needs m + 1 entries (one past the seen columns)."""
    m = 0
    for j in range(seen.shape[0]):
        s = seen[j]
        position[j] = m if s else -1
        keep[m] = j
        m += s
    return m


@kernel(parallel=True)
def remap_indices(indices, position, out, chunks):
    """out[p] = position[indices[p]], in ``chunks`` slices side by side."""
    nnz = indices.shape[0]
    for c in prange(chunks):
        stop = ((c + 1) * nnz) // chunks
        for p in range((c * nnz) // chunks, stop):
            if p + AHEAD < stop:  # a column's position is a cache miss each (4.6M
                prefetch_entry(position, indices[p + AHEAD])  # of 2^22: 15 -> 12 ms)
            out[p] = position[indices[p]]
