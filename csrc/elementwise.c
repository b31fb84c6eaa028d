/* Elementwise hot loops: LeakyReLU, binary cross-entropy with logits, and the Adam step.

   Each kernel is written once as a macro over the element type T and stamped out for
   float (f32) and double (f64); <tgmath.h> makes exp/log1p/sqrt follow T, so float
   data is computed in float, as in the NumPy reference. Every pointer covers n
   contiguous elements; arguments were checked in Python before the call.
   Compiled without -ffast-math and without FMA contraction (ISO C99), so the
   arithmetic kernels agree bit for bit with the NumPy reference. */
#include <stdint.h>
#include <tgmath.h>

#include "elementwise.h"

/* NumPy's maximum(a, b), bit for bit: a NaN in either operand gives NaN (a's NaN when a is
   one), and of two equal values b is returned, so maximum(-0.0, 0.0) = 0.0 and
   maximum(0.0, -0.0) = -0.0 (NumPy 2.4 on x86-64; checked by tests/kernels/test_nan_parity.py).
   `a >= b ? a : b` would drop a NaN in a. */
#define NUMPY_MAXIMUM(a, b) ((a) > (b) || isnan(a) ? (a) : (b))

/* y = x if x > 0 else negative_slope * x */
#define LEAKY_RELU_FORWARD(T, SUFFIX)                                                     \
    void npgan_leaky_relu_forward_##SUFFIX(const T *restrict x, T *restrict y,            \
                                           T negative_slope, int64_t n)                   \
    {                                                                                     \
        for (int64_t i = 0; i < n; i++)                                                   \
            y[i] = x[i] > 0 ? x[i] : negative_slope * x[i];                               \
    }

/* gx = gy if x > 0 else negative_slope * gy  (the slope at the kink x = 0 is negative_slope, as in PyTorch) */
#define LEAKY_RELU_BACKWARD(T, SUFFIX)                                                    \
    void npgan_leaky_relu_backward_##SUFFIX(const T *restrict x, const T *restrict gy,    \
                                            T *restrict gx, T negative_slope, int64_t n)  \
    {                                                                                     \
        for (int64_t i = 0; i < n; i++)                                                   \
            gx[i] = x[i] > 0 ? gy[i] : negative_slope * gy[i];                            \
    }

/* loss = max(x, 0) - x t + log1p(exp(-|x|)): exp never sees a positive argument,
   so the loss is finite for any finite logit. The max may drop a NaN x: x t keeps it. */
#define BCE_WITH_LOGITS_FORWARD(T, SUFFIX)                                                \
    void npgan_bce_with_logits_forward_##SUFFIX(const T *restrict x, const T *restrict t, \
                                                T *restrict loss, int64_t n)              \
    {                                                                                     \
        for (int64_t i = 0; i < n; i++) {                                                 \
            T positive_part = x[i] > 0 ? x[i] : (T)0;                                     \
            loss[i] = positive_part - x[i] * t[i] + log1p(exp(-fabs(x[i])));              \
        }                                                                                 \
    }

/* gx = gy (sigmoid(x) - t), with sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e)
   for x < 0, where e = exp(-|x|) <= 1 cannot overflow. Selecting the numerator rather
   than the quotient keeps the division out of the branch. */
#define BCE_WITH_LOGITS_BACKWARD(T, SUFFIX)                                               \
    void npgan_bce_with_logits_backward_##SUFFIX(const T *restrict x, const T *restrict t,\
                                                 const T *restrict gy, T *restrict gx,    \
                                                 int64_t n)                               \
    {                                                                                     \
        for (int64_t i = 0; i < n; i++) {                                                 \
            T e = exp(-fabs(x[i]));                                                       \
            T sigmoid = (x[i] >= 0 ? (T)1 : e) / ((T)1 + e);                              \
            gx[i] = gy[i] * (sigmoid - t[i]);                                             \
        }                                                                                 \
    }

/* One step of Adam (Kingma & Ba, 2015) in PyTorch's operation order:
     g      = grad + weight_decay param                 (only if weight_decay != 0)
     m      = m + (1 - beta1) (g - m)
     v      = beta2 v + (1 - beta2) g g
     v_max  = max(v_max, v); v_hat = v_max              (AMSGrad)   else v_hat = v
     param  = param - step_size m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
   with step_size = lr / (1 - beta1^t) computed once in Python. The max is NumPy's, so a
   NaN in v_max or in v stays NaN. */
#define ADAM_UPDATE(T, SUFFIX)                                                            \
    void npgan_adam_update_##SUFFIX(T *restrict param, const T *restrict grad,            \
                                    T *restrict exp_avg, T *restrict exp_avg_sq,          \
                                    T *restrict max_exp_avg_sq, T one_minus_beta1,        \
                                    T beta2, T one_minus_beta2, T eps, T weight_decay,    \
                                    T step_size, T bias_correction2_sqrt, int64_t n)      \
    {                                                                                     \
        for (int64_t i = 0; i < n; i++) {                                                 \
            T g = weight_decay != 0 ? grad[i] + weight_decay * param[i] : grad[i];        \
            T m = exp_avg[i] + one_minus_beta1 * (g - exp_avg[i]);                        \
            T v = beta2 * exp_avg_sq[i] + one_minus_beta2 * g * g;                        \
            T v_hat = v;                                                                  \
            if (max_exp_avg_sq) {                                                         \
                v_hat = NUMPY_MAXIMUM(max_exp_avg_sq[i], v);                              \
                max_exp_avg_sq[i] = v_hat;                                                \
            }                                                                             \
            T denom = sqrt(v_hat) / bias_correction2_sqrt + eps;                          \
            exp_avg[i] = m;                                                               \
            exp_avg_sq[i] = v;                                                            \
            param[i] = param[i] - step_size * m / denom;                                  \
        }                                                                                 \
    }

LEAKY_RELU_FORWARD(float, f32)
LEAKY_RELU_FORWARD(double, f64)
LEAKY_RELU_BACKWARD(float, f32)
LEAKY_RELU_BACKWARD(double, f64)
BCE_WITH_LOGITS_FORWARD(float, f32)
BCE_WITH_LOGITS_FORWARD(double, f64)
BCE_WITH_LOGITS_BACKWARD(float, f32)
BCE_WITH_LOGITS_BACKWARD(double, f64)
ADAM_UPDATE(float, f32)
ADAM_UPDATE(double, f64)
