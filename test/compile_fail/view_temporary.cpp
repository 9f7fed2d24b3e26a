// tl::var_view of a temporary std::vector would read memory gone before the expression is evaluated:
// refused with what to write instead (a std::span, which only refers to memory, may be a temporary).
// expect: tl::var_view\(v\): v is a temporary
// expect: keep it in a variable that outlives the expression
#include <span>
#include <vector>

#include <tapeless/tapeless.hpp>

int main() {
  std::vector<double> data{1.0, 2.0, 3.0};
#ifdef TAPELESS_COMPILE_OK
  auto const v = tl::var_view(std::span<double>(data));
#else
  auto const v = tl::var_view(std::vector<double>(data));
#endif
  return tl::gradient(tl::sum(v * v), v)[1] == 4.0 ? 0 : 1;
}
