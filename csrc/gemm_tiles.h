/* The tiled GEMM (see gemm_tiles.c and npgan/kernels/gemm_tiles.py). gemm is the address
   of a CBLAS ?gemm with 64-bit integers (OpenBLAS's ILP64 interface); the arguments are
   checked in Python (npgan/kernels/guards.py) before these run. */

void npgan_gemm_tiles_f32(void *gemm, int trans_a, int trans_b, int64_t M, int64_t N, int64_t K,
                          const float *a, const float *b, float *c, int64_t tiles, int split_n, int threads);
void npgan_gemm_tiles_f64(void *gemm, int trans_a, int trans_b, int64_t M, int64_t N, int64_t K,
                          const double *a, const double *b, double *c, int64_t tiles, int split_n, int threads);
int npgan_gemm_pool_workers(void);
