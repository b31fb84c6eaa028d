/* Elementwise kernels over n contiguous elements (see elementwise.c for the equations).
   Arguments are validated in Python (npgan/kernels/elementwise.py) before these run. */

void npgan_leaky_relu_forward_f32(const float *x, float *y, float negative_slope, int64_t n);
void npgan_leaky_relu_forward_f64(const double *x, double *y, double negative_slope, int64_t n);
void npgan_leaky_relu_backward_f32(const float *x, const float *gy, float *gx, float negative_slope, int64_t n);
void npgan_leaky_relu_backward_f64(const double *x, const double *gy, double *gx, double negative_slope, int64_t n);

void npgan_bce_with_logits_forward_f32(const float *x, const float *t, float *loss, int64_t n);
void npgan_bce_with_logits_forward_f64(const double *x, const double *t, double *loss, int64_t n);
void npgan_bce_with_logits_backward_f32(const float *x, const float *t, const float *gy, float *gx, int64_t n);
void npgan_bce_with_logits_backward_f64(const double *x, const double *t, const double *gy, double *gx, int64_t n);

/* max_exp_avg_sq may be NULL (plain Adam); otherwise AMSGrad. */
void npgan_adam_update_f32(float *param, const float *grad, float *exp_avg, float *exp_avg_sq,
                           float *max_exp_avg_sq, float one_minus_beta1, float beta2, float one_minus_beta2,
                           float eps, float weight_decay, float step_size, float bias_correction2_sqrt,
                           int64_t n);
void npgan_adam_update_f64(double *param, const double *grad, double *exp_avg, double *exp_avg_sq,
                           double *max_exp_avg_sq, double one_minus_beta1, double beta2, double one_minus_beta2,
                           double eps, double weight_decay, double step_size, double bias_correction2_sqrt,
                           int64_t n);
