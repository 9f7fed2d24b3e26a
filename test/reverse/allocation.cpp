// Static shapes never touch the heap: a gradient over vec / mat vars (matmul, let, reductions) and a
// value make no allocation once warm, and neither do tl::active recordings (of numbers and of static arrays). Every form of the global
// operator new / delete is replaced by a counting one; dvec, which must allocate, proves that the counter sees allocations.
#define BOOST_TEST_MODULE reverse_allocation
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <new>

#include <tapeless/tapeless.hpp>

namespace {

std::atomic<std::size_t> allocations{0};
std::atomic<std::size_t> deallocations{0};

void* counted_alloc(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}

void* counted_aligned_alloc(std::size_t n, std::align_val_t al) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  auto const a = static_cast<std::size_t>(al);
  std::size_t const size = (n + a - 1) / a * a;  // aligned_alloc wants a multiple of the alignment
  return std::aligned_alloc(a, size == 0 ? a : size);
}

void counted_free(void* p) noexcept {
  if (p) {
    deallocations.fetch_add(1, std::memory_order_relaxed);
    std::free(p);
  }
}

void* or_throw(void* p) {
  if (!p) throw std::bad_alloc();
  return p;
}

// A new-expression whose result is unused may be optimised away with its allocation ([expr.new]);
// passing the pointer through a volatile keeps it.
void* volatile sink = nullptr;
template <class T>
T* kept(T* p) {
  sink = p;
  return static_cast<T*>(sink);
}

struct snapshot {
  std::size_t allocations;
  std::size_t deallocations;
};
snapshot now() { return {allocations.load(), deallocations.load()}; }

}  // namespace

// The replaceable global allocation functions ([new.delete]), all of them, so that no path escapes
// the count. malloc / free underneath keep them independent of each other.
void* operator new(std::size_t n) { return or_throw(counted_alloc(n)); }
void* operator new[](std::size_t n) { return or_throw(counted_alloc(n)); }
void* operator new(std::size_t n, std::nothrow_t const&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, std::nothrow_t const&) noexcept { return counted_alloc(n); }
void* operator new(std::size_t n, std::align_val_t a) { return or_throw(counted_aligned_alloc(n, a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return or_throw(counted_aligned_alloc(n, a)); }
void* operator new(std::size_t n, std::align_val_t a, std::nothrow_t const&) noexcept {
  return counted_aligned_alloc(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, std::nothrow_t const&) noexcept {
  return counted_aligned_alloc(n, a);
}
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, std::nothrow_t const&) noexcept { counted_free(p); }
void operator delete[](void* p, std::nothrow_t const&) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t, std::nothrow_t const&) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t, std::nothrow_t const&) noexcept { counted_free(p); }

BOOST_AUTO_TEST_CASE(the_counter_sees_every_form) {
  auto const before = now();
  delete kept(new int(1));
  delete[] kept(new int[3]);
  ::operator delete(kept(::operator new(8, std::nothrow)), std::nothrow);
  struct alignas(64) wide {
    double x[8];
  };
  delete kept(new wide{});
  delete[] kept(new wide[2]);
  auto const after = now();
  BOOST_TEST(after.allocations - before.allocations == 5u);
  BOOST_TEST(after.deallocations - before.deallocations == 5u);
}

BOOST_AUTO_TEST_CASE(static_shapes_allocate_nothing) {
  tl::var<tl::mat<double, 3, 4>> w{{0.1, -0.2, 0.3, 0.4}, {0.5, 0.6, -0.7, 0.8}, {0.9, 1.0, 1.1, -1.2}};
  tl::var<tl::vec<double, 4>> x{1.0, -2.0, 0.5, 3.0};
  tl::var<tl::vec<double, 3>> b{0.1, 0.2, 0.3};
  tl::var<double> scale{0.5};
  auto h = tl::let(tl::tanh(tl::matmul(w, x) + b));
  auto y = tl::sum(tl::square(h)) * scale + tl::dot(h, b) + tl::norm(x) + tl::max(tl::exp(h)) +
           tl::sum(tl::transpose(w)[1]) + tl::logsumexp(x) + tl::sum(tl::matmul(h, w)) + h[0];

  // Warm up: whatever happens once (function-local statics, Boost's own bookkeeping) happens here.
  auto const g0 = tl::gradient(y, tl::wrt(w, x, b, scale, h));
  double const v0 = tl::value(y);

  auto const before = now();
  double checksum = 0;
  for (int k = 0; k < 20; ++k) {
    auto [gw, gx, gb, gs, gh] = tl::gradient(y, tl::wrt(w, x, b, scale, h));
    checksum += gw(2, 3) + gx[1] + gb[0] + gs + gh[2] + tl::value(y);
    checksum += tl::gradient(y, x)[0] + tl::gradient(tl::sum(h), w)(0, 0);
    x = tl::vec<double, 4>{1.0, -2.0, 0.5, 3.0 + 0.01 * k};
  }
  auto const after = now();

  BOOST_TEST(after.allocations == before.allocations);
  BOOST_TEST(after.deallocations == before.deallocations);
  // The loop did real work (and the optimiser cannot drop it).
  BOOST_TEST(std::isfinite(checksum));
  BOOST_TEST(std::get<4>(g0)[0] != 0.0);
  BOOST_TEST(std::isfinite(v0));
}

// A let run block by block inside a gradient's root (expr/let.hpp) keeps its block buffers in its
// state: with static extents its first gradient allocates nothing either; with runtime extents it
// stores neither its value nor its adjoint (only the gradient's own result is allocated).
BOOST_AUTO_TEST_CASE(lets_run_by_blocks_allocate_nothing) {
  tl::vec<double, 600> x0;
  for (std::size_t i = 0; i < 600; ++i) x0[i] = 0.001 * double(i);
  tl::var<tl::vec<double, 600>> x{x0};
  tl::var<double> c{0.4};
  {  // function-local statics and the like, on another let
    auto const warm = tl::let(tl::cos(x) * c);
    (void)tl::gradient(tl::sum(tl::square(warm) + warm), tl::wrt(x, c));
  }
  auto const z = tl::let(tl::sin(x * c) + c);
  auto const before = now();
  auto const [gx, gc] = tl::gradient(tl::sum(tl::square(z) + z), tl::wrt(x, c));
  auto const after = now();
  BOOST_TEST(after.allocations == before.allocations);
  BOOST_TEST(z.state()->block_epoch_ != 0u);
  BOOST_TEST(std::abs(gx[1] - (2 * (std::sin(0.0004) + 0.4) + 1) * std::cos(0.0004) * 0.4) <= 1e-12);
  BOOST_TEST(std::isfinite(gc));

  tl::var<tl::dvec<double>> w{tl::dvec<double>(3000, 0.001)};  // 24 KB: below the kept-block size
  auto const h = tl::let(tl::exp(w) * c);
  (void)tl::gradient(tl::sum(tl::log1p(h) * h), tl::wrt(w, c));
  auto const a = now();
  auto const [gw, gc2] = tl::gradient(tl::sum(tl::log1p(h) * h), tl::wrt(w, c));
  auto const b = now();
  BOOST_TEST(b.allocations - a.allocations == 1u);  // gw
  BOOST_TEST(std::isfinite(gw[0] + gc2));
}

// A scan over static shapes: once the first gradient has sized the checkpoint stack, a gradient
// through the loop (lets in the step included, checkpoints or not) allocates nothing, however many steps.
BOOST_AUTO_TEST_CASE(scan_steps_allocate_nothing_once_warm) {
  tl::var<tl::vec<double, 3>> x0{0.5, -0.25, 1.0};
  tl::var<double> k{0.7};
  auto step = [&](auto const& x) {
    auto a = tl::let(-k * tl::sin(x));
    return x + 0.01 * a + 0.001 * a * a;
  };
  for (int n : {10, 200}) {
    auto all = tl::scan(step, x0, n);
    auto few = tl::scan(step, x0, n, tl::checkpoints(4));
    auto y = tl::sum(all * all) + tl::sum(few);
    auto const warm = tl::gradient(y, tl::wrt(x0, k));  // sizes the stacks
    auto const before = now();
    double checksum = 0;
    for (int r = 0; r < 5; ++r) {
      auto const [gx, gk] = tl::gradient(y, tl::wrt(x0, k));
      checksum += gx[0] + gk;
    }
    auto const after = now();
    BOOST_TEST(after.allocations == before.allocations, "steps " << n);
    BOOST_TEST(after.deallocations == before.deallocations, "steps " << n);
    BOOST_TEST(checksum == 5 * (std::get<0>(warm)[0] + std::get<1>(warm)));
  }
}

namespace {
/// A time loop over tl::active values, as code templated over its scalar would be written.
template <class T>
T relax(T x, T const& k, int steps) {
  for (int i = 0; i < steps; ++i) {
    T const f = -k * x + 0.1 * tl::sin(x);
    if (f > 0.0)
      x += 0.01 * f;
    else
      x = x + 0.02 * f;
  }
  return x;
}
}  // namespace

BOOST_AUTO_TEST_CASE(active_recordings_reuse_their_memory) {
  tl::active<double> x0 = 1.5, k = 0.8;
  auto run = [&] {
    tl::active<double> const y = relax(x0, k, 500);
    auto const [g0, gk] = tl::gradient(y, tl::wrt(x0, k));
    return y.value() + g0 + gk;
  };
  double const first = run();  // makes the recording and grows it to its size
  (void)run();
  auto const before = now();
  int same = 0;
  for (int i = 0; i < 10; ++i) same += run() == first;
  auto const after = now();
  BOOST_TEST(after.allocations == before.allocations);
  BOOST_TEST(same == 10);
}

BOOST_AUTO_TEST_CASE(array_active_recordings_reuse_their_memory) {
  // Static extents: the statements, their records and the inputs' values live in the recording's
  // arena, whose blocks are kept from one gradient to the next.
  using V = tl::vec<double, 5>;
  tl::active<V> q0 = V{0.1, 0.2, 0.3, 0.4, 0.5};
  tl::active<double> k = 0.8;
  auto run = [&] {
    tl::active<V> q = q0, v = V{};
    for (int t = 0; t < 300; ++t) {
      tl::active<V> a = -k * q + 0.1 * tl::sin(q);
      q += 0.01 * v;
      v += 0.01 * a;
    }
    tl::active<double> const e = tl::sum(q * q) + tl::sum(v * v);
    auto const [gq, gk] = tl::gradient(e, tl::wrt(q0, k));
    return e.value() + gq[0] + gq[4] + gk;
  };
  double const first = run();
  (void)run();
  auto const before = now();
  int same = 0;
  for (int i = 0; i < 10; ++i) same += run() == first;
  auto const after = now();
  BOOST_TEST(after.allocations == before.allocations);
  BOOST_TEST(same == 10);
}

BOOST_AUTO_TEST_CASE(runtime_extents_do_allocate) {
  tl::var<tl::dvec<double>> x{1.0, 2.0, 3.0};
  auto y = tl::sum(tl::square(x));
  auto const warm = tl::gradient(y, x);
  BOOST_TEST(warm[2] == 6.0);

  auto const before = now();
  auto const g = tl::gradient(y, x);
  double const v = tl::value(y);
  auto const after = now();
  BOOST_TEST(g[1] == 4.0);
  BOOST_TEST(v == 14.0);
  BOOST_TEST(after.allocations > before.allocations);
}

/// The allocations of one gradient of y (a 1000-element target), once warm.
template <class Y, class X>
std::size_t gradient_allocations(Y const& y, X const& target) {
  (void)tl::gradient(y, target);  // warm
  auto const a = now();
  auto const g = tl::gradient(y, target);
  auto const b = now();
  BOOST_TEST(g.size() == 1000u);
  return b.allocations - a.allocations;
}

// x[i] of a var or a let gives its adjoint back in place (index.hpp): reading six elements allocates
// no more than reading one (before, each read made and zero-filled an array of x's size).
BOOST_AUTO_TEST_CASE(indexing_allocates_nothing_per_index) {
  tl::var<tl::dvec<double>> x{tl::dvec<double>(1000, 0.5)};  // 8 KB: below the kept-block size
  auto l = tl::let(x * 2.0);
  auto one = x[3] * 2.0;
  auto six = x[0] * x[1] + x[5] * x[7] + x(998) * x[999] + l[3] * l[4];
  auto const g = tl::gradient(six, x);
  BOOST_TEST(g[0] == 0.5);
  BOOST_TEST(g[3] == 2.0);  // d(l3 l4)/dx3 = 2 l4 = 2 (l = 2 x = 1)
  BOOST_TEST(g[999] == 0.5);
  BOOST_TEST(g[2] == 0.0);
  BOOST_TEST(gradient_allocations(six, x) == gradient_allocations(one, x) + 1);  // the let's own value (x * 2, one array)
}

// tl::max and tl::min of a var or a let give the adjoint to the extreme element in place (reduce.hpp),
// as x[i] does: no array of x's size (before, each made and zero-filled one).
BOOST_AUTO_TEST_CASE(max_and_min_give_back_one_element) {
  tl::var<tl::dvec<double>> x{tl::dvec<double>(1000, 0.5)};  // 8 KB: below the kept-block size
  x = [] {
    tl::dvec<double> v(1000, 0.5);
    v[7] = 3.0;
    v[998] = -2.0;
    return v;
  }();
  auto l = tl::let(x * 2.0);
  auto top = tl::max(x) * 2.0;
  auto both = tl::max(x) - tl::min(x) + tl::max(l);
  auto const g = tl::gradient(both, x);
  BOOST_TEST(g[7] == 3.0);     // 1 from max(x), 2 from max(2 x)
  BOOST_TEST(g[998] == -1.0);  // from -min(x)
  BOOST_TEST(g[0] == 0.0);
  BOOST_TEST(tl::value(both) == 11.0);
  BOOST_TEST(gradient_allocations(top, x) == gradient_allocations(x[7] * 2.0, x));
  BOOST_TEST(gradient_allocations(both, x) == gradient_allocations(x[7] * 2.0, x) + 1);  // the let's own value
  // Forward mode reads the one element's tangent, and agrees.
  auto const J = tl::jacobian(both, x, tl::forward_mode);
  BOOST_TEST(J.size() == 1000u);
  BOOST_TEST((J == g));
}

// An elementwise tree over runtime extents stores one array, its output, however many nodes it has
// (expr/fuse.hpp, fused_map_*): evaluating a four-node tree allocates as much as one node.
BOOST_AUTO_TEST_CASE(an_elementwise_tree_stores_one_array) {
  tl::var<tl::dvec<double>> x{tl::dvec<double>(1000, 0.5)};  // 8 KB: below the kept-block size
  tl::var<double> s{2.0};
  auto one = tl::exp(x);
  auto four = tl::exp(x) * s + tl::sin(x);
  (void)tl::value(one);
  (void)tl::value(four);

  auto const a = now();
  double const v1 = tl::value(one)[999];
  auto const b = now();
  double const v4 = tl::value(four)[999];
  auto const c = now();
  BOOST_TEST(std::abs(v1 - std::exp(0.5)) <= 1e-15);
  BOOST_TEST(std::abs(v4 - (2 * std::exp(0.5) + std::sin(0.5))) <= 1e-15);
  BOOST_TEST(b.allocations > a.allocations);
  BOOST_TEST(c.allocations - b.allocations == b.allocations - a.allocations);
}

// tl::dot and tl::norm over arrays of float or double are fused sums (reduce.hpp): their gradients
// allocate what tl::sum(x * y) and tl::sum(tl::square(x)) do, nothing per node (before, the dot node
// and the norm node each stored their operands' values and built an adjoint array of their own).
BOOST_AUTO_TEST_CASE(dot_and_norm_are_fused_sums) {
  tl::var<tl::dvec<double>> x{tl::dvec<double>(1000, 0.5)};  // 8 KB: below the kept-block size
  tl::var<tl::dvec<double>> y{tl::dvec<double>(1000, 2.0)};
  BOOST_TEST(gradient_allocations(tl::dot(x, y), x) == gradient_allocations(tl::sum(x * y), x));
  BOOST_TEST(gradient_allocations(tl::norm(x), x) == gradient_allocations(tl::sum(tl::square(x)), x));
  BOOST_TEST(gradient_allocations(tl::norm(x * y), x) == gradient_allocations(tl::sum(tl::square(x * y)), x));
  BOOST_TEST(tl::value(tl::dot(x, y)) == 1000.0);
  BOOST_TEST(std::abs(tl::value(tl::norm(x)) - 0.5 * std::sqrt(1000.0)) <= 1e-13);
  auto const g = tl::gradient(tl::norm(x), x);
  BOOST_TEST(std::abs(g[7] - 1 / std::sqrt(1000.0)) <= 1e-15);
}

// Large blocks (64 KB and up) freed by one gradient serve the next one of the same shapes
// (detail::block_cache), so repeated gradients over large runtime extents allocate nothing once warm,
// and a reused block is zero-filled again like a fresh one.
BOOST_AUTO_TEST_CASE(large_blocks_are_reused) {
  std::size_t const n = 20000;  // 160 KB of doubles
  tl::dvec<double> data(n);
  for (std::size_t i = 0; i < n; ++i) data[i] = 0.001 * double(i);
  tl::var<tl::dvec<double>> x{data};
  tl::var<double> s{2.0};
  auto const h = tl::let(tl::exp(x) * s);
  auto y = tl::sum(tl::square(h));
  auto const warm = tl::gradient(y, tl::wrt(x, s));
  (void)tl::gradient(y, tl::wrt(x, s));  // warm is still alive: this call needs one block more

  auto const before = now();
  double checksum = 0;
  for (int k = 0; k < 5; ++k) {
    auto const [gx, gs] = tl::gradient(y, tl::wrt(x, s));
    checksum += gx[n - 1] + gs;
  }
  auto const after = now();
  BOOST_TEST(after.allocations == before.allocations);
  BOOST_TEST(checksum == 5 * (std::get<0>(warm)[n - 1] + std::get<1>(warm)));

  {
    {
      tl::dvec<double> dirty(n, 7.0);
    }
    tl::dvec<double> const fresh(n);
    BOOST_TEST(std::all_of(fresh.begin(), fresh.end(), [](double v) { return v == 0.0; }));
  }

  // tl::release_cached_memory gives the kept blocks back (here the one the gradients' results and
  // `fresh` took in turn; h runs inside the sum's loop and keeps none): the next gradient allocates
  // again.
  auto const kept = now();
  tl::release_cached_memory();
  BOOST_TEST(now().deallocations > kept.deallocations);
  auto const again = now();
  (void)tl::gradient(y, tl::wrt(x, s));
  BOOST_TEST(now().allocations > again.allocations);
}
