/* Convolution hot loops (see conv.c for the layouts and npgan/kernels/conv.py for the notation).
   x is (C, H, W, NB) and cols (C*KH*KW, OH*OW*NB); bias may be NULL; threads >= 1 is the
   OpenMP team size (1 = no parallel region). Arguments are checked in Python
   (npgan/kernels/conv_checks.py, and the loops' guard in npgan/kernels/guards.py) before
   these run; sizes are 64-bit so that no index arithmetic can overflow. */

void npgan_conv_im2col_f32(const float *x, float *cols, int64_t C, int64_t H, int64_t W, int64_t NB, int64_t KH, int64_t KW, int64_t SH, int64_t SW, int64_t PH, int64_t PW, int64_t DH, int64_t DW, int64_t OH, int64_t OW, int threads);
void npgan_conv_im2col_f64(const double *x, double *cols, int64_t C, int64_t H, int64_t W, int64_t NB, int64_t KH, int64_t KW, int64_t SH, int64_t SW, int64_t PH, int64_t PW, int64_t DH, int64_t DW, int64_t OH, int64_t OW, int threads);
void npgan_conv_col2im_f32(const float *cols, float *x, int64_t C, int64_t H, int64_t W, int64_t NB, int64_t KH, int64_t KW, int64_t SH, int64_t SW, int64_t PH, int64_t PW, int64_t DH, int64_t DW, int64_t OH, int64_t OW, int threads);
void npgan_conv_col2im_f64(const double *cols, double *x, int64_t C, int64_t H, int64_t W, int64_t NB, int64_t KH, int64_t KW, int64_t SH, int64_t SW, int64_t PH, int64_t PW, int64_t DH, int64_t DW, int64_t OH, int64_t OW, int threads);
void npgan_transpose_add_bias_f32(const float *a, const float *bias, float *out, int64_t R, int64_t S, int64_t group, int threads);
void npgan_transpose_add_bias_f64(const double *a, const double *bias, double *out, int64_t R, int64_t S, int64_t group, int threads);
void npgan_conv_channel_sum_f32(const float *y, float *out, int64_t N, int64_t C, int64_t L, int threads);
void npgan_conv_channel_sum_f64(const double *y, double *out, int64_t N, int64_t C, int64_t L, int threads);
