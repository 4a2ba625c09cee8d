// Batch forest traversal and feature binning, one build per instruction set chosen at run time
// (function-level target attributes, so this file needs no global -m flags).
#include "ForestKernels.h"
#include <immintrin.h>

#define CHUNK 4096

// ---- portable -------------------------------------------------------------------------------

void omniseg_forest_predict_portable(const omniseg_forest *f, const uint8_t *bins, size_t stride, size_t rows, float *out) {
    for (size_t start = 0; start < rows; start += CHUNK) {
        size_t n = rows - start < CHUNK ? rows - start : CHUNK;
        float acc[CHUNK];
        for (size_t i = 0; i < n; i++) acc[i] = 0;
        const uint8_t *base = bins + start * stride;
        for (int32_t t = 0; t < f->trees; t++) {
            const int32_t root = f->root[t], depth = f->depth[t];
            size_t i = 0;
            // Eight rows at a time: independent load chains the core overlaps.
            for (; i + 8 <= n; i += 8) {
                int32_t at[8];
                const uint8_t *row[8];
                for (int j = 0; j < 8; j++) { at[j] = root; row[j] = base + (i + j) * stride; }
                for (int32_t s = 0; s < depth; s++) {
                    for (int j = 0; j < 8; j++) {
                        uint64_t word = f->node[at[j]];
                        uint32_t info = (uint32_t)word;
                        at[j] = (int32_t)(word >> 32) + (row[j][info >> 8] > (info & 0xFF) ? 1 : 0);
                    }
                }
                for (int j = 0; j < 8; j++) acc[i + j] += f->value[at[j]];
            }
            for (; i < n; i++) {
                int32_t at = root;
                const uint8_t *row = base + i * stride;
                for (int32_t s = 0; s < depth; s++) {
                    uint64_t word = f->node[at];
                    uint32_t info = (uint32_t)word;
                    at = (int32_t)(word >> 32) + (row[info >> 8] > (info & 0xFF) ? 1 : 0);
                }
                acc[i] += f->value[at];
            }
        }
        float trees = (float)f->trees;
        for (size_t i = 0; i < n; i++) out[start + i] = acc[i] / trees;
    }
}

void omniseg_bin_portable(const float *values, size_t count, const float *edges, uint8_t *out, size_t stride) {
    for (size_t i = 0; i < count; i++) {
        int32_t pos = 0;
        float v = values[i];
        for (int32_t step = 128; step > 0; step >>= 1) {
            if (edges[pos + step - 1] < v) pos += step;
        }
        out[i * stride] = (uint8_t)pos;
    }
}

// ---- AVX-512 --------------------------------------------------------------------------------

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

// One step of 16 lanes: look up the node's split, gather the row's bin, go left or right.
AVX512 void omniseg_bin_avx512(const float *values, size_t count, const float *edges, uint8_t *out, size_t stride) {
    size_t i = 0;
    int32_t lanes[16] __attribute__((aligned(64)));
    for (; i + 16 <= count; i += 16) {
        __m512 v = _mm512_loadu_ps(values + i);
        __m512i pos = _mm512_setzero_si512();
        for (int32_t step = 128; step > 0; step >>= 1) {
            __m512i candidate = _mm512_add_epi32(pos, _mm512_set1_epi32(step));
            __m512 edge = _mm512_i32gather_ps(_mm512_sub_epi32(candidate, _mm512_set1_epi32(1)), edges, 4);
            __mmask16 below = _mm512_cmp_ps_mask(edge, v, _CMP_LT_OQ);
            pos = _mm512_mask_mov_epi32(pos, below, candidate);
        }
        _mm512_store_si512((void *)lanes, pos);
        for (int j = 0; j < 16; j++) out[(i + j) * stride] = (uint8_t)lanes[j];
    }
    omniseg_bin_portable(values + i, count - i, edges, out + i * stride, stride);
}

// ---- AVX2 -----------------------------------------------------------------------------------

#define AVX2 __attribute__((target("avx2,fma")))

// One step of 8 lanes: two gathers of four 64-bit node words, de-interleaved into splits and children.
#define STEP256(at, offsets)                                                                  \
    do {                                                                                        \
        __m256i lo = _mm256_permutevar8x32_epi32(                                               \
            _mm256_i32gather_epi64((const long long *)f->node, _mm256_castsi256_si128(at), 8), pairs); \
        __m256i hi = _mm256_permutevar8x32_epi32(                                               \
            _mm256_i32gather_epi64((const long long *)f->node, _mm256_extracti128_si256(at, 1), 8), pairs); \
        __m256i info = _mm256_permute2x128_si256(lo, hi, 0x20);                                 \
        __m256i left = _mm256_permute2x128_si256(lo, hi, 0x31);                                 \
        __m256i feature = _mm256_srli_epi32(info, 8);                                           \
        __m256i threshold = _mm256_and_si256(info, byte);                                       \
        __m256i bin = _mm256_and_si256(                                                         \
            _mm256_i32gather_epi32((const int *)base, _mm256_add_epi32(offsets, feature), 1), byte); \
        at = _mm256_sub_epi32(left, _mm256_cmpgt_epi32(bin, threshold));                      \
    } while (0)

AVX2 void omniseg_forest_predict_avx2(const omniseg_forest *f, const uint8_t *bins, size_t stride, size_t rows, float *out) {
    const __m256i byte = _mm256_set1_epi32(0xFF);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i pairs = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    for (size_t start = 0; start < rows; start += CHUNK) {
        size_t n = rows - start < CHUNK ? rows - start : CHUNK;
        size_t blocks = (n + 7) / 8;
        float acc[CHUNK] __attribute__((aligned(32)));
        for (size_t i = 0; i < blocks * 8; i++) acc[i] = 0;
        const uint8_t *base = bins + start * stride;
        const __m256i strideV = _mm256_set1_epi32((int)stride);
        const __m256i last = _mm256_set1_epi32((int)n - 1);
        for (int32_t t = 0; t < f->trees; t++) {
            const __m256i root = _mm256_set1_epi32(f->root[t]);
            const int32_t depth = f->depth[t];
            size_t b = 0;
            for (; b + 4 <= blocks; b += 4) {
                __m256i o0 = _mm256_mullo_epi32(_mm256_min_epi32(_mm256_add_epi32(lane, _mm256_set1_epi32((int)(b * 8))), last), strideV);
                __m256i o1 = _mm256_mullo_epi32(_mm256_min_epi32(_mm256_add_epi32(lane, _mm256_set1_epi32((int)(b * 8 + 8))), last), strideV);
                __m256i o2 = _mm256_mullo_epi32(_mm256_min_epi32(_mm256_add_epi32(lane, _mm256_set1_epi32((int)(b * 8 + 16))), last), strideV);
                __m256i o3 = _mm256_mullo_epi32(_mm256_min_epi32(_mm256_add_epi32(lane, _mm256_set1_epi32((int)(b * 8 + 24))), last), strideV);
                __m256i n0 = root, n1 = root, n2 = root, n3 = root;
                for (int32_t s = 0; s < depth; s++) {
                    STEP256(n0, o0);
                    STEP256(n1, o1);
                    STEP256(n2, o2);
                    STEP256(n3, o3);
                }
                float *a = acc + b * 8;
                _mm256_store_ps(a, _mm256_add_ps(_mm256_load_ps(a), _mm256_i32gather_ps(f->value, n0, 4)));
                _mm256_store_ps(a + 8, _mm256_add_ps(_mm256_load_ps(a + 8), _mm256_i32gather_ps(f->value, n1, 4)));
                _mm256_store_ps(a + 16, _mm256_add_ps(_mm256_load_ps(a + 16), _mm256_i32gather_ps(f->value, n2, 4)));
                _mm256_store_ps(a + 24, _mm256_add_ps(_mm256_load_ps(a + 24), _mm256_i32gather_ps(f->value, n3, 4)));
            }
            for (; b < blocks; b++) {
                __m256i o0 = _mm256_mullo_epi32(_mm256_min_epi32(_mm256_add_epi32(lane, _mm256_set1_epi32((int)(b * 8))), last), strideV);
                __m256i n0 = root;
                for (int32_t s = 0; s < depth; s++) STEP256(n0, o0);
                float *a = acc + b * 8;
                _mm256_store_ps(a, _mm256_add_ps(_mm256_load_ps(a), _mm256_i32gather_ps(f->value, n0, 4)));
            }
        }
        const __m256 trees = _mm256_set1_ps((float)f->trees);
        size_t i = 0;
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + start + i, _mm256_div_ps(_mm256_load_ps(acc + i), trees));
        for (; i < n; i++) out[start + i] = acc[i] / (float)f->trees;
    }
}

AVX2 void omniseg_bin_avx2(const float *values, size_t count, const float *edges, uint8_t *out, size_t stride) {
    size_t i = 0;
    int32_t lanes[8] __attribute__((aligned(32)));
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_loadu_ps(values + i);
        __m256i pos = _mm256_setzero_si256();
        for (int32_t step = 128; step > 0; step >>= 1) {
            __m256i candidate = _mm256_add_epi32(pos, _mm256_set1_epi32(step));
            __m256 edge = _mm256_i32gather_ps(edges, _mm256_sub_epi32(candidate, _mm256_set1_epi32(1)), 4);
            __m256 below = _mm256_cmp_ps(edge, v, _CMP_LT_OQ);
            pos = _mm256_blendv_epi8(pos, candidate, _mm256_castps_si256(below));
        }
        _mm256_store_si256((__m256i *)lanes, pos);
        for (int j = 0; j < 8; j++) out[(i + j) * stride] = (uint8_t)lanes[j];
    }
    omniseg_bin_portable(values + i, count - i, edges, out + i * stride, stride);
}
