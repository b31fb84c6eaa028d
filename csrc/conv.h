/* Convolution hot loops (see conv.c for the layouts and npgan/kernels/conv.py for the notation).
   x is (C, H, W, NB) and cols (C*KH*KW, OH*OW*NB); bias may be NULL; threads >= 1 is the
   OpenMP team size (1 = no parallel region). Arguments are validated in Python
   (npgan/kernels/conv.py, conv_c.py) before these run. */

void npgan_conv_im2col_f32(const float *x, float *cols, int C, int H, int W, int NB, int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW, int OH, int OW, int threads);
void npgan_conv_im2col_f64(const double *x, double *cols, int C, int H, int W, int NB, int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW, int OH, int OW, int threads);
void npgan_conv_col2im_f32(const float *cols, float *x, int C, int H, int W, int NB, int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW, int OH, int OW, int threads);
void npgan_conv_col2im_f64(const double *cols, double *x, int C, int H, int W, int NB, int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW, int OH, int OW, int threads);
void npgan_conv_transpose_f32(const float *a, const float *bias, float *out, int R, int S, int group, int threads);
void npgan_conv_transpose_f64(const double *a, const double *bias, double *out, int R, int S, int group, int threads);
void npgan_conv_channel_sum_f32(const float *y, float *out, int N, int C, int L, int threads);
void npgan_conv_channel_sum_f64(const double *y, double *out, int N, int C, int L, int threads);
