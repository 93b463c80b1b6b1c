"""Constants shared by the kernels and the Python code around them, importable
without importing Numba (:mod:`fastlr._kernels` imports it)."""

#: family codes of the fused passes
SIGMOID = 0
SOFTMAX = 1
#: rows per register block: four rows share every load of W
BLOCK = 4
#: rows of the work buffer Z: the largest block a fused pass hands the data layer
ROWS = 64
#: bytes of X rows a fused pass keeps in L1 between its forward and backward half
BLOCK_BYTES = 16384
