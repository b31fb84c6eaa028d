/* The dropout mask (see dropout.c and npgan/kernels/dropout.py). mask has n contiguous
   entries; threshold <= 2^32; threads >= 1 is the OpenMP team size. Arguments are
   validated in Python before these run. */

void npgan_dropout_mask_f32(float *mask, ptrdiff_t n, uint64_t seed, uint64_t threshold, float scale, int threads);
void npgan_dropout_mask_f64(double *mask, ptrdiff_t n, uint64_t seed, uint64_t threshold, double scale, int threads);
