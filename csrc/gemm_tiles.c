/* The tiled GEMM: C = op(A) op(B) cut into a fixed set of tiles, each one call of a
   single-threaded BLAS gemm, shared out among npgan's own threads by claiming.

   Why (npgan/kernels/gemm_tiles.py has the measurements): a BLAS library that splits one
   GEMM over its threads hands each thread a fixed share and makes every thread wait for the
   others, spinning. When other processes keep the cores busy, the scheduler puts one thread
   aside for a whole time slice and the others spin until it comes back (measured in
   benchmarks/README.md, "A busy machine"). Here a GEMM is a list of independent tiles, and any thread takes
   the next unclaimed tile: when a thread is put aside, the others take its tiles, and the
   caller waits only for a tile already under way. The tiles are a function of the shapes
   alone (chosen in Python), and each is computed by the same BLAS call whichever thread runs
   it, so the result does not depend on the number of threads, on which thread ran which
   tile, or on the load.

   The tiles cut the longer of M and N (split_n) into `tiles` ranges whose bounds are
   multiples of 16 (the width of the BLAS micro-kernels, so no tile adds edge cases):
     bound(t) = floor(t D / tiles / 16) 16 for t < tiles, bound(tiles) = D,  D = N or M.

   The pool: up to MAX_WORKERS threads, started on first use and kept for the process. A
   job is published as one 64-bit word, `state` = generation | threads | tiles | next tile;
   a thread claims tile `next` by compare-and-swap on that word, so a claim is atomic with
   the job it belongs to, and a claimed job's description (`job`) stays valid until its
   last tile is done: the caller publishes the next job only then. Worker w takes part only
   if w + 1 < threads (the caller is the other one). An idle worker polls `state` for
   SPIN_NS, then sleeps on a condition variable, so no thread is left spinning after a
   burst of GEMMs; a worker that wakes late finds the tiles taken and sleeps again. Calls
   from several Python threads at once (cffi releases the GIL) are not queued: a call that
   finds the pool busy runs its tiles itself, with the same result. After fork() the child
   has no workers; the caller then runs every tile itself. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>

#include "gemm_tiles.h"

#define MAX_WORKERS 63
#define SPIN_NS 100000  /* nanoseconds an idle worker polls for the next job before it sleeps */
#define TILE_ALIGN 16

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };  /* CBLAS_ORDER, CBLAS_TRANSPOSE */

typedef void (*sgemm_t)(int, int, int, int64_t, int64_t, int64_t, float, const float *, int64_t,
                        const float *, int64_t, float, float *, int64_t);
typedef void (*dgemm_t)(int, int, int, int64_t, int64_t, int64_t, double, const double *, int64_t,
                        const double *, int64_t, double, double *, int64_t);

typedef struct {
    void *gemm;
    int f64, trans_a, trans_b, split_n;
    int64_t M, N, K, tiles;
    const char *a, *b;
    char *c;
} job_t;

static job_t job;            /* the published job (written only while no tile is claimed) */
static uint64_t state;       /* generation << 32 | threads << 16 | tiles << 8 | next */
static int64_t done;         /* tiles of the current job finished */
static int sleeping;         /* workers waiting on `wake` */
static int workers;          /* workers started */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;  /* guards `wake` and `workers` */
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;  /* held by the caller of a job */

#define STATE_NEXT(s) ((int64_t)((s) & 0xFF))
#define STATE_TILES(s) ((int64_t)(((s) >> 8) & 0xFF))
#define STATE_THREADS(s) ((int)(((s) >> 16) & 0xFFFF))

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static int64_t bound(int64_t t, int64_t D, int64_t tiles)
{
    return t == tiles ? D : (t * D / tiles) / TILE_ALIGN * TILE_ALIGN;
}

/* Tile t of j: the columns (split_n) or rows [lo, hi) of C. */
static void run_tile(const job_t *j, int64_t t)
{
    int64_t M = j->M, N = j->N, K = j->K;
    int64_t lo = bound(t, j->split_n ? N : M, j->tiles), hi = bound(t + 1, j->split_n ? N : M, j->tiles);
    int64_t lda = j->trans_a ? M : K, ldb = j->trans_b ? K : N, size = j->f64 ? 8 : 4;
    const char *a = j->a, *b = j->b;
    char *c = j->c;
    int64_t m = M, n = N;
    if (hi <= lo)
        return;
    if (j->split_n) {    /* C[:, lo:hi] = op(A) op(B)[:, lo:hi] */
        b += (j->trans_b ? lo * K : lo) * size;
        c += lo * size;
        n = hi - lo;
    } else {             /* C[lo:hi] = op(A)[lo:hi] op(B) */
        a += (j->trans_a ? lo : lo * K) * size;
        c += lo * N * size;
        m = hi - lo;
    }
    int ta = j->trans_a ? TRANS : NO_TRANS, tb = j->trans_b ? TRANS : NO_TRANS;
    if (j->f64)
        ((dgemm_t)j->gemm)(ROW_MAJOR, ta, tb, m, n, K, 1.0, (const double *)a, lda, (const double *)b, ldb,
                           0.0, (double *)c, N);
    else
        ((sgemm_t)j->gemm)(ROW_MAJOR, ta, tb, m, n, K, 1.0f, (const float *)a, lda, (const float *)b, ldb,
                           0.0f, (float *)c, N);
}

/* Claim and run tiles of the current job while there are any (worker `w` only if the job
   allows w + 1 threads beside the caller; the caller passes w = -1). Returns the state
   last seen. */
static uint64_t claim_and_run(int w)
{
    uint64_t s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
    for (;;) {
        if (STATE_NEXT(s) >= STATE_TILES(s) || w + 1 >= STATE_THREADS(s))
            return s;
        if (__atomic_compare_exchange_n(&state, &s, s + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            run_tile(&job, STATE_NEXT(s));
            __atomic_fetch_add(&done, 1, __ATOMIC_RELEASE);
            s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
        }
    }
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    for (;;) {
        uint64_t seen = claim_and_run(w);
        int64_t until = now_ns() + SPIN_NS;
        int polls = 0;
        while (__atomic_load_n(&state, __ATOMIC_ACQUIRE) == seen) {
            cpu_relax();
            if (++polls % 256 == 0 && now_ns() > until) {
                pthread_mutex_lock(&lock);
                __atomic_fetch_add(&sleeping, 1, __ATOMIC_SEQ_CST);
                while (__atomic_load_n(&state, __ATOMIC_SEQ_CST) == seen)
                    pthread_cond_wait(&wake, &lock);
                __atomic_fetch_sub(&sleeping, 1, __ATOMIC_SEQ_CST);
                pthread_mutex_unlock(&lock);
            }
        }
    }
    return NULL;
}

static void start_workers(int n)
{
    pthread_mutex_lock(&lock);
    while (workers < n && workers < MAX_WORKERS) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attr, worker, (void *)(intptr_t)workers);
        pthread_attr_destroy(&attr);
        if (failed)
            break;  /* fewer workers: the caller takes the tiles nobody claims */
        workers++;
    }
    pthread_mutex_unlock(&lock);
}

static void after_fork_in_child(void)
{
    pthread_mutex_t fresh_mutex = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t fresh_cond = PTHREAD_COND_INITIALIZER;
    lock = fresh_mutex;
    busy = fresh_mutex;
    wake = fresh_cond;
    workers = sleeping = 0;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void install_fork_handler(void)
{
    pthread_atfork(NULL, NULL, after_fork_in_child);
}

static void run_job(const job_t *j, int threads)
{
    if (threads > MAX_WORKERS + 1)
        threads = MAX_WORKERS + 1;
    /* (tiles beyond the state word's 8 bits never come from gemm_tiles.py, which makes at most
       8; any such count still gets every tile computed, on this thread) */
    if (threads <= 1 || j->tiles <= 1 || j->tiles > 0xFF || pthread_mutex_trylock(&busy) != 0) {
        for (int64_t t = 0; t < j->tiles; t++)
            run_tile(j, t);
        return;
    }
    pthread_once(&once, install_fork_handler);
    start_workers(threads - 1);
    job = *j;
    __atomic_store_n(&done, 0, __ATOMIC_RELAXED);
    uint64_t generation = (__atomic_load_n(&state, __ATOMIC_RELAXED) >> 32) + 1;
    __atomic_store_n(&state, (generation << 32) | ((uint64_t)threads << 16) | ((uint64_t)j->tiles << 8),
                     __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&sleeping, __ATOMIC_SEQ_CST) > 0) {
        pthread_mutex_lock(&lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&lock);
    }
    claim_and_run(-1);
    for (int polls = 1; __atomic_load_n(&done, __ATOMIC_ACQUIRE) < j->tiles; polls++) {
        if (polls % 64 == 0)
            sched_yield();  /* a tile is under way on a thread the scheduler may have put aside */
        else
            cpu_relax();
    }
    pthread_mutex_unlock(&busy);
}

#define GEMM_TILES(T, SUFFIX, F64)                                                               \
    void npgan_gemm_tiles_##SUFFIX(void *gemm, int trans_a, int trans_b, int64_t M, int64_t N,    \
                                   int64_t K, const T *a, const T *b, T *c, int64_t tiles,       \
                                   int split_n, int threads)                                      \
    {                                                                                            \
        job_t j = {gemm, F64, trans_a, trans_b, split_n, M, N, K, tiles,                         \
                   (const char *)a, (const char *)b, (char *)c};                                 \
        run_job(&j, threads);                                                                    \
    }

GEMM_TILES(float, f32, 0)
GEMM_TILES(double, f64, 1)

int npgan_gemm_pool_workers(void)
{
    pthread_mutex_lock(&lock);
    int n = workers;
    pthread_mutex_unlock(&lock);
    return n;
}
