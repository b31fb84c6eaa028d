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
   float (f32) and double (f64). Every argument was validated in Python
   (npgan/kernels/conv.py and conv_c.py) before the call: sizes are positive, arrays are
   C-contiguous with exactly the sizes given, and all products fit in a ptrdiff_t.
   threads is the OpenMP team size (1: no parallel region); loops are split with a static
   schedule and each output element is written by one thread, so results do not depend
   on timing or on the thread count. */
#include <stddef.h>
#include <string.h>

#include "conv.h"

typedef ptrdiff_t idx;


/* The output columns ow whose input column iw = ow*S - P + k*D lies in [0, W): [*lo, *hi). */
static void valid_range(int W, int S, int P, int k, int D, int OW, int *lo, int *hi)
{
    int off = k * D - P;                    /* iw = ow*S + off */
    int a = off >= 0 ? 0 : (-off + S - 1) / S;   /* first ow with iw >= 0 */
    int b = W - 1 - off < 0 ? 0 : (W - 1 - off) / S + 1;  /* first ow with iw > W-1 */
    if (b > OW) b = OW;
    if (a > b) a = b;
    *lo = a;
    *hi = b;
}

/* cols[(c, kh, kw), (oh, ow, :)] = x[c, ih, iw, :], a run of NB contiguous values (zero in
   the padding). Parallel over rows of cols; with SW == 1 the runs of consecutive ow are
   adjacent in x too, so a whole output row is one contiguous copy. */
#define IM2COL(T, SUFFIX)                                                                   \
    void npgan_conv_im2col_##SUFFIX(const T *x, T *cols, int C, int H, int W, int NB,        \
                                    int KH, int KW, int SH, int SW, int PH, int PW,          \
                                    int DH, int DW, int OH, int OW, int threads)             \
    {                                                                                       \
        idx rows = (idx)C * KH * KW, run = (idx)OW * NB;                                    \
        _Pragma("omp parallel for schedule(static) num_threads(threads) if (threads > 1)")  \
        for (idx r = 0; r < rows; r++) {                                                    \
            int c = (int)(r / (KH * KW)), kh = (int)(r / KW % KH), kw = (int)(r % KW);      \
            int lo, hi;                                                                     \
            valid_range(W, SW, PW, kw, DW, OW, &lo, &hi);                                   \
            int off = kw * DW - PW;                                                         \
            T *dst = cols + r * OH * run;                                                   \
            for (int oh = 0; oh < OH; oh++, dst += run) {                                   \
                int ih = oh * SH - PH + kh * DH;                                            \
                if (ih < 0 || ih >= H) {                                                    \
                    for (idx j = 0; j < run; j++) dst[j] = 0;                               \
                    continue;                                                               \
                }                                                                           \
                const T *row = x + ((idx)c * H + ih) * W * NB;                              \
                for (idx j = 0; j < (idx)lo * NB; j++) dst[j] = 0;                          \
                if (SW == 1) {                                                              \
                    const T *s = row + (idx)(lo + off) * NB;                                \
                    T *d = dst + (idx)lo * NB;                                              \
                    for (idx j = 0; j < (idx)(hi - lo) * NB; j++) d[j] = s[j];              \
                } else {                                                                    \
                    for (int ow = lo; ow < hi; ow++) {                                      \
                        const T *s = row + ((idx)ow * SW + off) * NB;                       \
                        T *d = dst + (idx)ow * NB;                                          \
                        for (idx j = 0; j < NB; j++) d[j] = s[j];                           \
                    }                                                                       \
                }                                                                           \
                for (idx j = (idx)hi * NB; j < run; j++) dst[j] = 0;                        \
            }                                                                               \
        }                                                                                   \
    }

/* The adjoint of im2col: x = 0, then x[c, ih, iw, :] += cols[(c, kh, kw), (oh, ow, :)] for
   every run im2col would have read. Parallel over channels: the rows (c, kh, kw) of one
   channel only write into that channel, so no two threads touch the same element, and
   the sums are accumulated in a fixed order (kh, kw, oh, ow) -- deterministic. */
#define COL2IM(T, SUFFIX)                                                                   \
    void npgan_conv_col2im_##SUFFIX(const T *cols, T *x, int C, int H, int W, int NB,        \
                                    int KH, int KW, int SH, int SW, int PH, int PW,          \
                                    int DH, int DW, int OH, int OW, int threads)             \
    {                                                                                       \
        idx run = (idx)OW * NB;                                                             \
        _Pragma("omp parallel for schedule(static) num_threads(threads) if (threads > 1)")  \
        for (idx c = 0; c < C; c++) {                                                       \
            T *plane = x + c * H * W * NB;                                                  \
            for (idx j = 0; j < (idx)H * W * NB; j++) plane[j] = 0;                         \
            for (int kh = 0; kh < KH; kh++) {                                               \
                for (int kw = 0; kw < KW; kw++) {                                           \
                    int lo, hi;                                                             \
                    valid_range(W, SW, PW, kw, DW, OW, &lo, &hi);                           \
                    int off = kw * DW - PW;                                                 \
                    const T *src = cols + ((c * KH + kh) * KW + kw) * OH * run;             \
                    for (int oh = 0; oh < OH; oh++, src += run) {                           \
                        int ih = oh * SH - PH + kh * DH;                                    \
                        if (ih < 0 || ih >= H) continue;                                    \
                        T *row = plane + (idx)ih * W * NB;                                  \
                        if (SW == 1) {                                                      \
                            T *d = row + (idx)(lo + off) * NB;                              \
                            const T *s = src + (idx)lo * NB;                                \
                            for (idx j = 0; j < (idx)(hi - lo) * NB; j++) d[j] += s[j];     \
                        } else {                                                            \
                            for (int ow = lo; ow < hi; ow++) {                              \
                                T *d = row + ((idx)ow * SW + off) * NB;                     \
                                const T *s = src + (idx)ow * NB;                            \
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
   OH*OW this turns the GEMM result (C_out*OH*OW, n) into NCHW and adds the bias. */
#define TILE 32
#define TRANSPOSE(T, SUFFIX)                                                                \
    void npgan_conv_transpose_##SUFFIX(const T *a, const T *bias, T *out, int R, int S,      \
                                       int group, int threads)                              \
    {                                                                                       \
        idx tiles_r = ((idx)R + TILE - 1) / TILE, tiles_s = ((idx)S + TILE - 1) / TILE;     \
        _Pragma("omp parallel for collapse(2) schedule(static) num_threads(threads) if (threads > 1)") \
        for (idx tr = 0; tr < tiles_r; tr++) {                                              \
            for (idx ts = 0; ts < tiles_s; ts++) {                                          \
                idx r0 = tr * TILE, r1 = r0 + TILE < R ? r0 + TILE : R;                     \
                idx s0 = ts * TILE, s1 = s0 + TILE < S ? s0 + TILE : S;                     \
                T add[TILE];                                                                \
                for (idx r = r0; r < r1; r++) add[r - r0] = bias ? bias[r / group] : 0;     \
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
    void npgan_conv_channel_sum_##SUFFIX(const T *y, T *out, int N, int C, int L, int threads) \
    {                                                                                       \
        _Pragma("omp parallel for schedule(static) num_threads(threads) if (threads > 1)")            \
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
TRANSPOSE(float, f32)
TRANSPOSE(double, f64)
CHANNEL_SUM(float, f32)
CHANNEL_SUM(double, f64)
