// Two threads sweeping one var or let at once (TAPELESS_CHECKS, on in the test builds): the second
// sweep throws tl::concurrency_error before it writes anything, and the first one finishes with the
// right gradient. Thread A's sweep is held open deterministically by a custom function that waits in
// its forward pass while thread B tries. Sweeps that do not overlap, on any threads, never throw.
// Built into the suite (AddressSanitizer) and by run_tsan.py with ThreadSanitizer, so the check
// itself is race-free; a plain program, so both builds run the same file.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <latch>
#include <string>
#include <thread>

#include <tapeless/tapeless.hpp>

namespace {

int failures = 0;
void expect(bool ok, char const* what) {
  if (!ok) {
    std::printf("FAILED: %s\n", what);
    ++failures;
  }
}

using v2 = tl::vec<double, 2>;

/// y = x^3 elementwise, whose value waits (the first time) until told to go on: a sweep held open.
struct held_cube {
  std::latch* inside;  // counted down once the forward pass is inside
  std::latch* go_on;   // waited for before returning
  auto node() const {
    return tl::custom_jvp(
        [in = inside, go = go_on](v2 x) {
          if (in->try_wait() == false) {
            in->count_down();
            go->wait();
          }
          for (auto& e : x) e = e * e * e;
          return x;
        },
        [](v2 const& x, v2 t) {
          for (std::size_t i = 0; i < 2; ++i) t[i] *= 3 * x[i] * x[i];
          return t;
        });
  }
};

/// Runs `held` (a sweep that blocks inside) on a thread; while it is blocked, runs `meanwhile` on
/// this thread; then lets the held sweep finish.
void while_held(std::function<void(std::latch&, std::latch&)> held, std::function<void()> meanwhile) {
  std::latch inside{1}, go_on{1};
  std::thread a([&] { held(inside, go_on); });
  inside.wait();
  meanwhile();
  go_on.count_down();
  a.join();
}

bool close(v2 const& a, v2 const& b) { return std::abs(a[0] - b[0]) < 1e-12 && std::abs(a[1] - b[1]) < 1e-12; }

template <class F>
std::string concurrency_message(F&& f) {
  try {
    f();
  } catch (tl::concurrency_error const& e) {
    return e.what();
  } catch (...) {
    return "another exception";
  }
  return "";
}

}  // namespace

int main() {
  static_assert(TAPELESS_CHECKS, "the test builds run with TAPELESS_CHECKS");

  // A var: thread A differentiates sum(cube(x)) and is held inside; B's gradient and B's value of an
  // expression over x both throw; A's gradient is right; afterwards B's sweeps work.
  {
    tl::var<v2> x{1.0, 2.0};
    v2 ga{};
    std::string during_gradient, during_value;
    while_held(
        [&](std::latch& in, std::latch& go) {
          auto cube = held_cube{&in, &go}.node();
          ga = tl::gradient(tl::sum(cube(x)), x);
        },
        [&] {
          during_gradient = concurrency_message([&] { (void)tl::gradient(tl::sum(x * x), x); });
          during_value = concurrency_message([&] { (void)tl::value(tl::sum(x * x)); });
        });
    expect(during_gradient.find("a tl::var is being evaluated or differentiated by another thread") == 0,
           "a gradient over a var held by another thread's sweep throws concurrency_error");
    expect(during_value.find("a tl::var is being") == 0, "so does a value");
    expect(close(ga, v2{3.0, 12.0}), "the held sweep's gradient is right");
    expect(close(tl::gradient(tl::sum(x * x), x), v2{2.0, 4.0}), "after it ended, another thread's sweep works");
  }

  // A let shared by both threads' expressions.
  {
    tl::var<v2> x{1.0, 2.0};
    auto l = tl::let(x + 1.0);  // [2, 3]
    v2 ga{};
    std::string during;
    while_held(
        [&](std::latch& in, std::latch& go) {
          auto cube = held_cube{&in, &go}.node();
          ga = tl::gradient(tl::sum(cube(l)), x);
        },
        [&] {
          tl::var<v2> other{5.0, 6.0};
          during = concurrency_message([&] { (void)tl::gradient(tl::sum(l * other), other); });
        });
    expect(during.find("a tl::let is being") == 0, "a sweep over a let held by another thread's sweep throws");
    expect(close(ga, v2{12.0, 27.0}), "the held sweep's gradient through the let is right");
  }

  // No false alarms: a var last swept by a thread that has finished, or by this thread before the sweep
  // it is now running, is free for any thread.
  {
    tl::var<v2> x{1.0, 2.0};
    tl::var<v2> y{3.0, 4.0};
    std::thread([&] { (void)tl::gradient(tl::sum(x * x), x); }).join();  // a finished thread took x last
    v2 gx{}, gy{};
    std::string during;
    while_held(
        [&](std::latch& in, std::latch& go) {
          (void)tl::gradient(tl::sum(y * y), y);  // this thread took y, then holds a sweep over x
          auto cube = held_cube{&in, &go}.node();
          gx = tl::gradient(tl::sum(cube(x)), x);
        },
        [&] { during = concurrency_message([&] { gy = tl::gradient(tl::sum(y * y * y), y); }); });
    expect(during.empty(), "a var the other thread swept before its running sweep is free");
    expect(close(gy, v2{27.0, 48.0}), "and its gradient is right");
    expect(close(gx, v2{3.0, 12.0}), "the held sweep's gradient is right");
  }

  // Many threads, each with its own vars, at once: never an error.
  {
    std::atomic<int> wrong{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t)
      ts.emplace_back([&, t] {
        tl::var<v2> w{double(t), 1.0};
        for (int i = 0; i < 2000; ++i)
          if (!close(tl::gradient(tl::sum(w * w), w), v2{2.0 * t, 2.0})) ++wrong;
      });
    for (auto& t : ts) t.join();
    expect(wrong == 0, "threads with vars of their own get their gradients");
  }

  std::printf("%d failed\n", failures);
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
