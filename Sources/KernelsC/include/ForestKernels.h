#ifndef OMNISEG_FOREST_KERNELS_H
#define OMNISEG_FOREST_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// A forest laid out for batch traversal. Node i holds `split[i] = feature << 8 | threshold` and
/// `child[i]`, its left child (the right child is child[i] + 1). A leaf is threshold 255 with
/// child[i] = i, so it loops on itself: every lane walks exactly `depth[t]` steps and ends on its
/// leaf, whose `value` is the tree's prediction. Node indices are absolute across trees.
typedef struct {
    const uint32_t *split;
    const int32_t *child;
    const float *value;
    const int32_t *root;
    const int32_t *depth;
    int32_t trees;
} omniseg_forest;

/// out[r] = mean over trees of the leaf value row r reaches; rows are `stride` bytes of bins each,
/// readable 3 bytes past the last row. Trees are summed in order in float, then divided by the tree
/// count: every variant gives the same bits.
void omniseg_forest_predict_avx512(const omniseg_forest *forest, const uint8_t *bins, size_t stride, size_t rows, float *out);
void omniseg_forest_predict_avx2(const omniseg_forest *forest, const uint8_t *bins, size_t stride, size_t rows, float *out);
void omniseg_forest_predict_portable(const omniseg_forest *forest, const uint8_t *bins, size_t stride, size_t rows, float *out);

/// out[i * stride] = the number of `edges` (255 of them, ascending, padded with +inf) below values[i].
void omniseg_bin_avx512(const float *values, size_t count, const float *edges, uint8_t *out, size_t stride);
void omniseg_bin_avx2(const float *values, size_t count, const float *edges, uint8_t *out, size_t stride);
void omniseg_bin_portable(const float *values, size_t count, const float *edges, uint8_t *out, size_t stride);

#endif
