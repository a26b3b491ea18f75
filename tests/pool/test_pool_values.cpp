// Every Pool method gives the sequential answer, for every kind of value
// that crosses ranks, on every rank count.
#include <gtest/gtest.h>
#include <hmp/pool.hpp>
#include <hmp/serialize_eigen.hpp>

#include "pool_fixture.hpp"
#include <hmp/split.hpp>

#include <Eigen/Dense>
#include <array>
#include <numeric>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace {

using hmp_test::pool;
bool root() { return pool().is_root(); }

// A user type made sendable with cereal.
struct Particle {
  std::string name;
  std::vector<double> position;
  template <class A>
  void serialize(A& ar) { ar(name, position); }
  bool operator==(const Particle&) const = default;
};

std::vector<int> numbers(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), -7);
  return v;
}

template <class In, class F>
auto sequential(const In& in, F f) {
  std::vector<std::decay_t<decltype(f(*in.begin()))>> out;
  for (const auto& x : in) out.push_back(f(x));
  return out;
}

TEST(PoolValues, IntsEveryMethod) {
  const auto in = numbers(103);
  auto f = [](int x) { return x * x - 3; };
  const auto expected = sequential(in, f);
  const auto m = pool().map(f, in);
  auto a = pool().map_async(f, in);
  const auto& ag = a.get();
  std::vector<int> im, iu;
  for (int v : pool().imap(f, in)) im.push_back(v);
  for (int v : pool().imap_unordered(f, in, 5)) iu.push_back(v);
  std::vector<std::tuple<int>> tuples;
  for (int x : in) tuples.emplace_back(x);
  const auto sm = pool().starmap(f, tuples);
  auto sa = pool().starmap_async(f, tuples);
  const auto& sag = sa.get();
  if (root()) {
    EXPECT_EQ(m, expected);
    EXPECT_EQ(ag, expected);
    EXPECT_EQ(im, expected);  // imap keeps input order
    std::sort(iu.begin(), iu.end());
    auto sorted = expected;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(iu, sorted);  // imap_unordered: a permutation
    EXPECT_EQ(sm, expected);
    EXPECT_EQ(sag, expected);
  } else {
    // Results land on root; other ranks get empty results.
    EXPECT_TRUE(m.empty());
    EXPECT_TRUE(ag.empty());
    EXPECT_TRUE(im.empty());
    EXPECT_TRUE(iu.empty());
    EXPECT_TRUE(sm.empty());
  }
}

TEST(PoolValues, StringsVectorsOptionalsPairs) {
  const auto in = numbers(37);
  auto to_s = [](int x) { return std::string(static_cast<std::size_t>(std::abs(x)), 'a') + std::to_string(x); };
  auto to_v = [](int x) { return std::vector<double>(static_cast<std::size_t>(std::abs(x) % 5), x * 0.5); };
  auto to_o = [](int x) { return x % 3 ? std::optional<long>(x) : std::nullopt; };
  auto to_p = [](int x) { return std::make_pair(x, std::to_string(x)); };
  auto to_a = [](int x) { return std::array<int, 3>{x, x + 1, x + 2}; };
  auto to_b = [](int x) { return x % 2 == 0; };
  const auto s = pool().map(to_s, in);
  const auto v = pool().map(to_v, in, 4);
  const auto o = pool().map(to_o, in);
  const auto p = pool().map(to_p, in);
  const auto a = pool().map(to_a, in);
  const auto b = pool().map(to_b, in);
  if (root()) {
    EXPECT_EQ(s, sequential(in, to_s));
    EXPECT_EQ(v, sequential(in, to_v));
    EXPECT_EQ(o, sequential(in, to_o));
    EXPECT_EQ(p, sequential(in, to_p));
    EXPECT_EQ(a, sequential(in, to_a));
    std::vector<bool> eb;
    for (int x : in) eb.push_back(to_b(x));
    EXPECT_EQ(b, eb);
  }
}

TEST(PoolValues, EigenMatrices) {
  const auto in = numbers(21);
  auto f = [](int x) {
    Eigen::MatrixXd m(3, 2 + (std::abs(x) % 3));
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = x * 10.0 + static_cast<double>(i);
    return m;
  };
  const auto got = pool().map(f, in);
  if (root()) {
    ASSERT_EQ(got.size(), in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
      const auto want = f(in[i]);
      ASSERT_EQ(got[i].rows(), want.rows());
      ASSERT_EQ(got[i].cols(), want.cols());
      EXPECT_TRUE(got[i].isApprox(want)) << "item " << i;
    }
  }
  // Matrices as inputs, sent from root.
  std::vector<Eigen::Matrix2d> mats;
  if (root())
    for (int k = 0; k < 13; ++k) mats.push_back(Eigen::Matrix2d{{1.0 * k, 2}, {3, 4.0 + k}});
  const auto dets = pool().map([](const Eigen::Matrix2d& m) { return m.determinant(); }, hmp::from_root(mats));
  if (root()) {
    ASSERT_EQ(dets.size(), 13u);
    for (int k = 0; k < 13; ++k) EXPECT_DOUBLE_EQ(dets[static_cast<std::size_t>(k)], k * (4.0 + k) - 6.0);
  } else {
    EXPECT_TRUE(dets.empty());
  }
}

TEST(PoolValues, FromRootAsyncKeepsItsOwnCopy) {
  // Like Python, an async call takes the inputs at the call: root may change
  // its vector before get().
  std::vector<std::string> words;
  if (pool().is_root()) words = {"a", "bb", "ccc", "dddd", "eeeee", "ffffff", "g"};
  auto r = pool().map_async([](const std::string& w) { return w.size(); }, hmp::from_root(words));
  words.assign(words.size(), "changed");
  const auto& got = r.get();
  if (pool().is_root()) EXPECT_EQ(got, (std::vector<std::size_t>{1, 2, 3, 4, 5, 6, 1}));
}

TEST(PoolValues, CerealUserType) {
  const auto in = numbers(19);
  auto f = [](int x) { return Particle{"p" + std::to_string(x), {x * 1.0, x * 2.0}}; };
  const auto got = pool().map(f, in);
  std::vector<Particle> parts;
  if (root()) parts = got;
  auto names = pool().map([](const Particle& p) { return p.name.size() + p.position.size(); }, hmp::from_root(parts));
  if (root()) {
    EXPECT_EQ(got, sequential(in, f));
    std::vector<std::size_t> want;
    for (const auto& p : got) want.push_back(p.name.size() + p.position.size());
    EXPECT_EQ(names, want);
  }
}

TEST(PoolValues, TutorialSplitSum) {
  // The tutorial: split the numbers in one part per process, sum each part.
  std::vector<long> numbers(1000);
  std::iota(numbers.begin(), numbers.end(), 1L);
  const auto parts = hmp::split(numbers, static_cast<std::size_t>(pool().size()));
  auto iterative_sum = [](const std::vector<long>& part) {
    long s = 0;
    for (long x : part) s += x;
    return s;
  };
  const auto sums = pool().map(iterative_sum, parts);
  if (root()) {
    ASSERT_EQ(sums.size(), parts.size());
    EXPECT_EQ(std::accumulate(sums.begin(), sums.end(), 0L), 500500L);
    EXPECT_EQ(sums[0], iterative_sum(parts[0]));
  }
}

TEST(PoolValues, ResultsEverywhere) {
  const auto in = numbers(29);
  auto f = [](int x) { return std::to_string(x * 3); };
  hmp::MapOptions o;
  o.everywhere = true;
  const auto got = pool().map(f, in, o);
  EXPECT_EQ(got, sequential(in, f));  // on every rank
  auto a = pool().map_async(f, in, o);
  EXPECT_EQ(a.get(), sequential(in, f));
}

TEST(PoolValues, IndexSpaces) {
  const std::size_t n = 77;
  const auto squares = pool().map([](std::size_t i) { return i * i; }, std::views::iota(std::size_t{0}, n));
  std::vector<int> touched(n, 0);
  // for_each: each index once, on some rank; count them with everywhere-map.
  pool().for_each(n, [&](std::size_t i) { touched[i] += 1; });
  int mine = std::accumulate(touched.begin(), touched.end(), 0), total = 0;
  MPI_Allreduce(&mine, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  EXPECT_EQ(total, static_cast<int>(n));
  if (root()) {
    ASSERT_EQ(squares.size(), n);
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(squares[i], i * i);
  }
}

TEST(PoolValues, EmptyInputs) {
  const std::vector<int> none;
  auto f = [](int x) { return x; };
  EXPECT_TRUE(pool().map(f, none).empty());
  EXPECT_TRUE(pool().map_async(f, none).get().empty());
  int count = 0;
  for (int v : pool().imap(f, none)) count += v + 1;
  for (int v : pool().imap_unordered(f, none)) count += v + 1;
  EXPECT_EQ(count, 0);
  EXPECT_TRUE(pool().map(f, hmp::from_root(none)).empty());
  EXPECT_TRUE(pool().starmap([](int a, int b) { return a + b; }, std::vector<std::tuple<int, int>>{}).empty());
  pool().for_each(0, [](std::size_t) { ADD_FAILURE() << "no index expected"; });
}

TEST(Split, TutorialSplitIsCyclic) {
  const std::vector<int> v{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const auto parts = hmp::split(v, 3);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], (std::vector<int>{0, 3, 6, 9}));
  EXPECT_EQ(parts[1], (std::vector<int>{1, 4, 7}));
  EXPECT_EQ(parts[2], (std::vector<int>{2, 5, 8}));
  EXPECT_EQ(hmp::split(v, 12).size(), 12u);
  EXPECT_TRUE(hmp::split(v, 12)[11].empty());
  EXPECT_THROW(hmp::split(v, 0), hmp::UsageError);
}

TEST(Split, ArraySplitAsNumpy) {
  const std::vector<int> v{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const auto parts = hmp::array_split(v, 4);  // numpy: [0 1 2] [3 4 5] [6 7] [8 9]
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0], (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(parts[1], (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(parts[2], (std::vector<int>{6, 7}));
  EXPECT_EQ(parts[3], (std::vector<int>{8, 9}));
  EXPECT_THROW(hmp::array_split(v, 0), hmp::UsageError);
}

}  // namespace
