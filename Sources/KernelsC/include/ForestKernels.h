#ifndef OMNISEG_FOREST_KERNELS_H
#define OMNISEG_FOREST_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// A forest laid out for batch traversal. Node i is one 64-bit word: its left child's index in the
/// high half (the right child is the next node) and `feature << 8 | threshold` in the low half, so
/// one load (or gather) fetches both. A leaf is threshold 255 with itself as child, so it loops on
/// itself: every lane walks exactly `depth[t]` steps and ends on its leaf, whose `value` is the
/// tree's prediction. Node indices are absolute across trees.
typedef struct {
    const uint64_t *node;
    const float *value;
    const int32_t *root;
    const int32_t *depth;
    int32_t trees;
} omniseg_forest;

/// out[r] = mean over trees of the leaf value row r reaches; rows are `stride` bytes of bins each,
/// readable 3 bytes past the last row. Trees are summed in order in float, then divided by the tree
/// count: every variant gives the same bits. (No 512-bit variant: 16-lane gathers measured slower
/// than 8-lane ones on the AVX-512 hosts we have, 2.1-2.6 s against 1.45 s per 1M rows × 100 trees.)
void omniseg_forest_predict_avx2(const omniseg_forest *forest, const uint8_t *bins, size_t stride, size_t rows, float *out);
void omniseg_forest_predict_portable(const omniseg_forest *forest, const uint8_t *bins, size_t stride, size_t rows, float *out);

/// out[i * stride] = the number of `edges` (255 of them, ascending, padded with +inf) below values[i].
void omniseg_bin_avx512(const float *values, size_t count, const float *edges, uint8_t *out, size_t stride);
void omniseg_bin_avx2(const float *values, size_t count, const float *edges, uint8_t *out, size_t stride);
void omniseg_bin_portable(const float *values, size_t count, const float *edges, uint8_t *out, size_t stride);

#endif
