/* Convolution hot loops: im2col, col2im, a tiled 2-D transpose (with the bias fused in),
   and the per-channel sum (the bias gradient).

   Layouts (see npgan/kernels/conv.py for the notation and for why these layouts): a chunk
   of NB images is held batch-innermost, "CHWN",
     x     (C, H, W, NB)                     x[c, h, w, n] = image n of the chunk
     cols  (C*KH*KW, OH*OW*NB)               one row per (c, kh, kw), one column per (oh, ow, n)
   cols[(c*KH + kh)*KW + kw, (oh*OW + ow)*NB + n] = x[c, oh*SH - PH + kh*DH, ow*SW - PW + kw*DW, n]
   (zero where the index falls in the padding), so every entry of the im2col formula is a
   run of NB contiguous values in both arrays.

   Each kernel is written once as a macro over the element type T and stamped out for
   float (f32) and double (f64). Every call comes through the loops' guard
   (npgan/kernels/guards.py): sizes are positive and at most 2^31 - 1, arrays are
   C-contiguous and aligned with exactly the sizes given. All index arithmetic
   is done in 64 bits (idx), where none of it can overflow: the largest term,
   oh*SH + kh*DH, is below 2 (2^31)^2 = 2^63, and every offset into an array is below the
   array's size. (An int would overflow at padding 2^30 already.)
   threads is the OpenMP team size (1: no parallel region); loops are split with a static
   schedule and each output element is written by one thread, so results do not depend
   on timing or on the thread count. */
#include <stdint.h>

#include "conv.h"

typedef int64_t idx;  /* every size, index and offset: 64 bits */


/* The output columns ow whose input column iw = ow*S - P + k*D lies in [0, W): [*lo, *hi).
   Every size is at most 2^31 - 1 (checked in Python), so in 64 bits none of these terms
   overflows: |k*D - P| < 2^62. */
static void valid_range(idx W, idx S, idx P, idx k, idx D, idx OW, idx *lo, idx *hi)
{
    idx off = k * D - P;                                       /* iw = ow*S + off */
    idx a = off >= 0 ? 0 : (-off + S - 1) / S;                 /* first ow with iw >= 0 */
    idx b = W - 1 - off < 0 ? 0 : (W - 1 - off) / S + 1;       /* first ow with iw > W-1 */
    if (b > OW) b = OW;
    if (a > b) a = b;
    *lo = a;
    *hi = b;
}

/* cols[(c, kh, kw), (oh, ow, :)] = x[c, ih, iw, :], a run of NB contiguous values (zero in
   the padding). Parallel over rows of cols; with SW == 1 the runs of consecutive ow are
   adjacent in x too, so a whole output row is one contiguous copy. */
#define IM2COL(T, SUFFIX)                                                                   \
    void npgan_conv_im2col_##SUFFIX(const T *x, T *cols, idx C, idx H, idx W, idx NB,        \
                                    idx KH, idx KW, idx SH, idx SW, idx PH, idx PW,          \
                                    idx DH, idx DW, idx OH, idx OW, int threads)             \
    {                                                                                       \
        idx rows = C * KH * KW, run = OW * NB;                                              \
        _Pragma("omp parallel for schedule(static) num_threads(threads) if (threads > 1)")  \
        for (idx r = 0; r < rows; r++) {                                                    \
            idx c = r / (KH * KW), kh = r / KW % KH, kw = r % KW;                           \
            idx lo, hi;                                                                     \
            valid_range(W, SW, PW, kw, DW, OW, &lo, &hi);                                   \
            idx off = kw * DW - PW;                                                         \
            T *dst = cols + r * OH * run;                                                   \
            for (idx oh = 0; oh < OH; oh++, dst += run) {                                   \
                idx ih = oh * SH - PH + kh * DH;                                            \
                if (ih < 0 || ih >= H) {                                                    \
                    for (idx j = 0; j < run; j++) dst[j] = 0;                               \
                    continue;                                                               \
                }                                                                           \
                const T *row = x + (c * H + ih) * W * NB;                                   \
                for (idx j = 0; j < lo * NB; j++) dst[j] = 0;                               \
                if (SW == 1) {                                                              \
                    const T *s = row + (lo + off) * NB;                                     \
                    T *d = dst + lo * NB;                                                   \
                    for (idx j = 0; j < (hi - lo) * NB; j++) d[j] = s[j];                   \
                } else {                                                                    \
                    for (idx ow = lo; ow < hi; ow++) {                                      \
                        const T *s = row + (ow * SW + off) * NB;                            \
                        T *d = dst + ow * NB;                                               \
                        for (idx j = 0; j < NB; j++) d[j] = s[j];                           \
                    }                                                                       \
                }                                                                           \
                for (idx j = hi * NB; j < run; j++) dst[j] = 0;                             \
            }                                                                               \
        }                                                                                   \
    }

/* The adjoint of im2col: x = 0, then x[c, ih, iw, :] += cols[(c, kh, kw), (oh, ow, :)] for
   every run im2col would have read. Parallel over channels: the rows (c, kh, kw) of one
   channel only write into that channel, so no two threads touch the same element, and
   the sums are accumulated in a fixed order (kh, kw, oh, ow) -- deterministic. */
#define COL2IM(T, SUFFIX)                                                                   \
    void npgan_conv_col2im_##SUFFIX(const T *cols, T *x, idx C, idx H, idx W, idx NB,        \
                                    idx KH, idx KW, idx SH, idx SW, idx PH, idx PW,          \
                                    idx DH, idx DW, idx OH, idx OW, int threads)             \
    {                                                                                       \
        idx run = OW * NB;                                                                  \
        _Pragma("omp parallel for schedule(static) num_threads(threads) if (threads > 1)")  \
        for (idx c = 0; c < C; c++) {                                                       \
            T *plane = x + c * H * W * NB;                                                  \
            for (idx j = 0; j < H * W * NB; j++) plane[j] = 0;                              \
            for (idx kh = 0; kh < KH; kh++) {                                               \
                for (idx kw = 0; kw < KW; kw++) {                                           \
                    idx lo, hi;                                                             \
                    valid_range(W, SW, PW, kw, DW, OW, &lo, &hi);                           \
                    idx off = kw * DW - PW;                                                 \
                    const T *src = cols + ((c * KH + kh) * KW + kw) * OH * run;             \
                    for (idx oh = 0; oh < OH; oh++, src += run) {                           \
                        idx ih = oh * SH - PH + kh * DH;                                    \
                        if (ih < 0 || ih >= H) continue;                                    \
                        T *row = plane + ih * W * NB;                                       \
                        if (SW == 1) {                                                      \
                            T *d = row + (lo + off) * NB;                                   \
                            const T *s = src + lo * NB;                                     \
                            for (idx j = 0; j < (hi - lo) * NB; j++) d[j] += s[j];          \
                        } else {                                                            \
                            for (idx ow = lo; ow < hi; ow++) {                              \
                                T *d = row + (ow * SW + off) * NB;                          \
                                const T *s = src + ow * NB;                                 \
                                for (idx j = 0; j < NB; j++) d[j] += s[j];                  \
                            }                                                               \
                        }                                                                   \
                    }                                                                       \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
    }

/* out[s, r] = a[r, s] (+ bias[r / group]): a (R, S) matrix transposed in TILE x TILE tiles
   that stay in L1, so both the reads and the writes move whole cache lines. With group =
   OH*OW this turns the GEMM result (C_out*OH*OW, n) into NCHW and adds the bias. Without a
   bias it adds -0.0, IEEE's additive identity (x + -0.0 == x bit for bit, also for x = -0.0,
   where + 0.0 would give +0.0), so the transpose moves every value unchanged. */
#define TILE 32
#define TRANSPOSE_ADD_BIAS(T, SUFFIX)                                                       \
    void npgan_transpose_add_bias_##SUFFIX(const T *a, const T *bias, T *out, idx R, idx S,  \
                                           idx group, int threads)                          \
    {                                                                                       \
        idx tiles_r = (R + TILE - 1) / TILE, tiles_s = (S + TILE - 1) / TILE;               \
        _Pragma("omp parallel for collapse(2) schedule(static) num_threads(threads) if (threads > 1)") \
        for (idx tr = 0; tr < tiles_r; tr++) {                                              \
            for (idx ts = 0; ts < tiles_s; ts++) {                                          \
                idx r0 = tr * TILE, r1 = r0 + TILE < R ? r0 + TILE : R;                     \
                idx s0 = ts * TILE, s1 = s0 + TILE < S ? s0 + TILE : S;                     \
                T add[TILE];                                                                \
                for (idx r = r0; r < r1; r++) add[r - r0] = bias ? bias[r / group] : (T)-0.0; \
                for (idx s = s0; s < s1; s++) {                                             \
                    T *o = out + s * R;                                                     \
                    for (idx r = r0; r < r1; r++) o[r] = a[r * S + s] + add[r - r0];        \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
    }

/* out[c] = sum over n, l of y[n, c, l]  (the bias gradient). One thread owns each channel
   and sums it in a fixed order, so the result does not depend on the thread count; the
   simd reduction lets the compiler use vector lanes as partial sums. */
#define CHANNEL_SUM(T, SUFFIX)                                                              \
    void npgan_conv_channel_sum_##SUFFIX(const T *y, T *out, idx N, idx C, idx L, int threads) \
    {                                                                                       \
        _Pragma("omp parallel for schedule(static) num_threads(threads) if (threads > 1)")  \
        for (idx c = 0; c < C; c++) {                                                       \
            T total = 0;                                                                    \
            for (idx n = 0; n < N; n++) {                                                   \
                const T *s = y + (n * C + c) * L;                                           \
                T part = 0;                                                                 \
                _Pragma("omp simd reduction(+:part)")                                       \
                for (idx l = 0; l < L; l++) part += s[l];                                   \
                total += part;                                                              \
            }                                                                               \
            out[c] = total;                                                                 \
        }                                                                                   \
    }

IM2COL(float, f32)
IM2COL(double, f64)
COL2IM(float, f32)
COL2IM(double, f64)
TRANSPOSE_ADD_BIAS(float, f32)
TRANSPOSE_ADD_BIAS(double, f64)
CHANNEL_SUM(float, f32)
CHANNEL_SUM(double, f64)
